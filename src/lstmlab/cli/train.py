"""``lstmlab train TASK``: train a model into a run folder (or resume one), for every task."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from lstmlab.errors import ConfigError
from lstmlab.tasks import all_tasks, get_task
from lstmlab.training.config import TrainConfig, parse_override, preset_names, resolve_config
from lstmlab.training.runner import default_run_dir, read_run_config, train_run
from lstmlab.training.task import Task


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
        presets = ", ".join(preset_names(task.name)) or "none shipped"
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
        task.add_train_arguments(sub)
        sub.set_defaults(func=run_train)


def settings_help(task: Task) -> str:
    """The task's settings and their defaults, for ``lstmlab train TASK --help``."""
    lines = ["settings (--set SECTION.KEY=VALUE; defaults shown):"]
    for section, cls in (
        ("data", task.data_cls),
        ("model", task.model_cls),
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
    overrides = [*args.overrides, *common_overrides(args), *spec.train_overrides(args)]
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
        saved = read_run_config(spec, args.resume)
        config = resolve_config(
            spec.name, spec.data_cls, spec.model_cls, None, overrides, base=saved.to_dict()
        )
        run_dir = args.resume
    else:
        config = resolve_config(spec.name, spec.data_cls, spec.model_cls, args.preset, overrides)
        run_dir = args.out or default_run_dir(spec.name, args.preset)
    train_run(spec, config, run_dir, data_dir=args.data_dir, resume=bool(args.resume))
    return 0
