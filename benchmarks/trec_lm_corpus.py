"""Text for a TREC-domain language model: the Brown corpus plus the TREC *training* questions.

Issue #20's TREC recipe fine-tunes a classifier from a language model (`--preset trec-lm`).
An IMDb LM knows movie-review English; TREC asks general-knowledge questions. This writes a
general-English corpus of 1.2 M tokens for `lstmlab train lm` with `data.corpus=files`:

- ``train.txt``: every Brown sentence but the held-out ones, then the 5,452 TREC training
  questions (without their labels) ``--question-copies`` times, so the LM sees the questions'
  word order (wh-word first, then the head noun) as often as a few epochs of fine-tuning would;
- ``valid.txt``: a seeded 2 % of the Brown sentences.

With ``--no-brown`` the text is the training questions alone, for continuing a language
model trained elsewhere on them (ULMFiT's second stage, ``lstmlab train lm --set
model.init_from=RUN``): ``valid.txt`` is then a seeded ``--valid-fraction`` of the questions and
``train.txt`` the others.

The 500 TREC test questions are never written. One document a line (``data.documents=lines``).

    LSTMLAB_DATA=../shared/data python benchmarks/trec_lm_corpus.py --out runs/trec-lm-text
    lstmlab train lm --preset best --train runs/trec-lm-text/train.txt \\
        --valid runs/trec-lm-text/valid.txt --set data.corpus=files --set data.max_size=30000
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from lstmlab.data.registry import locate
from lstmlab.data.tagged import read_brown
from lstmlab.data.trec import read_trec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for train/valid.txt")
    parser.add_argument("--question-copies", type=int, default=4)
    parser.add_argument("--valid-fraction", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--brown",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="with Brown (validation: Brown); --no-brown: the training questions alone",
    )
    args = parser.parse_args()

    questions = [q.text for q in read_trec(locate("trec"), "train")]
    if args.brown:
        brown = [" ".join(s.words) for s in read_brown(locate("brown", None, "brown"))]
        train, valid = held_out(brown, args.valid_fraction, args.seed)
        train += questions * args.question_copies
    else:
        train, valid = held_out(questions, args.valid_fraction, args.seed)
        train *= args.question_copies

    args.out.mkdir(parents=True, exist_ok=True)
    for name, lines in (("train.txt", train), ("valid.txt", valid)):
        (args.out / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        tokens = sum(len(line.split()) for line in lines)
        print(f"{args.out / name}: {len(lines):,} lines, {tokens:,} tokens")


def held_out(lines: list[str], fraction: float, seed: int) -> tuple[list[str], list[str]]:
    """The lines but a seeded ``fraction`` of them, and that fraction, each in file order."""
    order = list(range(len(lines)))
    random.Random(seed).shuffle(order)
    held = set(order[: max(int(len(lines) * fraction), 1)])
    return [s for i, s in enumerate(lines) if i not in held], [lines[i] for i in sorted(held)]


if __name__ == "__main__":
    main()
