"""Each task's prediction command with a trained run or bundle (``lstmlab predict``, ``tag``,
``generate`` ...): the task declares it (:class:`~lstmlab.tasks.spec.Command`, options as
data), its predictor prints it (:meth:`~lstmlab.tasks.predictor.Predictor.command_output`)."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from lstmlab.data.textfile import decoded_lines, read_lines, text_batches
from lstmlab.errors import CheckpointError, ConfigError, DataError
from lstmlab.tasks.registry import all_tasks
from lstmlab.tasks.spec import Option


def register(subparsers: argparse._SubParsersAction) -> None:
    with_torch = torch_available()  # without it, an ONNX bundle still works (lstmlab.runtime)
    # One command may serve several tasks (``tag``: POS and any tagger): the run's task
    # decides which task's options and predictor answer.
    by_command: dict[str, list] = {}
    for task in all_tasks():
        if task.command is not None:
            by_command.setdefault(task.command.name, []).append(task)
    for name, tasks in by_command.items():
        command = tasks[0].command
        helps = " / ".join(dict.fromkeys(task.command.help for task in tasks))
        description = helps + (
            "; texts come from the arguments, --file (one a line) or standard input."
            if with_torch
            else " (PyTorch is not installed: an exported ONNX bundle only)"
        )
        parser = subparsers.add_parser(name, help=helps, description=description)
        parser.add_argument("run_dir", type=Path, metavar="RUN_DIR" if with_torch else "BUNDLE")
        parser.add_argument("texts", nargs="*", metavar="TEXT")
        parser.add_argument("--file", type=Path, help="read one text a line from FILE")
        parser.add_argument("--json", action="store_true", help="print JSON lines")
        add_threads(parser, "torch" if with_torch else "ONNX Runtime")
        options = {option.flag: option for task in tasks for option in task.command.options}
        add_options(parser, tuple(options.values()))
        parser.set_defaults(
            func=run_predict if with_torch else _run_without_torch,
            tasks=[task.name for task in tasks],
            command=command.name,
        )


def add_options(parser: argparse.ArgumentParser, options: tuple[Option, ...]) -> None:
    """argparse options for a command's declared :class:`Option` s."""
    for option in options:
        kwargs: dict = {"dest": option.dest, "help": option.help}
        if option.kind == "flag":
            kwargs["action"] = "store_true"
        else:
            kwargs["default"] = option.default
            if option.kind in ("int", "float"):
                kwargs["type"] = int if option.kind == "int" else float
            if option.kind == "choice":
                kwargs["choices"] = option.choices
        parser.add_argument(option.flag, **kwargs)


def add_threads(parser: argparse.ArgumentParser, engine: str = "torch") -> None:
    """The prediction commands' ``--threads N`` (``train --threads`` for training)."""
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        metavar="N",
        help=f"CPU threads for {engine} (default 0: {engine}'s own default, one per CPU core)",
    )


def check_threads(args: argparse.Namespace) -> int:
    """``args.threads``, or ConfigError when out of range (as ``train.threads``)."""
    from lstmlab.training.config import MAX_THREADS

    if not 0 <= args.threads <= MAX_THREADS:
        raise ConfigError(
            f"--threads must be between 0 (the default) and {MAX_THREADS} on this machine, "
            f"got {args.threads}"
        )
    return args.threads


def use_threads(args: argparse.Namespace) -> None:
    """Give torch ``args.threads`` CPU threads (0: leave its default). Called before the
    model is loaded, so loading runs with them too."""
    if check_threads(args):
        import torch

        torch.set_num_threads(args.threads)


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


def _run_without_torch(args: argparse.Namespace) -> int:
    from lstmlab.runtime.manifest import GRAPH_FILES, is_bundle, read_manifest

    if not is_bundle(args.run_dir) or not (args.run_dir / GRAPH_FILES["onnx"]).is_file():
        raise CheckpointError(
            f"PyTorch is not installed, and {args.run_dir} is not an exported ONNX bundle: "
            "install torch (pip install torch) to use a run folder, or export the run with "
            "`lstmlab export RUN --out DIR` where torch is"
        )
    task = read_manifest(args.run_dir)["task"]
    if task not in args.tasks:
        wanted = " or ".join(repr(name) for name in args.tasks)
        raise ConfigError(f"{args.run_dir} is a {task!r} bundle, not a {wanted} one")
    from lstmlab.runtime.__main__ import run
    from lstmlab.tasks import get_task

    check_threads(args)
    args.bundle = args.run_dir
    run(args, get_task(task).command.options)
    return 0


def run_predict(args: argparse.Namespace) -> int:
    from lstmlab.api import load
    from lstmlab.tasks import get_task

    use_threads(args)
    trained = load(args.run_dir)
    spec = get_task(trained.task)
    if trained.task not in args.tasks:
        hint = f"; use `lstmlab {spec.command.name}`" if spec.command else ""
        wanted = " or ".join(repr(name) for name in args.tasks)
        raise ConfigError(
            f"{args.run_dir} is a run of the {trained.task!r} task; `lstmlab {args.command}` "
            f"is for {wanted} runs{hint}"
        )
    command = spec.command
    options = {option.setting: getattr(args, option.dest) for option in command.options}
    if args.file and not args.texts:  # a task may read the file itself (a CoNLL file)
        pieces = trained.file_output(args.file, as_json=args.json, **options)
        if pieces is not None:
            for piece in pieces:
                sys.stdout.write(piece)
            sys.stdout.flush()
            return 0
    # A batch at a time: an endless input runs in bounded memory, printing as it goes.
    for texts in read_text_batches(args, allow_empty=command.empty_text_allowed):
        for piece in trained.command_output(texts, as_json=args.json, **options):
            sys.stdout.write(piece)
            sys.stdout.flush()
    return 0
