"""``python -m lstmlab.runtime BUNDLE [TEXT ...] [--file F] [--json] [task options]``: use an
exported ONNX bundle without PyTorch. Prints what the task's prediction command (``lstmlab
predict``, ``lstmlab tag`` ...) prints."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

from lstmlab.data.textfile import decoded_lines, read_lines, text_batches
from lstmlab.errors import LstmlabError
from lstmlab.text import terminal_safe_output


def build_parser(options: tuple = ()) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lstmlab.runtime",
        description="run an exported ONNX bundle (label reviews, tag sentences ...) without "
        "PyTorch; texts from the arguments, --file or standard input",
    )
    parser.add_argument("bundle", type=Path, metavar="BUNDLE")
    parser.add_argument("texts", nargs="*", metavar="TEXT")
    parser.add_argument("--file", type=Path, help="read one text a line from FILE")
    parser.add_argument("--json", action="store_true", help="print JSON lines")
    for option in options:
        if option.kind == "flag":
            parser.add_argument(
                option.flag, dest=option.dest, action="store_true", help=option.help
            )
        else:
            kind = {"int": int, "float": float}.get(option.kind, str)
            parser.add_argument(
                option.flag, dest=option.dest, type=kind, default=option.default, help=option.help
            )
    return parser


def main(argv: list[str] | None = None) -> int:
    # Texts and tag names reach the output: none may drive the terminal.
    with terminal_safe_output():
        return _main(argv)


def _main(argv: list[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        first, _ = build_parser().parse_known_args(argv)
        command = _command(first.bundle)
        options = command.options if command else ()
        # Options may follow the texts, or precede them.
        args = build_parser(options).parse_intermixed_args(argv)
        run(args, options)
    except LstmlabError as error:
        print(f"lstmlab: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        pass
    return 0


def _command(bundle: Path):
    """The bundle's task's prediction command (for its options), or None."""
    from lstmlab.runtime.manifest import read_manifest
    from lstmlab.tasks import get_task

    return get_task(read_manifest(bundle)["task"]).command


def run(args: argparse.Namespace, options: tuple = ()) -> None:
    from lstmlab.runtime.predictor import load_bundle

    bundle = load_bundle(args.bundle, getattr(args, "threads", 0))
    lines: Iterable[str]
    if args.texts:
        lines = list(args.texts)
    elif args.file:
        lines = (line for _, line in read_lines(args.file))
    else:
        lines = (line for _, line in decoded_lines(sys.stdin.buffer, "standard input"))
    settings = {option.setting: getattr(args, option.dest, option.default) for option in options}
    # A batch at a time: an endless input runs in bounded memory, printing as it goes.
    for texts in text_batches(lines):
        for piece in bundle.command_output(texts, as_json=args.json, **settings):
            sys.stdout.write(piece)
        sys.stdout.flush()


if __name__ == "__main__":
    raise SystemExit(main())
