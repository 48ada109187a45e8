"""The ``lstmlab`` command: one parser, one sub-command per module.

Each sub-command module exposes ``register(subparsers)`` which adds its parser
and sets ``func`` (called with the parsed arguments, returning an exit code).
Errors meant for users (:class:`lstmlab.errors.LstmlabError`) are printed on one
line and give exit status 2; Ctrl-C gives 130. Everything printed passes through
:func:`lstmlab.text.terminal_safe_output` (control characters escaped).
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import signal
import sys
from typing import Any

from lstmlab.data.textfile import os_reason, short_path
from lstmlab.errors import LstmlabError
from lstmlab.progress import set_enabled as set_progress
from lstmlab.tasks.registry import light_task_names, predict_commands
from lstmlab.text import terminal_safe_output
from lstmlab.version import __version__

# Every command: ``name: (module, one-line help)``, in the order ``lstmlab --help`` lists
# them. Only the module of the command given is imported (the others import torch, which
# takes seconds): ``lstmlab --help`` and a mistyped command answer at once. The prediction
# commands (``predict``, ``tag``, ``generate`` ...) come from the task registry.
COMMANDS: dict[str, tuple[str, str]] = {
    "explain": (
        "lstmlab.cli.explain",
        "show an LSTM's gates step by step (the lab's worked example, or a trained run)",
    ),
    "data": ("lstmlab.cli.data", "list or download the data sets"),
    "train": ("lstmlab.cli.train", "train a model ({tasks})"),
    "evaluate": ("lstmlab.cli.evaluate", "evaluate a trained run on test data or a labelled file"),
    "{predict}": ("lstmlab.cli.predict", ""),
    "export": (
        "lstmlab.cli.export",
        "export a trained run as a self-contained bundle (ONNX, model card)",
    ),
    "serve": (
        "lstmlab.cli.serve",
        "a local web page and JSON API to try trained runs and look inside them",
    ),
}


def command_table() -> dict[str, tuple[str, str]]:
    """:data:`COMMANDS` with the prediction commands and task names filled in."""
    table: dict[str, tuple[str, str]] = {}
    for name, (module, help_text) in COMMANDS.items():
        if name == "{predict}":
            for command, (_, predict_help) in predict_commands().items():
                table[command] = (module, predict_help)
        else:
            table[name] = (module, help_text.format(tasks=", ".join(light_task_names())))
    return table


# The modules behind the commands (each exposes ``register(subparsers)``).
COMMAND_MODULES = list(dict.fromkeys(module for module, _ in COMMANDS.values()))


def build_parser(argv: list[str] | None = None, *, full: bool = False) -> argparse.ArgumentParser:
    """The ``lstmlab`` parser: the command named in ``argv`` complete, the others listed
    by name and help only (``full``: every command complete)."""
    parser = argparse.ArgumentParser(
        prog="lstmlab",
        description="LSTMs made understandable and useful.",
    )
    parser.add_argument("--version", action="version", version=f"lstmlab {__version__}")
    add_no_progress(parser, default=False)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    table = command_table()
    chosen = _command_named(sys.argv[1:] if argv is None else argv, table)
    if full:
        modules = list(dict.fromkeys(module for module, _ in table.values()))
    else:
        modules = [table[chosen][0]] if chosen else []
    for module in modules:
        # A command module must import: a missing one is a broken install, not an option.
        importlib.import_module(module).register(subparsers)
    for name, (_, help_text) in table.items():
        if name not in subparsers.choices:  # listed only: its module is not imported
            subparsers.add_parser(name, help=help_text)
    for command in _all_subcommands(parser):
        add_no_progress(command)
    return parser


def add_no_progress(parser: argparse.ArgumentParser, default: Any = argparse.SUPPRESS) -> None:
    """The one ``--no-progress`` switch, accepted before or after any command.

    On a command's parser its default is SUPPRESS: argparse copies a sub-command's values
    over the top-level ones, and a default there would undo ``lstmlab --no-progress CMD``.
    """
    parser.add_argument(
        "--no-progress",
        dest="no_progress",
        action="store_true",
        default=default,
        help="no progress bars or progress lines (also $LSTMLAB_NO_PROGRESS=1)",
    )


def _all_subcommands(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Every command's parser under ``parser``, nested ones too (``train pos``, ``data list``)."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):  # aliases share a parser
                found += [sub, *_all_subcommands(sub)]
    return found


def _command_named(argv: list[str], table: dict[str, tuple[str, str]]) -> str | None:
    """The command ``argv`` names: its first word that is not an option."""
    for item in argv:
        if not item.startswith("-"):
            return item if item in table else None
    return None


NEEDS_TORCH = (
    "this command needs PyTorch, which is not installed here (pip install torch); without "
    "it, the prediction commands and `python -m lstmlab.runtime` work on an exported ONNX bundle"
)


def _torch_missing(error: ImportError) -> bool:
    return error.name == "torch" or (error.name or "").startswith("torch.")


def main(argv: list[str] | None = None) -> int:
    # Texts, tags and paths from outside reach the output: none may drive the terminal.
    with terminal_safe_output():
        return _main(argv)


def _main(argv: list[str] | None) -> int:
    try:
        parser = build_parser(argv)
    except ImportError as error:
        if not _torch_missing(error):
            raise
        print(f"lstmlab: error: {NEEDS_TORCH}", file=sys.stderr)
        return 2
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
    if args.no_progress:
        set_progress(False)
    previous = _handle_sigterm_like_ctrl_c()
    try:
        return int(args.func(args) or 0)
    except LstmlabError as error:
        print(f"lstmlab: error: {error}", file=sys.stderr)
        return 2
    except ImportError as error:
        if not _torch_missing(error):
            raise
        print(f"lstmlab: error: {NEEDS_TORCH}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("lstmlab: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except OSError as error:  # the system refused a read or write no check foresaw
        if _is_stdout_error(error):  # e.g. ``lstmlab predict ... > /dev/full``
            _silence_stdout()
            message = f"cannot write the output: {os_reason(error)}"
        else:
            where = short_path(error.filename) if error.filename else "input/output"
            message = f"{where}: {os_reason(error)}"
        print(f"lstmlab: error: {message}", file=sys.stderr)
        return 2
    except (MemoryError, RuntimeError) as error:
        if not _out_of_memory(error):
            raise
        first_line = (str(error).strip().splitlines() or ["MemoryError"])[0][:200]
        print(
            f"lstmlab: error: out of memory; choose smaller sizes ({first_line})", file=sys.stderr
        )
        return 2
    finally:
        set_progress(True)  # main() may run again in this process (tests, notebooks)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _is_stdout_error(error: OSError) -> bool:
    """Whether ``error`` came from writing standard output (it names no file)."""
    return error.filename is None and error.errno in (errno.ENOSPC, errno.EIO, errno.EDQUOT)


def _silence_stdout() -> None:
    """Point standard output at /dev/null: the interpreter's final flush of what could not
    be written would otherwise print a second error after ours."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.__stdout__.fileno())
    except (OSError, AttributeError, ValueError):
        pass


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
