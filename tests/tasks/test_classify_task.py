"""The classify task: any labels, multi-label, files in every format, data in memory."""

from __future__ import annotations

import csv
import json
import random

import pytest

import lstmlab
from lstmlab.errors import DataError

KEYWORDS = {
    "sport": ["goal", "match", "coach", "league"],
    "food": ["soup", "bread", "cheese", "spicy"],
    "tech": ["laptop", "server", "code", "chip"],
}
FILLER = ["the", "a", "was", "really", "and", "today", "we", "saw", "new", "it", "very"]

# Tiny and fast: a few seconds of training on one thread.
TINY = {
    "train.epochs": 10,
    "train.lr": 0.02,
    "train.batch_size": 16,
    "train.threads": 1,
    "model.embedding_dim": 16,
    "model.hidden_size": 16,
    "model.dropout": 0.0,
    "model.embedding_dropout": 0.0,
    "model.pooling": "max",
}


def texts(n: int, seed: int, multi: bool = False) -> list[tuple[str, list[str] | str]]:
    """Filler words around one keyword of each label the text has."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        labels = (
            [k for k in KEYWORDS if rng.random() < 0.4] if multi else [rng.choice(list(KEYWORDS))]
        )
        words = rng.choices(FILLER, k=rng.randint(3, 8))
        for label in labels:
            words.insert(rng.randrange(len(words) + 1), rng.choice(KEYWORDS[label]))
        rows.append((" ".join(words), labels if multi else labels[0]))
    return rows


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["id", "text", "label"])
        writer.writerows((i, text, label) for i, (text, label) in enumerate(rows))
    return path


def test_three_classes_from_a_csv_reach_near_perfect_accuracy(tmp_path):
    train = write_csv(tmp_path / "train.csv", texts(240, 1))
    test = write_csv(tmp_path / "test.csv", texts(60, 2))
    result = lstmlab.train(
        "classify",
        out=tmp_path / "run",
        **{**TINY, "data.train_file": str(train), "data.test_file": str(test)},
    )
    assert result["test_accuracy"] >= 0.95 and result["test_macro_f1"] >= 0.95
    assert result["labels"] == ["food", "sport", "tech"]
    assert len(result["confusion"]) == 3 and (tmp_path / "run" / "confusion.png").is_file()
    model = lstmlab.load(tmp_path / "run")
    answer = model.predict("we ate spicy soup today")
    assert answer["label"] == "food" and set(answer["probabilities"]) == set(KEYWORDS)
    assert sum(answer["probabilities"].values()) == pytest.approx(1.0)


def test_multi_label_with_sigmoids_and_a_threshold(tmp_path):
    train = tmp_path / "train.jsonl"
    train.write_text(
        "".join(json.dumps({"text": t, "label": y}) + "\n" for t, y in texts(300, 3, multi=True))
    )
    test = tmp_path / "test.jsonl"
    test.write_text(
        "".join(json.dumps({"text": t, "label": y}) + "\n" for t, y in texts(60, 4, multi=True))
    )
    result = lstmlab.train(
        "classify",
        out=tmp_path / "run",
        **{
            **TINY,
            "train.epochs": 14,
            "data.train_file": str(train),
            "data.test_file": str(test),
            "data.multi_label": True,
            "train.select": "val_micro_f1",
        },
    )
    assert result["test_micro_f1"] >= 0.95 and result["test_subset_accuracy"] >= 0.85
    answer = lstmlab.load(tmp_path / "run").predict("the coach ate bread")
    assert answer["labels"] == ["food", "sport"]


def test_in_memory_data_equals_the_same_data_in_a_file(tmp_path):
    rows, held_out = texts(120, 5), texts(30, 6)
    settings = {**TINY, "train.epochs": 3}
    from_memory = lstmlab.train(
        "classify", out=tmp_path / "memory", train=rows, test=held_out, **settings
    )
    train = write_csv(tmp_path / "train.csv", rows)
    test = write_csv(tmp_path / "test.csv", held_out)
    from_files = lstmlab.train(
        "classify",
        out=tmp_path / "files",
        **settings,
        **{"data.train_file": str(train), "data.test_file": str(test)},
    )
    assert from_memory["test_accuracy"] == from_files["test_accuracy"]
    assert from_memory["test_loss"] == pytest.approx(from_files["test_loss"], rel=1e-6)
    assert from_memory.history == [
        {**record, "seconds": record["seconds"]} for record in from_memory.history
    ]


def test_a_test_label_never_seen_in_training_names_file_line_and_label(tmp_path):
    train = write_csv(tmp_path / "train.csv", texts(40, 7))
    test = tmp_path / "test.tsv"
    test.write_text("text\tlabel\nfine\tsport\nodd\tweather\n")
    with pytest.raises(DataError, match=r"test\.tsv:3: label 'weather' was never seen in training"):
        lstmlab.train(
            "classify",
            out=tmp_path / "run",
            **TINY,
            **{"data.train_file": str(train), "data.test_file": str(test)},
        )


def test_quick_subsets_are_seeded(tmp_path, capsys):
    train = write_csv(tmp_path / "train.csv", texts(200, 8))
    settings = {
        **TINY,
        "train.epochs": 1,
        "data.train_file": str(train),
        "data.max_train": 30,
        "data.max_valid": 5,
    }
    first = lstmlab.train("classify", out=tmp_path / "a", **settings)
    assert "data: train 30, validation 5, test 0," in capsys.readouterr().out
    again = lstmlab.train("classify", out=tmp_path / "b", **settings)
    assert first.history[0]["val_loss"] == again.history[0]["val_loss"]


def test_export_and_runtime_equal_pytorch(tmp_path):
    from lstmlab.export import export_run
    from lstmlab.runtime import load_bundle

    how = {**TINY, "train.epochs": 2, "data.multi_label": True}
    rows = texts(80, 9, multi=True)
    lstmlab.train("classify", out=tmp_path / "run", train=rows, **how)
    export_run(tmp_path / "run", tmp_path / "bundle", say=lambda *_: None)
    queries = [text for text, _ in texts(40, 10, multi=True)]
    expected = lstmlab.load(tmp_path / "run").predict(queries)
    got = load_bundle(tmp_path / "bundle").predict(queries)
    assert [g["labels"] for g in got] == [e["labels"] for e in expected]
    for g, e in zip(got, expected, strict=True):
        assert g["probabilities"] == pytest.approx(e["probabilities"], abs=1e-5)
    card = (tmp_path / "bundle" / "README.md").read_text()
    assert "Multi-label" in card and "{" not in card.split("## Limits")[-1].split("##")[0]


def test_an_ensemble_of_runs_averages_their_probabilities(tmp_path, capsys):
    from lstmlab.cli.main import main

    train = write_csv(tmp_path / "train.csv", texts(120, 1))
    test = write_csv(tmp_path / "test.csv", texts(40, 2))
    data = {"data.train_file": str(train), "data.test_file": str(test)}
    runs = [tmp_path / "a", tmp_path / "b"]
    for run, seed in zip(runs, (0, 1), strict=True):
        settings = {**TINY, "train.epochs": 2, "train.seed": seed, "model.hidden_size": 8 + seed}
        lstmlab.train("classify", out=run, **settings, **data)
    rows = list(csv.DictReader(test.open(encoding="utf-8")))
    models = [lstmlab.load(run) for run in runs]
    answers = [[model.predict(r["text"])["probabilities"] for r in rows] for model in models]
    hits = 0
    for first, second, row in zip(*answers, rows, strict=True):
        mean = {label: (first[label] + second[label]) / 2 for label in first}
        hits += max(mean, key=mean.get) == row["label"]
    capsys.readouterr()  # the trainings' lines
    assert main(["evaluate", *map(str, runs), "--file", str(test), "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["accuracy"] == pytest.approx(hits / len(rows))
    assert "macro_f1" in metrics and metrics["examples"] == len(rows)
