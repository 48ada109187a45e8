"""Each task's prediction command with a trained run: ``predict`` (sentiment), ``tag`` (POS),
``generate`` (language model), and any registered task's own."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from lstmlab.data.textfile import decoded_lines, read_lines
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


def read_texts(args: argparse.Namespace, allow_empty: bool = False) -> list[str]:
    """The texts to process: arguments, else --file, else standard input."""
    if args.texts:
        texts = list(args.texts)
    elif args.file:
        # Read as every lstmlab text file: UTF-8 only (a binary file is refused), pipes too.
        texts = [line for _, line in read_lines(args.file)]
    elif not sys.stdin.isatty():
        texts = _stdin_lines()
    elif allow_empty:
        texts = [""]
    else:
        raise DataError("give texts as arguments, with --file FILE, or on standard input")
    if allow_empty:
        return texts or [""]
    texts = [text for text in texts if text.strip()]
    if not texts:
        raise DataError("no text to process (the input is empty)")
    return texts


def _stdin_lines() -> list[str]:
    """Standard input's lines, read as files are (a text stream without bytes as it is)."""
    binary = getattr(sys.stdin, "buffer", None)
    if binary is None:
        return sys.stdin.read().splitlines()
    return [line for _, line in decoded_lines(binary, "standard input")]


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
    spec.run_predict(trained, read_texts(args, allow_empty=spec.empty_text_allowed), args)
    return 0
