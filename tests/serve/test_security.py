"""The server reads no file a run names outside what it was started with, answers only its
own Host names, sends its security headers, and turns every hostile body into a 4xx JSON
answer without a traceback."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
import torch

import lstmlab
from lstmlab.errors import LstmlabError
from lstmlab.serve import load_app
from lstmlab.serve.guard import HostPolicy, SafeJSONResponse

SECRET = "root:*:20228:0:99999:7:::SECRET-CANARY"


def point_data_at(run: Path, target: Path, out: Path) -> Path:
    """A copy of ``run`` whose config (config.json and checkpoints) reads ``target``."""
    copy = out / run.name
    shutil.copytree(run, copy)

    def retarget(config: dict) -> None:
        for key in config["data"]:
            if key.endswith("_file"):
                config["data"][key] = str(target)

    saved = json.loads((copy / "config.json").read_text())
    retarget(saved)
    (copy / "config.json").write_text(json.dumps(saved))
    for name in ("best.pt", "last.pt"):
        if (copy / name).is_file():
            record = torch.load(copy / name, weights_only=True)
            retarget(record["config"])
            torch.save(record, copy / name)
    return copy


@pytest.fixture
def secret(tmp_path) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "shadow").write_text(f"{SECRET}\n" * 30)
    return folder / "shadow"


def client_for(runs, **options):
    from fastapi.testclient import TestClient

    return TestClient(load_app(runs, **options), base_url="http://127.0.0.1")


@pytest.mark.parametrize("run", ["sentiment_run", "lm_run"])
def test_the_unit_search_reads_no_file_a_run_names_outside(request, run, secret, tmp_path, capsys):
    copy = point_data_at(request.getfixturevalue(run), secret, tmp_path / "runs")
    client = client_for([copy], data_dir=str(tmp_path / "data"))
    name = client.get("/api/runs").json()["runs"][0]["name"]
    response = client.get(f"/api/runs/{name}/units/0")
    assert response.status_code == 503
    assert "--allow-data" in response.json()["error"] and SECRET not in response.text
    log = capsys.readouterr().err
    assert str(secret) in log and "--allow-data" in log and SECRET not in log
    # Allowed, the file is read; its text reaches the log, never the client.
    client = client_for([copy], data_dir=str(tmp_path / "data"), allow_data=[secret.parent])
    response = client.get(f"/api/runs/{name}/units/0")
    assert SECRET not in response.text
    assert response.status_code == 200 or "server's log" in response.json()["error"]


def test_loading_a_run_reads_only_its_folder(sentiment_run, secret, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(sentiment_run, copy)
    (copy / "best.pt").rename(tmp_path / "best.pt")
    (copy / "best.pt").symlink_to(tmp_path / "best.pt")  # a checkpoint outside, by a link
    with pytest.raises(LstmlabError, match="outside") as caught:
        lstmlab.load(copy)
    assert len(str(caught.value).splitlines()) == 1


def test_security_headers_on_every_answer(client):
    for path in ("/", "/static/app.js", "/api/runs", "/openapi.json", "/nothing"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
    error = client.post("/api/runs/sentiment/predict", content=b"{", headers=JSON)
    assert error.status_code == 400 and error.headers["x-frame-options"] == "DENY"


JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("127.0.0.1:8000", 200),
        ("localhost:8000", 200),
        ("LOCALHOST.", 200),
        ("[::1]:8000", 200),
        ("127.0.0.2", 200),
        ("evil.example:8000", 421),
        ("127.0.0.1.evil.example", 421),
        ("localhost.evil.example", 421),
    ],
)
def test_a_loopback_server_answers_only_its_own_names(client, host, status):
    response = client.get("/api/runs", headers={"Host": host})
    assert response.status_code == status
    if status == 421:
        assert "--allow-host" in response.json()["error"]


def test_host_policies():
    everywhere = HostPolicy("0.0.0.0")
    assert everywhere.allows("192.168.1.7:8000") and everywhere.allows("[fe80::1]")
    assert not everywhere.allows("evil.example")
    named = HostPolicy("10.0.0.5", ["lab.example"])
    assert named.allows("10.0.0.5:80") and named.allows("lab.example")
    assert not named.allows("10.0.0.6") and not named.allows("localhost")
    assert HostPolicy("127.0.0.1", ["*"]).allows("anything.example")
    assert HostPolicy("127.0.0.1").allows(None)  # no Host header: not a browser


def asgi_post(app, path: str, chunks: list[bytes], disconnect: bool) -> list[dict]:
    """The app's answer to a POST whose body comes in ``chunks`` (then, maybe, a
    disconnect); it raises if the app does (what a server would log as a traceback)."""
    messages = [{"type": "http.request", "body": chunk, "more_body": True} for chunk in chunks] + [
        {"type": "http.disconnect"} if disconnect else {"type": "http.request", "body": b""}
    ]
    sent: list[dict] = []

    async def receive() -> dict:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(app(scope, receive, send))
    return sent


def test_a_client_that_leaves_mid_body_raises_nothing(app, capsys):
    sent = asgi_post(app, "/api/runs/sentiment/predict", [b'{"text": "goo'], disconnect=True)
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] in ([400], [])
    assert "Traceback" not in capsys.readouterr().err


HOSTILE_BODIES = [
    (b"[" * 30_000 + b"]" * 30_000, 400, "nested too deeply"),
    (b'{"text": ' + b"[" * 5000 + b"]" * 5000 + b"}", 400, "nested too deeply"),
    (b'{"text": "a", "evidence": ' + b"1" * 5000 + b"}", 400, "number too long"),
    (b'{"text": "\\ud800 good"}', 422, "lone surrogate"),
    (b'{"text": "good", "evidence": NaN}', 422, "evidence"),
    (b'{"text": 1e999}', 422, "text"),
]


@pytest.mark.parametrize(("body", "status", "message"), HOSTILE_BODIES)
def test_hostile_bodies_get_a_json_answer(client, body, status, message):
    response = client.post("/api/runs/sentiment/predict", content=body, headers=JSON)
    assert response.status_code == status
    assert message in response.json()["error"]


@pytest.mark.parametrize("temperature", [1e-300, 5e-324, 1e-30])
def test_a_tiny_temperature_samples_the_likeliest_words(client, temperature):
    body = {"text": "the cat", "tokens": 5, "temperature": temperature, "seed": 1}
    greedy = client.post("/api/runs/lm/generate", json={**body, "temperature": 1e-6}).json()
    response = client.post("/api/runs/lm/generate", json=body)
    assert response.status_code == 200 and response.json()["words"] == greedy["words"]


def test_answers_that_json_cannot_hold_still_encode(app, client, monkeypatch, capsys):
    inspector = next(run for run in app.state.runs if run.name == "sentiment").inspector
    monkeypatch.setattr(
        inspector, "predict", lambda text, evidence: {"token": "\ud800", "p": float("nan")}
    )
    response = client.post("/api/runs/sentiment/predict", json={"text": "good"})
    assert response.status_code == 200 and response.json() == {"token": "\ud800", "p": None}
    monkeypatch.setattr(inspector, "predict", lambda text, evidence: 1 / 0)
    response = client.post("/api/runs/sentiment/predict", json={"text": "good"})
    assert response.status_code == 500
    assert response.json() == {"error": "internal error: ZeroDivisionError"}
    log = capsys.readouterr().err
    assert "internal error: ZeroDivisionError" in log and "Traceback" not in log


def test_safe_json_escapes_everything_it_cannot_hold():
    body = SafeJSONResponse({"w": "\ud800\x1b", "x": [float("inf")], "y": 1.5}).body
    assert json.loads(body) == {"w": "\ud800\x1b", "x": [None], "y": 1.5}
    assert body.isascii()
