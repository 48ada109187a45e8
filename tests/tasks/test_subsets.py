"""Quick seeded subsets (data.max_train, max_valid, max_test) for every task."""

import pytest

import lstmlab
from tiny_runs import reviews, tagged_sentences


def write_tagged(path, sentences):
    path.write_text("".join("".join(f"{w} {t}\n" for w, t in s) + "\n" for s in sentences))
    return path


@pytest.mark.parametrize("task", ["pos", "tagger"])
def test_tagging_subsets(tmp_path, capsys, task):
    train = write_tagged(tmp_path / "train.txt", tagged_sentences(60, 1))
    test = write_tagged(tmp_path / "test.txt", tagged_sentences(30, 2))
    settings = {
        "data.train_file": str(train),
        "data.test_file": str(test),
        "data.max_train": 12,
        "data.max_valid": 3,
        "data.max_test": 7,
        "train.epochs": 1,
        "train.threads": 1,
        "model.hidden_size": 8,
        "model.char_encoder": "none",
    }
    if task == "pos":
        settings["data.corpus"] = "files"
    first = lstmlab.train(task, out=tmp_path / "a", **settings)
    assert "data: train sentences 12, validation 3, test 7," in capsys.readouterr().out
    again = lstmlab.train(task, out=tmp_path / "b", **settings)
    assert first.history[0]["val_loss"] == again.history[0]["val_loss"]  # the same subset


def test_sentiment_subsets(tmp_path, capsys):
    for name, n, seed in (("train.tsv", 100, 1), ("test.tsv", 40, 2)):
        (tmp_path / name).write_text("".join(f"{y}\t{x}\n" for y, x in reviews(n, seed)))
    lstmlab.train(
        "sentiment",
        out=tmp_path / "run",
        **{
            "data.train_file": str(tmp_path / "train.tsv"),
            "data.test_file": str(tmp_path / "test.tsv"),
            "data.max_train": 20,
            "data.max_valid": 4,
            "data.max_test": 9,
            "train.epochs": 1,
            "train.threads": 1,
            "model.hidden_size": 8,
            "model.embedding_dim": 8,
        },
    )
    assert "data: train 20, validation 4, test 9," in capsys.readouterr().out


def test_test_tags_a_run_never_saw_are_scored_as_errors_not_refused(tmp_path, capsys):
    train = write_tagged(tmp_path / "train.txt", tagged_sentences(40, 3))
    test = write_tagged(
        tmp_path / "test.txt", [[("Hi", "UH"), (".", ".")], *tagged_sentences(5, 4)]
    )
    settings = {
        "data.train_file": str(train),
        "data.test_file": str(test),
        "train.epochs": 1,
        "train.threads": 1,
        "model.hidden_size": 8,
        "model.char_encoder": "none",
    }
    for name, extra in (("full", {}), ("subset", {"data.max_train": 30})):
        result = lstmlab.train("tagger", out=tmp_path / name, **settings, **extra)
        out = capsys.readouterr().out
        assert "test 6," in out  # no sentence left out
        assert "tags never seen in training (scored as errors) UH (1 token)" in out
        assert result["unseen_tag_tokens"] == 1 and result["unseen_tag_sentences"] == 1
