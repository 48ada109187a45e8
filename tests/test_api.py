"""The notebook API: train, load, tag/predict."""

import pytest

import lstmlab
from lstmlab.errors import ConfigError


def test_train_load_and_tag(tmp_path):
    train = tmp_path / "train.txt"
    sentences = "The DT\ncat NN\nsat VBD\n. .\n\n" * 30 + "A DT\ndog NN\nran VBD\n. .\n\n" * 30
    train.write_text(sentences)
    metrics = lstmlab.train(
        "pos",
        out=tmp_path / "run",
        **{
            "data.corpus": "files",
            "data.train_file": str(train),
            "data.test_file": str(train),
            "train.epochs": 3,
            "train.lr": 0.02,
            "model.hidden_size": 16,
            "model.char_hidden": 8,
        },
    )
    assert metrics["tokens"] == 240
    tagger = lstmlab.load(tmp_path / "run")
    assert tagger.tag("The dog sat .") == [("The", "DT"), ("dog", "NN"), ("sat", "VBD"), (".", ".")]
    with pytest.raises(ConfigError, match="this is a pos model"):
        tagger.predict("good")
