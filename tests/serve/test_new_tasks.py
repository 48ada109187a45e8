"""The page's API for the classify task (n classes) and the tagger (spans)."""

from __future__ import annotations

import pytest

import lstmlab

pytest.importorskip("fastapi", reason="the serve extra is not installed")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from lstmlab.serve import load_app

    folder = tmp_path_factory.mktemp("new-tasks")
    words = {"a": "soup", "b": "goal", "c": "chip"}
    rows = [(f"we saw the {words[k]} today", k) for k in "abc" for _ in range(30)]
    tiny = {"train.epochs": 10, "train.lr": 0.03, "train.threads": 1}
    lstmlab.train(
        "classify",
        out=folder / "classify",
        train=rows,
        **{**tiny, "model.embedding_dim": 8, "model.hidden_size": 8, "model.pooling": "max"},
    )
    sentences = [(["we", "met", "Ada", "in", "Gent"], ["O", "O", "B-PER", "O", "B-LOC"])] * 24
    lstmlab.train(
        "tagger",
        out=folder / "tagger",
        train=sentences,
        **{**tiny, "model.hidden_size": 8, "model.char_encoder": "none", "model.use_crf": True},
    )
    return load_app([folder / "classify", folder / "tagger"], allow_data=[folder])


@pytest.fixture(scope="module")
def client(app):
    from fastapi.testclient import TestClient

    return TestClient(app, base_url="http://127.0.0.1")


@pytest.fixture(scope="module")
def server(app, serve_app):
    """The app of these runs on a loopback port, as the conftest's live server."""
    with serve_app(app) as url:
        yield url


def test_n_class_probabilities(client):
    runs = {run["name"]: run for run in client.get("/api/runs").json()["runs"]}
    assert runs["classify"]["panel"] == "classes" and runs["tagger"]["panel"] == "tags"
    answer = client.post(
        "/api/runs/classify/predict", json={"text": "we saw the goal today"}
    ).json()
    assert set(answer["probabilities"]) == {"a", "b", "c"}
    assert sum(answer["probabilities"].values()) == pytest.approx(1.0, abs=1e-6)
    assert answer["label"] == "b"


def test_tagger_answers_carry_spans(client):
    answer = client.post("/api/runs/tagger/predict", json={"text": "we met Ada in Gent"}).json()
    assert answer["tags"] == ["O", "O", "B-PER", "O", "B-LOC"]
    assert [(s["type"], s["text"], s["start"], s["end"]) for s in answer["spans"]] == [
        ("PER", "Ada", 2, 3),
        ("LOC", "Gent", 4, 5),
    ]
