"""An exported backward sentiment run (``data.reverse``): the bundle reads reviews right to
left as the run does, and predicts the same probabilities as PyTorch."""

from __future__ import annotations

import json

import numpy as np
import pytest

import lstmlab
from bundles import random_reviews
from lstmlab.export import export_run
from lstmlab.runtime import load_bundle


@pytest.fixture(scope="module")
def backward_bundle(backward_sentiment_run, tmp_path_factory):
    out = tmp_path_factory.mktemp("bundles") / "backward-sentiment"
    export_run(backward_sentiment_run, out, "onnx", say=lambda *_: None)
    return out


@pytest.mark.parametrize("batch", [1, 9])
def test_a_backward_bundle_equals_pytorch(backward_sentiment_run, backward_bundle, batch):
    texts = random_reviews(batch, seed=batch + 40)  # 1 to 40 words: most cut to 8
    trained = lstmlab.load(backward_sentiment_run)
    bundle = load_bundle(backward_bundle)
    assert bundle.codec.reverse is True  # read from the bundle's [data] settings
    expected, got = trained.predict(texts), bundle.predict(texts)
    assert [g["label"] for g in got] == [e["label"] for e in expected]
    np.testing.assert_allclose(
        [g["p_pos"] for g in got], [e["p_pos"] for e in expected], atol=1e-5, rtol=0
    )


def test_the_bundle_says_it_reads_right_to_left(backward_bundle) -> None:
    manifest = json.loads((backward_bundle / "bundle.json").read_text())
    assert manifest["preprocess"]["reverse"] is True
    assert manifest["check"]["max_abs_diff"] < 1e-5
    card = (backward_bundle / "README.md").read_text()
    assert "every review is read right to left" in card
    assert "reverse = true" in card


@pytest.fixture(scope="module")
def backward_classify_run(tmp_path_factory):
    """A classify run reading each text's kept tokens (head+tail 8) right to left."""
    from tiny_runs import reviews

    folder = tmp_path_factory.mktemp("backward-classify-run")
    (folder / "train.tsv").write_text("".join(f"{y}\t{x}\n" for y, x in reviews(200, 7)))
    lstmlab.train(
        "classify",
        out=folder / "run",
        **{
            "train.epochs": 2,
            "train.lr": 0.01,
            "train.threads": 1,
            "data.train_file": str(folder / "train.tsv"),
            "data.max_len": 8,
            "data.truncate": "head+tail",
            "data.reverse": True,
            "model.embedding_dim": 8,
            "model.hidden_size": 6,
            "model.bidirectional": False,
            "model.dropout": 0.0,
            "model.embedding_dropout": 0.0,
        },
    )
    return folder / "run"


def test_a_backward_classify_bundle_equals_pytorch(backward_classify_run, tmp_path) -> None:
    export_run(backward_classify_run, tmp_path / "bundle", "onnx", say=lambda *_: None)
    bundle = load_bundle(tmp_path / "bundle")
    assert bundle.codec.reverse is True
    trained = lstmlab.load(backward_classify_run)
    texts = random_reviews(9, seed=47)
    for text in texts:  # head+tail 8, then right to left
        words = trained.codec.tokenize(text)
        kept = words[:4] + words[-4:] if len(words) > 8 else words
        assert trained.codec.encode(text).tokens == kept[::-1]
    expected, got = trained.predict(texts), bundle.predict(texts)
    assert [g["label"] for g in got] == [e["label"] for e in expected]
    for g, e in zip(got, expected, strict=True):
        assert list(g["probabilities"].values()) == pytest.approx(
            list(e["probabilities"].values()), abs=1e-5
        )
