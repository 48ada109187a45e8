"""The JSON API: answers equal the library's, every bad request is one 4xx JSON message."""

from __future__ import annotations

import json

import pytest
import torch

import lstmlab
from lstmlab.inspect import inspector_for
from lstmlab.serve.app import run_names
from lstmlab.serve.requests import MAX_TEXT_CHARS

REVIEW = "the plot was dull and the acting quite"
SENTENCE = "The zebra sat under a house ."


def test_runs_are_listed_by_name_with_their_lstm(client):
    answer = client.get("/api/runs").json()
    assert answer["limits"] == {"max_text_chars": MAX_TEXT_CHARS}
    shapes = [
        {k: run[k] for k in ("name", "task", "panel", "layers", "directions", "hidden_size")}
        for run in answer["runs"]
    ]
    assert shapes == [
        {
            "name": "sentiment",
            "task": "sentiment",
            "panel": "classes",
            "layers": 2,
            "directions": ["fwd", "bwd"],
            "hidden_size": 10,
        },
        {
            "name": "pos",
            "task": "pos",
            "panel": "tags",
            "layers": 1,
            "directions": ["fwd", "bwd"],
            "hidden_size": 8,
        },
        {
            "name": "lm",
            "task": "lm",
            "panel": "next-words",
            "layers": 1,
            "directions": ["fwd"],
            "hidden_size": 12,
        },
    ]
    assert [run["generates"] for run in answer["runs"]] == [False, False, True]


def test_sentiment_prediction_matches_the_library(client, sentiment_run):
    answer = client.post("/api/runs/sentiment/predict", json={"text": REVIEW}).json()
    expected = lstmlab.load(sentiment_run).predict([REVIEW])[0]
    assert answer["label"] == expected["label"] == "neg"
    assert answer["p_pos"] == pytest.approx(expected["p_pos"], abs=1e-5)
    assert answer["tokens"] == REVIEW.split()
    assert len(answer["evidence"]) == len(answer["tokens"])
    # The negative word carries the strongest evidence towards neg.
    strongest = min(range(len(answer["tokens"])), key=lambda t: answer["evidence"][t])
    assert answer["tokens"][strongest] == "dull"


def test_prediction_without_evidence_is_the_same_answer(client):
    full = client.post("/api/runs/sentiment/predict", json={"text": REVIEW}).json()
    quick = client.post("/api/runs/sentiment/predict", json={"text": REVIEW, "evidence": False})
    assert quick.json() == {key: value for key, value in full.items() if key != "evidence"}
    bad = client.post("/api/runs/sentiment/predict", json={"text": REVIEW, "evidence": "maybe"})
    assert bad.status_code == 422 and "evidence" in bad.json()["error"]


def test_pos_prediction_matches_the_library_and_marks_unseen_words(client, pos_run):
    answer = client.post("/api/runs/pos/predict", json={"text": SENTENCE}).json()
    expected = lstmlab.load(pos_run).tag(SENTENCE)
    assert list(zip(answer["tokens"], answer["tags"], strict=True)) == expected
    assert answer["unseen"] == [False, True, False, False, False, False, False]  # zebra
    assert all(0 < p <= 1 for p in answer["probabilities"])


def test_inside_returns_every_gate_of_the_chosen_layer(client, sentiment_run):
    answer = client.post(
        "/api/runs/sentiment/inside", json={"text": REVIEW, "layer": 1, "direction": "bwd"}
    ).json()
    inspector = inspector_for(lstmlab.load(sentiment_run))
    gates = inspector.trace(inspector.encode(REVIEW)).select(1, "bwd")
    assert answer["tokens"] == REVIEW.split() and answer["hidden_size"] == 10
    for name in "ifgoch":
        values = answer["gates"][name]
        assert len(values) == len(answer["tokens"]) and len(values[0]) == 10
        torch.testing.assert_close(torch.tensor(values), getattr(gates, name), rtol=0, atol=1e-4)


def test_language_model_next_words_and_token_probabilities(client):
    answer = client.post("/api/runs/lm/predict", json={"text": "the cat sat on the"}).json()
    assert answer["tokens"] == ["<eos>", "the", "cat", "sat", "on", "the"]
    assert answer["next_words"][0]["word"] == "mat" and answer["next_words"][0]["probability"] > 0.5
    probabilities = [w["probability"] for w in answer["next_words"]]
    assert probabilities == sorted(probabilities, reverse=True) and sum(probabilities) <= 1.0001
    assert answer["token_probabilities"][0] is None
    assert all(p > 0.5 for p in answer["token_probabilities"][2:])  # the pattern, learnt


def test_language_model_generates_and_others_refuse(client):
    body = {"text": "a dog", "tokens": 6, "temperature": 0.5, "seed": 3}
    first = client.post("/api/runs/lm/generate", json=body).json()
    assert first["prompt"] == ["a", "dog"] and len(first["words"]) == 6
    assert first["words"][:3] == ["ran", "in", "the"]
    assert client.post("/api/runs/lm/generate", json=body).json() == first  # same seed
    for bad, message in (({"tokens": 0}, "tokens"), ({"temperature": 0}, "temperature")):
        response = client.post("/api/runs/lm/generate", json={**body, **bad})
        assert response.status_code == 422 and message in response.json()["error"]
    response = client.post("/api/runs/sentiment/generate", json={"text": "a dog"})
    assert response.status_code == 422
    assert response.json()["error"] == (
        "sentiment is a sentiment run: only language models generate text"
    )


def test_unit_search_lists_validation_tokens(client):
    answer = client.get(
        "/api/runs/sentiment/units/4", params={"layer": 0, "direction": "fwd", "gate": "h"}
    ).json()
    assert answer["examples"] == 40 and len(answer["matches"]) == 10
    values = [match["value"] for match in answer["matches"]]
    assert values == sorted(values, reverse=True)
    assert all(isinstance(match["token"], str) for match in answer["matches"])


BAD_REQUESTS = [
    ("empty text", dict(json={"text": "   "}), 422, "text is empty"),
    ("1 MB of text", dict(json={"text": "great " * 170_000}), 413, "larger than"),
    ("text over the limit", dict(json={"text": "a" * (MAX_TEXT_CHARS + 1)}), 413, "the limit"),
    (
        "binary body",
        dict(content=bytes(range(256)) * 4, headers={"Content-Type": "application/json"}),
        400,
        "not UTF-8",
    ),
    (
        "wrong content type",
        dict(content=b'{"text": "good"}', headers={"Content-Type": "text/plain"}),
        415,
        "application/json",
    ),
    ("form data", dict(data={"text": "good"}), 415, "application/json"),
    (
        "not JSON",
        dict(content=b"{text: good", headers={"Content-Type": "application/json"}),
        400,
        "not valid JSON",
    ),
    ("a JSON list", dict(json=["good"]), 400, "JSON object"),
    ("no text field", dict(json={"txt": "good"}), 422, "text"),
    ("text not a string", dict(json={"text": 5}), 422, "text"),
    ("an unknown field", dict(json={"text": "good", "path": "/etc/passwd"}), 422, "path"),
    ("a missing layer", dict(json={"text": "good", "layer": 9}), 422, "layer"),
    ("a bad direction", dict(json={"text": "good", "direction": "up"}), 422, "direction"),
    ("a NUL character", dict(json={"text": "good\x00film"}), 422, "NUL"),
]


@pytest.mark.parametrize(
    ("case", "request_args", "status", "message"),
    BAD_REQUESTS,
    ids=[case[0] for case in BAD_REQUESTS],
)
@pytest.mark.parametrize("endpoint", ["predict", "inside"])
def test_bad_requests_get_one_json_message(client, endpoint, case, request_args, status, message):
    response = client.post(f"/api/runs/sentiment/{endpoint}", **request_args)
    assert response.status_code == status
    answer = response.json()
    assert list(answer) == ["error"]
    assert message in answer["error"] and "\n" not in answer["error"]
    # ... and the server keeps serving.
    assert client.post(f"/api/runs/sentiment/{endpoint}", json={"text": "good"}).status_code == 200


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/api/runs/nope/predict", 404, "no run named 'nope'"),
        ("/api/runs/..%2F..%2Fetc%2Fpasswd/predict", 404, "no "),
        ("/api/nothing", 404, "no such page"),
    ],
)
def test_unknown_runs_and_endpoints(client, path, status, message):
    response = client.post(path, json={"text": "good"})
    assert response.status_code == status
    assert message in response.json()["error"]


@pytest.mark.parametrize(
    "path",
    [
        "/static/../../../../etc/passwd",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "/static/..%2f..%2fapp.py",
        "/static//etc/passwd",
    ],
)
def test_no_request_reaches_a_file_outside_the_assets(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert b"root:" not in response.content and b"import" not in response.content


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"unit": 99}, "units 0..9"),
        ({"unit": 1, "gate": "z"}, "gate must be one of"),
        ({"unit": 1, "layer": 3}, "layer 3"),
        ({"unit": "x"}, "unit"),
    ],
)
def test_unit_search_bad_queries(client, query, message):
    unit = query.pop("unit")
    response = client.get(f"/api/runs/sentiment/units/{unit}", params=query)
    assert response.status_code == 422
    assert message in response.json()["error"]


def test_page_and_assets_are_served_without_a_cdn(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    for asset in ("/static/app.js", "/static/style.css"):
        assert client.get(asset).status_code == 200
    everything = page.text + "".join(
        client.get(f"/static/{name}").text for name in ("app.js", "style.css")
    )
    assert "http://" not in everything and "https://" not in everything


def test_openapi_lists_the_endpoints(client):
    spec = client.get("/openapi.json").json()
    assert {
        "/api/runs",
        "/api/runs/{name}/predict",
        "/api/runs/{name}/inside",
        "/api/runs/{name}/units/{unit}",
    } <= set(spec["paths"])
    body = spec["paths"]["/api/runs/{name}/predict"]["post"]["requestBody"]
    assert "text" in json.dumps(body)


def test_run_names_are_url_safe_and_unique(tmp_path):
    paths = [tmp_path / "a b", tmp_path / "x" / "a b", tmp_path / "ü"]
    assert run_names(paths) == ["a-b", "a-b-2", "run"]
