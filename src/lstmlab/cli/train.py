"""``lstmlab train TASK``: train a model into a run folder (or resume one), for every task.

The task-specific options (``--train FILE``, ``--corpus``) are the task's declared
:class:`~lstmlab.tasks.spec.Option` s; this module turns them into argparse options and
``--set`` items.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from lstmlab.cli.predict import add_options
from lstmlab.errors import ConfigError
from lstmlab.tasks import all_tasks, get_task
from lstmlab.tasks.spec import Option, TaskSpec
from lstmlab.training.config import TrainConfig, parse_override, preset_names
from lstmlab.training.rundir import default_run_dir


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train a model (" + ", ".join(t.name for t in all_tasks()) + ")",
        description="Train a model; results, plots and checkpoints go into a run folder.",
    )
    tasks = parser.add_subparsers(dest="task", metavar="TASK", required=True)
    for task in all_tasks():
        sub = tasks.add_parser(
            task.name,
            help=task.help,
            description=task.help,
            epilog=settings_help(task),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        presets = ", ".join(preset_names(task.preset_folder())) or "none shipped"
        sub.add_argument(
            "--preset", help=f"preset name ({presets}), a TOML file, or a run's config.json"
        )
        sub.add_argument(
            "--set",
            dest="overrides",
            action="append",
            default=[],
            metavar="SECTION.KEY=VALUE",
            help="override one setting (repeatable)",
        )
        sub.add_argument(
            "--out", type=Path, help="run folder (default runs/<task>-<preset>-<time>)"
        )
        sub.add_argument(
            "--resume",
            type=Path,
            metavar="RUN_DIR",
            help="continue an interrupted run from its last.pt",
        )
        sub.add_argument(
            "--data-dir",
            help="data root (default $LSTMLAB_DATA, else "
            "$XDG_CACHE_HOME/lstmlab or ~/.cache/lstmlab)",
        )
        sub.add_argument("--device", help="auto (default), cpu, cuda, cuda:N")
        sub.add_argument("--threads", type=int, help="CPU threads for torch")
        add_options(sub, task.train_options)
        sub.set_defaults(func=run_train)


def option_overrides(args: argparse.Namespace, options: tuple[Option, ...]) -> list[str]:
    """``--set`` items for the declared options given on the command line."""
    items: list[str] = []
    for option in options:
        value = getattr(args, option.dest, None)
        if value is None or value is False:
            continue
        if option.kind == "path":
            value = str(Path(value).resolve())
        elif option.kind == "flag":
            value = "true"
        items += [f"{option.setting}={value}", *option.implies]
    return items


def settings_help(task: TaskSpec) -> str:
    """The task's settings and their defaults, for ``lstmlab train TASK --help``."""
    lines = ["settings (--set SECTION.KEY=VALUE; defaults shown):"]
    for section, cls in (
        ("data", task.data_config),
        ("model", task.model_config),
        ("train", TrainConfig),
    ):
        defaults = cls()
        items = [f"{f.name}={getattr(defaults, f.name)!r}" for f in dataclasses.fields(cls)]
        lines.append(f"  {section}: " + ", ".join(items))
    return "\n".join(lines)


def common_overrides(args: argparse.Namespace) -> list[str]:
    """Turn the shared convenience flags into ``--set`` items (they win over the preset)."""
    items = []
    if args.device:
        items.append(f"train.device={args.device}")
    if args.threads is not None:
        items.append(f"train.threads={args.threads}")
    return items


def run_train(args: argparse.Namespace) -> int:
    spec = get_task(args.task)
    overrides = [
        *args.overrides,
        *common_overrides(args),
        *option_overrides(args, spec.train_options),
    ]
    if args.resume:
        if args.out and Path(args.out).absolute() != Path(args.resume).absolute():
            raise ConfigError(
                f"--resume continues {args.resume} in place; it cannot write to --out "
                f"{args.out} (copy the run folder there first and resume the copy)"
            )
        if args.preset or any(parse_override(o)[0] != "train" for o in overrides):
            raise ConfigError(
                "--resume continues the saved configuration; only train.* "
                "settings (e.g. train.epochs) may be changed"
            )
        from lstmlab.training.runner import read_run_config

        saved = read_run_config(spec, args.resume)
        config = spec.resolve_config(None, overrides, base=saved.to_dict())
        run_dir = args.resume
    else:
        config = spec.resolve_config(args.preset, overrides)
        run_dir = args.out or default_run_dir(spec.name, args.preset)
    # Imported only now: it imports torch (seconds), which a mistyped setting or preset,
    # reported above, does not need.
    from lstmlab.training.runner import train_run

    train_run(spec, config, run_dir, data_dir=args.data_dir, resume=bool(args.resume))
    return 0
