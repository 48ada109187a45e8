"""``python -m lstmlab.runtime BUNDLE [TEXT ...] [--file F] [--json]``: label reviews or tag
sentences with an exported ONNX bundle, without PyTorch. Prints what ``lstmlab predict``
and ``lstmlab tag`` print."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path

from lstmlab.data.textfile import decoded_lines, read_lines, text_batches
from lstmlab.data.tokenize import split_words
from lstmlab.errors import LstmlabError
from lstmlab.runtime.predictor import OnnxBundle, load_bundle
from lstmlab.text import terminal_safe_output


def main(argv: list[str] | None = None) -> int:
    # Texts and tag names reach the output: none may drive the terminal.
    with terminal_safe_output():
        return _main(argv)


def _main(argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lstmlab.runtime",
        description="label reviews (sentiment bundle) or tag sentences (POS bundle) with an "
        "exported ONNX bundle; texts from the arguments, --file or standard input",
    )
    parser.add_argument("bundle", type=Path, metavar="BUNDLE")
    parser.add_argument("texts", nargs="*", metavar="TEXT")
    parser.add_argument("--file", type=Path, help="read one text a line from FILE")
    parser.add_argument("--json", action="store_true", help="print JSON lines")
    parser.add_argument(
        "--tokenized",
        action="store_true",
        help="POS: split on spaces only (else punctuation is split off)",
    )
    args = parser.parse_intermixed_args(argv)  # options may follow the texts, or precede them
    try:
        run(args)
    except LstmlabError as error:
        print(f"lstmlab: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        pass
    return 0


def run(args: argparse.Namespace) -> None:
    bundle = load_bundle(args.bundle)
    lines: Iterable[str]
    if args.texts:
        lines = list(args.texts)
    elif args.file:
        lines = (line for _, line in read_lines(args.file))
    else:
        lines = (line for _, line in decoded_lines(sys.stdin.buffer, "standard input"))
    # A batch at a time: an endless input runs in bounded memory, printing as it goes.
    for texts in text_batches(lines):
        _answer(bundle, texts, args)
        sys.stdout.flush()


def _answer(bundle: OnnxBundle, texts: list[str], args: argparse.Namespace) -> None:
    if bundle.task == "sentiment":
        for result in bundle.predict(texts):
            print(
                json.dumps(result)
                if args.json
                else f"{result['label']}\t{result['probability']:.3f}\t{result['text']}"
            )
        return
    sentences = [text.split() if args.tokenized else split_words(text) for text in texts]
    for pairs in bundle.tag_words(sentences):
        if args.json:
            print(json.dumps({"words": [w for w, _ in pairs], "tags": [t for _, t in pairs]}))
        else:
            print(" ".join(f"{word}/{tag}" for word, tag in pairs))


if __name__ == "__main__":
    raise SystemExit(main())
