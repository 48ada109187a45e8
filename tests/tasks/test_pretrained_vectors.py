"""model.pretrained_vectors / model.freeze_embeddings for sentiment and POS runs."""

from __future__ import annotations

import json

import pytest
import torch

import lstmlab
from lstmlab.errors import ConfigError
from lstmlab.export import export_run
from tiny_runs import reviews, tagged_sentences


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("vectors")
    for name, n, seed in (("train.tsv", 60, 1), ("test.tsv", 20, 2)):
        (folder / name).write_text("".join(f"{y}\t{x}\n" for y, x in reviews(n, seed)))
    for name, n, seed in (("train.txt", 30, 1), ("test.txt", 10, 2)):
        (folder / name).write_text(
            "".join("".join(f"{w} {t}\n" for w, t in s) + "\n" for s in tagged_sentences(n, seed))
        )
    # GloVe format (no header), 4 dimensions; "Cat" only in capitals: found lowercased.
    words = {"wonderful": 1.0, "boring": -1.0, "the": 0.5, "Cat": 2.0, "sat": 3.0}
    (folder / "glove.txt").write_text(
        "".join(f"{w} {v} {v} {v} {v}\n" for w, v in words.items()) + "unused 0 0 0 0\n"
    )
    return folder


def sentiment(files, out, **model):
    return lstmlab.train(
        "sentiment",
        out=out,
        train={"epochs": 1, "threads": 1},
        data={"train_file": str(files / "train.tsv"), "test_file": str(files / "test.tsv")},
        model={"embedding_dim": 4, "hidden_size": 4, **model},
    )


def test_sentiment_frozen_vectors(files, tmp_path, capsys):
    sentiment(
        files, tmp_path / "run", pretrained_vectors=str(files / "glove.txt"), freeze_embeddings=True
    )
    assert "pretrained vectors: 3 of " in capsys.readouterr().out
    record = json.loads((tmp_path / "run" / "pretrained_vectors.json").read_text())
    assert record["found"] == 3 and record["dimension"] == 4
    trained = lstmlab.load(tmp_path / "run")
    tokens = trained.vocabs["vocab"]["tokens"]
    weight = trained.model.embedding.weight
    torch.testing.assert_close(weight[tokens.index("wonderful")], torch.full((4,), 1.0))
    torch.testing.assert_close(weight[tokens.index("boring")], torch.full((4,), -1.0))
    export_run(tmp_path / "run", tmp_path / "bundle", "safetensors", say=lambda *_: None)
    card = (tmp_path / "bundle" / "README.md").read_text()
    assert "started from pretrained word vectors" in card and "3 of " in card


def test_sentiment_vectors_train_when_not_frozen(files, tmp_path):
    sentiment(files, tmp_path / "run", pretrained_vectors=str(files / "glove.txt"))
    trained = lstmlab.load(tmp_path / "run")
    row = trained.model.embedding.weight[trained.vocabs["vocab"]["tokens"].index("wonderful")]
    assert not torch.allclose(row, torch.full((4,), 1.0))


def test_pos_vectors_lowercased_vocabulary(files, tmp_path, capsys):
    lstmlab.train(
        "pos",
        out=tmp_path / "pos",
        train={"epochs": 1, "threads": 1},
        data={
            "corpus": "files",
            "train_file": str(files / "train.txt"),
            "test_file": str(files / "test.txt"),
        },
        model={
            "word_dim": 4,
            "hidden_size": 4,
            "char_encoder": "none",
            "pretrained_vectors": str(files / "glove.txt"),
            "freeze_embeddings": True,
        },
    )
    record = json.loads((tmp_path / "pos" / "pretrained_vectors.json").read_text())
    assert record["found"] == 3  # the, cat (from "Cat"), sat
    assert record["found_lowercased"] == 1
    trained = lstmlab.load(tmp_path / "pos")
    row = trained.model.word_embedding.weight[trained.vocabs["vocab"]["tokens"].index("cat")]
    torch.testing.assert_close(row, torch.full((4,), 2.0))


def test_wrong_dimension_is_a_config_error(files, tmp_path):
    with pytest.raises(ConfigError, match=r"4-dimensional vectors but model.embedding_dim is 6"):
        lstmlab.train(
            "sentiment",
            out=tmp_path / "run",
            train={"epochs": 1, "threads": 1},
            data={"train_file": str(files / "train.tsv"), "test_file": str(files / "test.tsv")},
            model={"embedding_dim": 6, "pretrained_vectors": str(files / "glove.txt")},
        )


def test_freezing_needs_vectors(files, tmp_path):
    with pytest.raises(ConfigError, match="freeze_embeddings"):
        sentiment(files, tmp_path / "run", freeze_embeddings=True)


def test_malformed_vectors_from_the_command_line(files, tmp_path):
    import subprocess
    import sys

    bad = tmp_path / "bad.txt"
    bad.write_text("the 1 2 3 4\nfilm 1 2 3\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "lstmlab",
            "train",
            "sentiment",
            "--train",
            str(files / "train.tsv"),
            "--test",
            str(files / "test.tsv"),
            "--out",
            str(tmp_path / "run"),
            "--set",
            "model.embedding_dim=4",
            "--set",
            f"model.pretrained_vectors={bad}",
            "--set",
            "train.epochs=1",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"lstmlab: error: {bad}:2: 3 values where the vectors have 4 ('film 1 2 3')"
    )
