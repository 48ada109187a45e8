"""Tiny trained runs for the inspection, explain and serve tests (a few seconds each).

A pytest plugin (``pytest_plugins`` in tests/conftest.py): the fixtures are session-scoped,
so every test directory shares the same two runs.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

GOOD = ["wonderful", "moving", "funny", "brilliant", "great"]
BAD = ["boring", "awful", "dull", "terrible", "bad"]
FILLER = ["the", "film", "was", "really", "and", "plot", "acting", "quite", "story", "cast"]
NOUNS = ["cat", "dog", "mat", "man", "bird", "house"]
VERBS = ["sat", "saw", "ate", "liked"]


def reviews(n: int, seed: int) -> list[tuple[str, str]]:
    """``(label, text)``: filler words around one word that decides the label."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        label = rng.choice(["pos", "neg"])
        words = rng.choices(FILLER, k=rng.randint(4, 12))
        words.insert(rng.randrange(len(words) + 1), rng.choice(GOOD if label == "pos" else BAD))
        rows.append((label, " ".join(words)))
    return rows


def tagged_sentences(n: int, seed: int) -> list[list[tuple[str, str]]]:
    """Sentences like 'The cat sat on a mat .' with Penn Treebank tags."""
    rng = random.Random(seed)
    tags = ["DT", "NN", "VBD", "IN", "DT", "NN", "."]
    return [
        list(
            zip(
                [
                    rng.choice(["The", "A"]),
                    rng.choice(NOUNS),
                    rng.choice(VERBS),
                    rng.choice(["on", "under"]),
                    rng.choice(["the", "a"]),
                    rng.choice(NOUNS),
                    ".",
                ],
                tags,
                strict=True,
            )
        )
        for _ in range(n)
    ]


@pytest.fixture(scope="session")
def sentiment_run(tmp_path_factory) -> Path:
    """A 2-layer BiLSTM sentiment run that has learnt which word decides the label."""
    import lstmlab

    folder = tmp_path_factory.mktemp("sentiment-run")
    for name, n, seed in (("train.tsv", 400, 1), ("test.tsv", 80, 2)):
        (folder / name).write_text("".join(f"{y}\t{x}\n" for y, x in reviews(n, seed)))
    lstmlab.train(
        "sentiment",
        out=folder / "sentiment",
        **{
            "train.epochs": 12,
            "train.lr": 0.01,
            "train.threads": 1,
            "data.train_file": str(folder / "train.tsv"),
            "data.test_file": str(folder / "test.tsv"),
            "model.embedding_dim": 12,
            "model.hidden_size": 10,
            "model.num_layers": 2,
            "model.dropout": 0.0,
            "model.embedding_dropout": 0.0,
        },
    )
    return folder / "sentiment"


@pytest.fixture(scope="session")
def pos_run(tmp_path_factory) -> Path:
    """A POS run (char-LSTM, casing, softmax head) on tiny tagged files."""
    import lstmlab

    folder = tmp_path_factory.mktemp("pos-run")
    for name, n, seed in (("train.txt", 160, 1), ("test.txt", 40, 2)):
        (folder / name).write_text(
            "".join("".join(f"{w} {t}\n" for w, t in s) + "\n" for s in tagged_sentences(n, seed))
        )
    lstmlab.train(
        "pos",
        out=folder / "pos",
        **{
            "train.epochs": 8,
            "train.lr": 0.02,
            "train.threads": 1,
            "data.corpus": "files",
            "data.train_file": str(folder / "train.txt"),
            "data.test_file": str(folder / "test.txt"),
            "model.word_dim": 12,
            "model.hidden_size": 8,
            "model.char_encoder": "lstm",
            "model.char_dim": 6,
            "model.char_hidden": 6,
            "model.dropout": 0.0,
        },
    )
    return folder / "pos"


LM_PATTERN = "the cat sat on the mat . a dog ran in the park ."


@pytest.fixture(scope="session")
def lm_run(tmp_path_factory) -> Path:
    """A word language model that has learnt a repeating pattern."""
    import lstmlab

    folder = tmp_path_factory.mktemp("lm-run")
    (folder / "train.txt").write_text((LM_PATTERN + "\n") * 120)
    (folder / "valid.txt").write_text((LM_PATTERN + "\n") * 10)
    lstmlab.train(
        "lm",
        out=folder / "lm",
        **{
            "data.corpus": "files",
            "data.train_file": str(folder / "train.txt"),
            "data.valid_file": str(folder / "valid.txt"),
            "data.bptt": 12,
            "model.embedding_dim": 16,
            "model.hidden_size": 12,
            "model.dropout": 0.0,
            "train.epochs": 4,
            "train.batch_size": 8,
            "train.lr": 0.01,
            "train.threads": 1,
        },
    )
    return folder / "lm"


@pytest.fixture(scope="session")
def backward_sentiment_run(tmp_path_factory) -> Path:
    """A one-direction sentiment run that reads each review's kept tokens (head+tail 8)
    right to left (``data.reverse``), a little trained (not saturated)."""
    import lstmlab

    folder = tmp_path_factory.mktemp("backward-sentiment-run")
    for name, n, seed in (("train.tsv", 200, 5), ("test.tsv", 40, 6)):
        (folder / name).write_text("".join(f"{y}\t{x}\n" for y, x in reviews(n, seed)))
    lstmlab.train(
        "sentiment",
        out=folder / "sentiment",
        **{
            "train.epochs": 2,
            "train.lr": 0.01,
            "train.threads": 1,
            "data.train_file": str(folder / "train.tsv"),
            "data.test_file": str(folder / "test.tsv"),
            "data.max_len": 8,
            "data.truncate": "head+tail",
            "data.reverse": True,
            "model.embedding_dim": 8,
            "model.hidden_size": 6,
            "model.num_layers": 1,
            "model.bidirectional": False,
            "model.dropout": 0.0,
            "model.embedding_dropout": 0.0,
        },
    )
    return folder / "sentiment"
