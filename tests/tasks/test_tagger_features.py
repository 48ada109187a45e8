"""The tagger task's feature columns (``data.feature_columns``): a CoNLL file's other
columns (POS, lemma ...) as inputs beside the words."""

from __future__ import annotations

import json
import random

import pytest

import lstmlab
from lstmlab.data.tagged import read_conll, read_tagged_file
from lstmlab.errors import ConfigError, DataError

WORDS = ["we", "met", "in", "and", "then", "saw", "near", "today"]
# The tag follows the feature alone: every word takes every feature value, so the words
# cannot tell the tag (about half right), the feature column can (all right).
TAG_OF = {"a": "NN", "b": "VB", "c": "JJ"}

TINY = {
    "train.epochs": 6,
    "train.lr": 0.03,
    "train.batch_size": 8,
    "train.threads": 1,
    "model.word_dim": 8,
    "model.hidden_size": 8,
    "model.feature_dim": 4,
    "model.char_encoder": "none",
    "model.casing": False,
    "model.dropout": 0.0,
    "data.scheme": "none",
}


def rows(n: int, seed: int) -> list[list[tuple[str, str, str]]]:
    """Sentences of (word, feature, tag): the tag is the feature's."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        features = rng.choices(sorted(TAG_OF), k=rng.randint(3, 7))
        out.append([(rng.choice(WORDS), f, TAG_OF[f]) for f in features])
    return out


def write(path, sentences, columns=(0, 1, 2)):
    path.write_text(
        "".join(
            "".join(" ".join(t[c] for c in columns) + "\n" for t in s) + "\n" for s in sentences
        )
    )
    return path


@pytest.fixture(scope="module")
def feature_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("features")
    train = write(folder / "train.txt", rows(80, 1))
    test = write(folder / "test.txt", rows(30, 2))
    files = {"data.train_file": str(train), "data.test_file": str(test)}
    with_features = lstmlab.train(
        "tagger", out=folder / "run", **TINY, **files, **{"data.feature_columns": [1]}
    )
    return folder, with_features, files


def test_a_feature_column_that_decides_the_tag_makes_a_tiny_model_near_perfect(
    feature_run, tmp_path
):
    folder, with_features, files = feature_run
    words_only = lstmlab.train("tagger", out=tmp_path / "words", **TINY, **files)
    assert with_features["token_accuracy"] >= 0.97
    assert words_only["token_accuracy"] <= 0.6  # three tags, none told by the word
    # The feature column's own vocabulary, saved with the others.
    values = json.loads((folder / "run" / "feature1.json").read_text())
    assert set(TAG_OF) <= set(values["tokens"])
    # Without the setting, no feature layer: the weights draw as before the setting existed.
    assert not list((tmp_path / "words").glob("feature*.json"))
    model = lstmlab.load(tmp_path / "words").model
    assert len(model.feature_embeddings) == 0
    assert not [name for name in model.state_dict() if "feature" in name]


def test_tag_file_evaluate_file_and_plain_text(feature_run, capsys):
    from lstmlab.cli.main import main

    folder, _, _ = feature_run
    run = str(folder / "run")
    # A file to tag: words and the feature column only (no tags).
    queries = rows(5, 4)
    to_tag = write(folder / "query.txt", queries, columns=(0, 1))
    capsys.readouterr()
    assert main(["tag", run, "--file", str(to_tag), "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["words"] for r in records] == [[w for w, _, _ in s] for s in queries]
    right = sum(
        tag == t
        for r, s in zip(records, queries, strict=True)
        for tag, (_, _, t) in zip(r["tags"], s, strict=True)
    )
    assert right >= 0.9 * sum(map(len, queries))
    tagger = lstmlab.load(run)
    assert [[t for _, t in s] for s in tagger.tag_file(to_tag)] == [r["tags"] for r in records]
    # Plain text lacks the column: one line saying how to tag a file instead.
    assert main(["tag", run, "we met today"]) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "column 1" in error and "--file" in error
    with pytest.raises(DataError, match=r"data\.feature_columns"):
        tagger.tag("we met today")
    assert main(["evaluate", run, "--file", str(folder / "test.txt")]) == 0
    assert "token accuracy" in capsys.readouterr().out


def test_export_refuses_a_run_with_feature_columns(feature_run, tmp_path):
    from lstmlab.export import export_run

    folder, _, _ = feature_run
    with pytest.raises(ConfigError, match="--format safetensors"):
        export_run(folder / "run", tmp_path / "bundle", say=lambda *_: None)
    assert not (tmp_path / "bundle").exists()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"data.feature_columns": [2]}, "the tag column"),  # column -1 of the built-in corpus
        ({"data.feature_columns": [0]}, ">= 1"),
        ({"data.feature_columns": [1, 1]}, "twice"),
        ({"data.feature_columns": [1.5]}, ">= 1"),
        ({"data.feature_columns": [1], "model.feature_dim": 0}, "model.feature_dim"),
    ],
)
def test_bad_feature_settings_are_one_line_config_errors(settings, message, tmp_path):
    with pytest.raises(ConfigError, match=message) as caught:
        lstmlab.train("tagger", out=tmp_path / "run", **{"data.corpus": "conll2000", **settings})
    assert "\n" not in str(caught.value)


def test_file_errors_name_file_and_line(tmp_path):
    short = tmp_path / "short.txt"
    short.write_text("we a NN\nmet VB\n")
    with pytest.raises(DataError, match=r"short.txt:2: expected at least 3 columns"):
        read_conll(short, 2, [1])
    # With the tag column the last, a line's last column is no feature.
    with pytest.raises(DataError, match=r"short.txt:1: feature column 2 is this line's tag"):
        read_conll(short, -1, [2])
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("we NN\n")
    with pytest.raises(DataError, match="reads the columns of a CoNLL file"):
        read_tagged_file(pairs, "two_column", column=-1, feature_columns=[1])


def test_readers_give_each_word_its_feature_values(tmp_path):
    path = write(tmp_path / "f.txt", [[("we", "a", "NN"), ("met", "b", "VB")]])
    (sentence,) = read_conll(path, -1, [1])
    assert sentence.words == ["we", "met"] and sentence.tags == ["NN", "VB"]
    assert sentence.features == [["a"], ["b"]]
    (untagged,) = read_tagged_file(path, column=None, feature_columns=[1])
    assert untagged.tags == [] and untagged.features == [["a"], ["b"]]
    assert read_conll(path, -1)[0].features == []  # not asked: as before
