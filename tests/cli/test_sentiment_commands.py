"""``lstmlab train sentiment``, ``predict`` and ``evaluate`` end to end on tiny review files."""

import io
import json
import math

import pytest

from lstmlab.cli.main import main


@pytest.fixture(scope="module")
def sentiment_run(review_files, tmp_path_factory):
    train, test = review_files
    run_dir = tmp_path_factory.mktemp("runs") / "sentiment"
    code = main(
        [
            "train",
            "sentiment",
            "--train",
            str(train),
            "--test",
            str(test),
            "--out",
            str(run_dir),
            "--set",
            "train.epochs=6",
            "--set",
            "train.lr=0.01",
            "--set",
            "model.hidden_size=16",
            "--set",
            "model.embedding_dim=16",
            "--set",
            "model.pooling=max",
            "--set",
            "train.batch_size=32",
        ]
    )
    assert code == 0
    return run_dir


def test_run_folder(sentiment_run):
    for name in (
        "config.json",
        "vocab.json",
        "best.pt",
        "metrics.jsonl",
        "test_metrics.json",
        "loss.png",
        "accuracy.png",
        "confusion.png",
    ):
        assert (sentiment_run / name).is_file(), name
    metrics = json.loads((sentiment_run / "test_metrics.json").read_text())
    assert sum(map(sum, metrics["confusion"])) == 60
    assert metrics["test_accuracy"] > 0.8  # one sentiment word decides each toy review


def test_predict_arguments_json_and_stdin(sentiment_run, capsys, monkeypatch):
    assert (
        main(
            ["predict", str(sentiment_run), "the film was wonderful", "the plot was awful and dull"]
        )
        == 0
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split("\t")[0] for line in lines] == ["pos", "neg"]
    assert all(0.5 <= float(line.split("\t")[1]) <= 1.0 for line in lines)

    assert main(["predict", str(sentiment_run), "--json", "a brilliant film"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["label"] == "pos" and record["p_pos"] == pytest.approx(record["probability"])

    monkeypatch.setattr("sys.stdin", io.StringIO("really boring\n\nquite funny\n"))
    assert main(["predict", str(sentiment_run)]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 2


def test_predict_a_long_file_batch_by_batch(sentiment_run, tmp_path, capsys):
    from lstmlab.data.textfile import TEXT_BATCH

    texts = [("a wonderful film", "pos"), ("boring and dull", "neg")] * (TEXT_BATCH + 7)
    path = tmp_path / "texts.txt"
    path.write_text("".join(f"{text}\n\n" for text, _ in texts))  # blank lines skipped
    assert main(["predict", str(sentiment_run), "--file", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[2] for line in lines] == [text for text, _ in texts]
    assert [line.split("\t")[0] for line in lines] == [label for _, label in texts]


def test_evaluate_on_a_file(sentiment_run, review_files, capsys):
    assert main(["evaluate", str(sentiment_run), "--file", str(review_files[1]), "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["examples"] == 60 and set(metrics["per_class"]) == {"neg", "pos"}
    saved = json.loads((sentiment_run / "test_metrics.json").read_text())
    assert metrics["accuracy"] == pytest.approx(saved["test_accuracy"])


def test_malformed_review_file(sentiment_run, tmp_path, capsys):
    bad = tmp_path / "bad.tsv"
    bad.write_text("pos\tgood\nmaybe\tso-so\n")
    assert main(["evaluate", str(sentiment_run), "--file", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.tsv:2" in err and len(err.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def second_sentiment_run(review_files, tmp_path_factory):
    """Another tiny run on the same files: other seed, sizes and pooling."""
    train, test = review_files
    run_dir = tmp_path_factory.mktemp("runs") / "sentiment-2"
    settings = ["train.epochs=3", "train.lr=0.01", "train.seed=7", "model.hidden_size=8"]
    settings += ["model.embedding_dim=12", "model.pooling=mean", "train.batch_size=32"]
    args = ["train", "sentiment", "--train", str(train), "--test", str(test)]
    args += ["--out", str(run_dir)] + [item for s in settings for item in ("--set", s)]
    assert main(args) == 0
    return run_dir


def _p_pos(run, texts, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(t + "\n" for t in texts)))
    assert main(["predict", str(run), "--json"]) == 0
    return [json.loads(line)["p_pos"] for line in capsys.readouterr().out.splitlines()]


def test_evaluate_an_ensemble_averages_the_runs_probabilities(
    sentiment_run, second_sentiment_run, review_files, capsys, monkeypatch
):
    test = review_files[1]
    rows = [line.split("\t", 1) for line in test.read_text().splitlines()]
    texts, labels = [text for _, text in rows], [label for label, _ in rows]
    first = _p_pos(sentiment_run, texts, capsys, monkeypatch)
    second = _p_pos(second_sentiment_run, texts, capsys, monkeypatch)
    mean = [(a + b) / 2 for a, b in zip(first, second, strict=True)]
    p_true = [p if label == "pos" else 1 - p for p, label in zip(mean, labels, strict=True)]
    expected = sum(p > 0.5 for p in p_true) / len(labels)

    runs = [str(sentiment_run), str(second_sentiment_run)]
    assert main(["evaluate", *runs, "--file", str(test), "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["examples"] == len(labels) and metrics["runs"] == runs
    assert metrics["accuracy"] == pytest.approx(expected)
    loss = -sum(math.log(p) for p in p_true) / len(p_true)
    assert metrics["loss"] == pytest.approx(loss, rel=1e-5)
    assert sum(map(sum, metrics["confusion"])) == len(labels)

    assert main(["evaluate", *runs, "--file", str(test)]) == 0
    assert "sentiment ensemble" in capsys.readouterr().out


def test_an_ensemble_needs_one_task(sentiment_run, pos_run, review_files, capsys):
    args = ["evaluate", str(sentiment_run), str(pos_run), "--file", str(review_files[1])]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "an ensemble needs runs of one task" in err
