"""``lstmlab train sentiment``, ``predict`` and ``evaluate`` end to end on tiny review files."""

import io
import json

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
