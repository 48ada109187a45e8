"""The ``lstmlab`` command: one parser, one sub-command per module.

Each sub-command module exposes ``register(subparsers)`` which adds its parser
and sets ``func`` (called with the parsed arguments, returning an exit code).
Errors meant for users (:class:`lstmlab.errors.LstmlabError`) are printed on one
line and give exit status 2; Ctrl-C gives 130. Everything printed passes through
:func:`lstmlab.text.terminal_safe_output` (control characters escaped).
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
from typing import Any

from lstmlab import __version__
from lstmlab.errors import LstmlabError
from lstmlab.text import terminal_safe_output

# Sub-command modules, in the order ``lstmlab --help`` lists them.
COMMAND_MODULES = [
    "lstmlab.cli.explain",
    "lstmlab.cli.data",
    "lstmlab.cli.train",
    "lstmlab.cli.evaluate",
    "lstmlab.cli.predict",
    "lstmlab.cli.export",
    "lstmlab.cli.serve",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lstmlab",
        description="LSTMs made understandable and useful.",
    )
    parser.add_argument("--version", action="version", version=f"lstmlab {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        # Every command module must import: a missing one is a broken install, not an option.
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Texts, tags and paths from outside reach the output: none may drive the terminal.
    with terminal_safe_output():
        return _main(argv)


def _main(argv: list[str] | None) -> int:
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
    previous = _handle_sigterm_like_ctrl_c()
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
    except (MemoryError, RuntimeError) as error:
        if not _out_of_memory(error):
            raise
        first_line = (str(error).strip().splitlines() or ["MemoryError"])[0][:200]
        print(
            f"lstmlab: error: out of memory; choose smaller sizes ({first_line})", file=sys.stderr
        )
        return 2
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _handle_sigterm_like_ctrl_c() -> Any:
    """SIGTERM (``kill``, schedulers) raises KeyboardInterrupt, as Ctrl-C does; training
    turns it into a clean stop that saves last.pt. Returns the previous handler."""

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread
        return None


def _out_of_memory(error: BaseException) -> bool:
    """Whether ``error`` is an allocation failure (a size too large for this machine)."""
    text = str(error)
    return (
        isinstance(error, MemoryError)
        or "can't allocate memory" in text
        or ("out of memory" in text.lower())
    )


if __name__ == "__main__":
    raise SystemExit(main())
