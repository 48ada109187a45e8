"""Each task's prediction command with a trained run: ``predict`` (sentiment), ``tag`` (POS),
``generate`` (language model), and any registered task's own."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from lstmlab.data.textfile import decoded_lines, read_lines, text_batches
from lstmlab.errors import CheckpointError, ConfigError, DataError
from lstmlab.tasks.registry import predict_commands


def register(subparsers: argparse._SubParsersAction) -> None:
    if not torch_available():  # an ONNX bundle still works, through lstmlab.runtime
        _register_without_torch(subparsers)
        return
    from lstmlab.tasks import all_tasks

    for task in all_tasks():
        if not task.predict_command:
            continue
        parser = subparsers.add_parser(
            task.predict_command,
            help=task.predict_help,
            description=task.predict_help
            + ("; texts come from the arguments, --file (one a line) or standard input."),
        )
        parser.add_argument("run_dir", type=Path, metavar="RUN_DIR")
        parser.add_argument("texts", nargs="*", metavar="TEXT")
        parser.add_argument("--file", type=Path, help="read one text a line from FILE")
        parser.add_argument("--json", action="store_true", help="print JSON lines")
        task.add_predict_arguments(parser)
        parser.set_defaults(func=run_predict, task=task.name)


def read_text_batches(args: argparse.Namespace, allow_empty: bool = False) -> Iterator[list[str]]:
    """The texts to process, a batch at a time: arguments, else --file, else standard input.

    ``allow_empty``: blank texts are kept, and no input at all is one empty text.
    """
    lines: Iterable[str]
    if args.texts:
        lines = list(args.texts)
    elif args.file:
        # Read as every lstmlab text file: UTF-8 only (a binary file is refused), pipes too.
        lines = (line for _, line in read_lines(args.file))
    elif not sys.stdin.isatty():
        lines = _stdin_lines()
    elif allow_empty:
        lines = [""]
    else:
        raise DataError("give texts as arguments, with --file FILE, or on standard input")
    return text_batches(lines, keep_blank=allow_empty)


def _stdin_lines() -> Iterator[str]:
    """Standard input's lines, read as files are (a text stream without bytes as it is)."""
    binary = getattr(sys.stdin, "buffer", None)
    if binary is None:
        yield from sys.stdin.read().splitlines()
        return
    for _, line in decoded_lines(binary, "standard input"):
        yield line


def torch_available() -> bool:
    """Whether PyTorch can be imported here (a bundle-only install has no torch)."""
    try:
        return importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):
        return False


def _register_without_torch(subparsers: argparse._SubParsersAction) -> None:
    """The prediction commands as ``python -m lstmlab.runtime`` runs them: ONNX bundles only."""
    for command, (task, help_text) in predict_commands().items():
        parser = subparsers.add_parser(
            command,
            help=help_text,
            description=help_text + " (PyTorch is not installed: an exported ONNX bundle only)",
        )
        parser.add_argument("run_dir", type=Path, metavar="BUNDLE")
        parser.add_argument("texts", nargs="*", metavar="TEXT")
        parser.add_argument("--file", type=Path, help="read one text a line from FILE")
        parser.add_argument("--json", action="store_true", help="print JSON lines")
        parser.add_argument(
            "--tokenized", action="store_true", help="split on spaces only (tagging)"
        )
        parser.set_defaults(func=_run_without_torch, task=task, command=command)


def _run_without_torch(args: argparse.Namespace) -> int:
    from lstmlab.runtime.manifest import GRAPH_FILES, is_bundle, read_manifest

    if not is_bundle(args.run_dir) or not (args.run_dir / GRAPH_FILES["onnx"]).is_file():
        raise CheckpointError(
            f"PyTorch is not installed, and {args.run_dir} is not an exported ONNX bundle: "
            "install torch (pip install torch) to use a run folder, or export the run with "
            "`lstmlab export RUN --out DIR` where torch is"
        )
    task = read_manifest(args.run_dir)["task"]
    if task != args.task:
        raise ConfigError(f"{args.run_dir} is a {task!r} bundle, not a {args.task!r} one")
    from lstmlab.runtime.__main__ import run

    args.bundle = args.run_dir
    run(args)
    return 0


def run_predict(args: argparse.Namespace) -> int:
    from lstmlab.api import load
    from lstmlab.tasks import get_task

    spec = get_task(args.task)
    trained = load(args.run_dir)
    if trained.task != spec.name:
        other = get_task(trained.task)
        hint = f"; use `lstmlab {other.predict_command}`" if other.predict_command else ""
        raise ConfigError(
            f"{args.run_dir} is a run of the {trained.task!r} task, not {spec.name!r}{hint}"
        )
    # A batch at a time: an endless input runs in bounded memory, printing as it goes.
    for texts in read_text_batches(args, allow_empty=spec.empty_text_allowed):
        spec.run_predict(trained, texts, args)
        sys.stdout.flush()
    return 0
