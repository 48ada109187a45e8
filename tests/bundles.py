"""Tiny runs and their exported bundles, shared by the export and runtime tests.

A pytest plugin (``pytest_plugins`` in tests/conftest.py), session-scoped like tiny_runs.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tiny_runs import tagged_sentences


@pytest.fixture(scope="session")
def crf_pos_run(tmp_path_factory) -> Path:
    """A POS run with a CRF head, a char-CNN and the transparent LSTM cell."""
    import lstmlab

    folder = tmp_path_factory.mktemp("crf-pos-run")
    for name, n, seed in (("train.txt", 120, 3), ("test.txt", 30, 4)):
        (folder / name).write_text(
            "".join("".join(f"{w} {t}\n" for w, t in s) + "\n" for s in tagged_sentences(n, seed))
        )
    lstmlab.train(
        "pos",
        out=folder / "pos",
        **{
            "train.epochs": 3,
            "train.lr": 0.02,
            "train.threads": 1,
            "data.corpus": "files",
            "data.train_file": str(folder / "train.txt"),
            "data.test_file": str(folder / "test.txt"),
            "model": {
                "word_dim": 10,
                "hidden_size": 6,
                "char_encoder": "cnn",
                "char_dim": 5,
                "char_hidden": 7,
                "use_crf": True,
                "cell": "lstmlab",
                "num_layers": 2,
            },
        },
    )
    return folder / "pos"


def random_reviews(n: int, seed: int) -> list[str]:
    """Reviews of 1 to 40 words, unknown words and punctuation included."""
    rng = random.Random(seed)
    words = [
        "wonderful",
        "boring",
        "the",
        "film",
        "plot",
        "zyzzyva",
        "!",
        ",",
        "great",
        "awful",
        "acting",
        "qwerty",
        "moving",
        "dull",
    ]
    return [" ".join(rng.choices(words, k=rng.randint(1, 40))) for _ in range(n)]


def random_sentences(n: int, seed: int) -> list[list[str]]:
    """Sentences of 1 to 30 words, unseen and long words (over 24 characters) included."""
    rng = random.Random(seed)
    words = [
        "The",
        "cat",
        "sat",
        "on",
        "a",
        "mat",
        ".",
        "Dog",
        "UNSEEN",
        "1999",
        "x" * 30,
        "liked",
        "under",
        "McBird",
        "house",
    ]
    return [rng.choices(words, k=rng.randint(1, 30)) for _ in range(n)]


@pytest.fixture(scope="session")
def sentiment_bundle(sentiment_run, tmp_path_factory) -> Path:
    from lstmlab.export import export_run

    out = tmp_path_factory.mktemp("bundles") / "sentiment"
    export_run(sentiment_run, out, "onnx", say=lambda *_: None)
    return out


@pytest.fixture(scope="session")
def pos_bundle(pos_run, tmp_path_factory) -> Path:
    from lstmlab.export import export_run

    out = tmp_path_factory.mktemp("bundles") / "pos"
    export_run(pos_run, out, "onnx", say=lambda *_: None)
    return out


@pytest.fixture(scope="session")
def crf_pos_bundle(crf_pos_run, tmp_path_factory) -> Path:
    from lstmlab.export import export_run

    out = tmp_path_factory.mktemp("bundles") / "crf-pos"
    export_run(crf_pos_run, out, "onnx", say=lambda *_: None)
    return out
