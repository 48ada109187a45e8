"""``lstmlab train sentiment|pos``: train a model into a run folder (or resume one)."""

from __future__ import annotations

import argparse
from pathlib import Path

from lstmlab.errors import ConfigError
from lstmlab.tasks import get_task
from lstmlab.training.config import parse_override, resolve_config
from lstmlab.training.runner import default_run_dir, read_run_config, train_run


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train", help="train a sentiment classifier or a POS tagger",
        description="Train a model; results, plots and checkpoints go into a run folder.",
    )
    tasks = parser.add_subparsers(dest="task", metavar="TASK", required=True)
    for task, help_text in (("sentiment", "IMDb (or your own labelled reviews)"),
                            ("pos", "part-of-speech tagging (CoNLL-2000, Brown, your files)")):
        sub = tasks.add_parser(task, help=help_text)
        sub.add_argument("--preset", help="preset name (lab, task1, best, ...) or a TOML file")
        sub.add_argument("--set", dest="overrides", action="append", default=[],
                         metavar="SECTION.KEY=VALUE", help="override one setting (repeatable)")
        sub.add_argument("--out", type=Path,
                         help="run folder (default runs/<task>-<preset>-<time>)")
        sub.add_argument("--resume", type=Path, metavar="RUN_DIR",
                         help="continue an interrupted run from its last.pt")
        sub.add_argument("--data-dir", help="data root (default $LSTMLAB_DATA or ~/.cache/lstmlab)")
        sub.add_argument("--device", help="auto (default), cpu, cuda, cuda:N")
        sub.add_argument("--threads", type=int, help="CPU threads for torch")
        formats = ("'word tag' columns, CoNLL or CoNLL-U" if task == "pos"
                   else "'pos<TAB>text' / 'neg<TAB>text' lines")
        sub.add_argument("--train", dest="train_file", help=f"your own training file ({formats})")
        sub.add_argument("--test", dest="test_file", help="your own test file")
        if task == "pos":
            sub.add_argument("--corpus", choices=("conll2000", "brown"), help="tagged corpus")
            sub.add_argument("--dev", dest="dev_file", help="your own validation file")
        sub.set_defaults(func=run_train)


def shortcut_overrides(args: argparse.Namespace) -> list[str]:
    """Turn the convenience flags into ``--set`` items (they win over the preset)."""
    items = []
    if args.device:
        items.append(f"train.device={args.device}")
    if args.threads is not None:
        items.append(f"train.threads={args.threads}")
    if getattr(args, "corpus", None):
        items.append(f"data.corpus={args.corpus}")
    for name in ("train_file", "dev_file", "test_file"):
        value = getattr(args, name, None)
        if value:
            items.append(f"data.{name}={Path(value).resolve()!s}")
    if args.task == "pos" and args.train_file:
        items.append("data.corpus=files")
    return items


def run_train(args: argparse.Namespace) -> int:
    spec = get_task(args.task)
    overrides = [*args.overrides, *shortcut_overrides(args)]
    if args.resume:
        if args.preset or any(parse_override(o)[0] != "train" for o in overrides):
            raise ConfigError("--resume continues the saved configuration; only train.* "
                              "settings (e.g. train.epochs) may be changed")
        saved = read_run_config(spec, args.resume)
        config = resolve_config(spec.name, spec.data_cls, spec.model_cls, None, overrides,
                                base=saved.to_dict())
        run_dir = args.resume
    else:
        config = resolve_config(spec.name, spec.data_cls, spec.model_cls, args.preset, overrides)
        run_dir = args.out or default_run_dir(spec.name, args.preset)
    train_run(spec, config, run_dir, data_dir=args.data_dir, resume=bool(args.resume))
    return 0

