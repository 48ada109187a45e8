"""The ``lstmlab`` command: one parser, one sub-command per module.

Each sub-command module exposes ``register(subparsers)`` which adds its parser
and sets ``func`` (called with the parsed arguments, returning an exit code).
Errors meant for users (:class:`lstmlab.errors.LstmlabError`) are printed on one
line and give exit status 2; Ctrl-C gives 130.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from lstmlab import __version__
from lstmlab.errors import LstmlabError

# Sub-command modules, in the order ``lstmlab --help`` lists them.
COMMAND_MODULES = [
    "lstmlab.cli.explain",
    "lstmlab.cli.data",
    "lstmlab.cli.train",
    "lstmlab.cli.evaluate",
    "lstmlab.cli.predict",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lstmlab",
        description="LSTMs made understandable and useful.",
    )
    parser.add_argument("--version", action="version", version=f"lstmlab {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:  # a real import error inside the module
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # argparse gives an optional-then-positional list (``tag RUN --json "text"``) back as
    # leftovers; they belong to the command's TEXT arguments.
    if extra:
        if not hasattr(args, "texts") or any(item.startswith("-") for item in extra):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        args.texts += extra
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        return int(args.func(args) or 0)
    except LstmlabError as error:
        print(f"lstmlab: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("lstmlab: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
