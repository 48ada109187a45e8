"""Each task's prediction command with a trained run: ``predict`` (sentiment), ``tag`` (POS),
``generate`` (language model), and any registered task's own."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lstmlab.api import load
from lstmlab.data.textfile import decoded_lines, read_lines
from lstmlab.errors import ConfigError, DataError
from lstmlab.tasks import all_tasks, get_task


def register(subparsers: argparse._SubParsersAction) -> None:
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


def run_predict(args: argparse.Namespace) -> int:
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
