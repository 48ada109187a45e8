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


def test_empty_and_malformed_inputs(pos_run, sentiment_run):
    from lstmlab.errors import DataError

    tagger = lstmlab.load(pos_run)
    assert tagger.tag("") == [] and tagger.tag("   ") == [] and tagger.tag([]) == []
    tagged = tagger.tag([[], ["The", "cat"]])  # an empty sentence among others
    assert tagged[0] == [] and [w for w, _ in tagged[1]] == ["The", "cat"]
    assert tagged[1] == tagger.tag(["The", "cat"])
    for bad in ([[1, 2]], [["The", ""]], [[" "]]):
        with pytest.raises(DataError, match=r"a sentence is a string|a word is empty"):
            tagger.tag(bad)
    with pytest.raises(ConfigError, match="takes a review"):
        lstmlab.load(sentiment_run).predict([["a", "list"]])


def test_a_huge_seed_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"train\.seed must be between 0 and"):
        lstmlab.train("pos", out=tmp_path / "run", train={"seed": 99999999999999999999999})
    assert not (tmp_path / "run").exists()
