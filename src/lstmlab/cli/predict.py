"""``lstmlab predict`` (sentiment) and ``lstmlab tag`` (POS) with a trained run."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lstmlab.data.textfile import decoded_lines, read_lines
from lstmlab.errors import DataError
from lstmlab.tasks import get_task
from lstmlab.training.runner import load_trained


def register(subparsers: argparse._SubParsersAction) -> None:
    for command, task, help_text in (
        ("predict", "sentiment", "label reviews with a trained sentiment run"),
        ("tag", "pos", "tag sentences with a trained POS run"),
    ):
        parser = subparsers.add_parser(command, help=help_text, description=help_text + (
            "; texts come from the arguments, --file (one a line) or standard input."))
        parser.add_argument("run_dir", type=Path, metavar="RUN_DIR")
        parser.add_argument("texts", nargs="*", metavar="TEXT")
        parser.add_argument("--file", type=Path, help="read one text a line from FILE")
        parser.add_argument("--json", action="store_true", help="print JSON lines")
        if task == "pos":
            parser.add_argument("--tokenized", action="store_true",
                                help="split on spaces only (else punctuation is split off)")
        parser.set_defaults(func=run_predict, task=task)


def read_texts(args: argparse.Namespace) -> list[str]:
    """The texts to process: arguments, else --file, else standard input."""
    if args.texts:
        texts = list(args.texts)
    elif args.file:
        # Read as every lstmlab text file: UTF-8 only (a binary file is refused), pipes too.
        texts = [line for _, line in read_lines(args.file)]
    elif not sys.stdin.isatty():
        texts = _stdin_lines()
    else:
        raise DataError("give texts as arguments, with --file FILE, or on standard input")
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
    config, model, state = load_trained(spec, args.run_dir)
    texts = read_texts(args)
    if args.task == "sentiment":
        from lstmlab.tasks.sentiment import predict_texts

        for result in predict_texts(model, config, state, texts):
            if args.json:
                print(json.dumps(result))
            else:
                print(f"{result['label']}\t{result['probability']:.3f}\t{result['text']}")
    else:
        from lstmlab.tasks.pos import split_words, tag_sentences

        sentences = [text.split() if args.tokenized else split_words(text) for text in texts]
        for pairs in tag_sentences(model, config, state, sentences):
            if args.json:
                print(json.dumps({"words": [w for w, _ in pairs], "tags": [t for _, t in pairs]}))
            else:
                print(" ".join(f"{word}/{tag}" for word, tag in pairs))
    return 0
