"""Tiny corpora the command-line tests train on (a few seconds each)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

NOUNS = ["cat", "dog", "mat", "man", "bird", "house"]
VERBS = ["sat", "saw", "ate", "liked"]


def tagged_sentences(n: int, seed: int) -> list[list[tuple[str, str]]]:
    """Sentences like 'The cat sat on a mat .' with Penn Treebank tags."""
    rng = random.Random(seed)
    sentences = []
    for _ in range(n):
        words = [
            rng.choice(["The", "A"]),
            rng.choice(NOUNS),
            rng.choice(VERBS),
            rng.choice(["on", "under"]),
            rng.choice(["the", "a"]),
            rng.choice(NOUNS),
            ".",
        ]
        sentences.append(list(zip(words, ["DT", "NN", "VBD", "IN", "DT", "NN", "."], strict=True)))
    return sentences


def write_two_column(path: Path, sentences: list[list[tuple[str, str]]]) -> Path:
    path.write_text("".join("".join(f"{w} {t}\n" for w, t in s) + "\n" for s in sentences))
    return path


@pytest.fixture(scope="session")
def pos_files(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("pos")
    return (
        write_two_column(folder / "train.txt", tagged_sentences(160, 1)),
        write_two_column(folder / "test.txt", tagged_sentences(40, 2)),
    )


GOOD = ["wonderful", "moving", "funny", "brilliant", "great"]
BAD = ["boring", "awful", "dull", "terrible", "bad"]
FILLER = ["the", "film", "was", "really", "and", "plot", "acting", "quite"]


def reviews(n: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        label = rng.choice(["pos", "neg"])
        words = rng.choices(FILLER, k=rng.randint(3, 12))
        words.insert(rng.randrange(len(words) + 1), rng.choice(GOOD if label == "pos" else BAD))
        rows.append((label, " ".join(words)))
    return rows


@pytest.fixture(scope="session")
def review_files(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("reviews")
    paths = []
    for name, n, seed in (("train.tsv", 300, 1), ("test.tsv", 60, 2)):
        path = folder / name
        path.write_text("".join(f"{label}\t{text}\n" for label, text in reviews(n, seed)))
        paths.append(path)
    return paths[0], paths[1]
