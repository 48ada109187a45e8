"""``lstmlab serve``: loopback by default, a warning for other addresses, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from lstmlab.cli.main import main
from lstmlab.cli.serve import is_loopback

pytest.importorskip("uvicorn", reason="the serve extra is not installed: pip install -e '.[serve]'")


@pytest.fixture
def started(monkeypatch):
    """Capture uvicorn.run's arguments instead of serving."""
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append((app, kwargs)))
    return calls


def test_binds_loopback_by_default(capsys, started, sentiment_run, pos_run):
    capsys.readouterr()
    assert main(["serve", str(sentiment_run), str(pos_run)]) == 0
    app, options = started[0]
    assert options["host"] == "127.0.0.1" and options["port"] == 8000
    assert options["use_colors"] is False  # its stderr escapes colour codes
    assert {route.path for route in app.routes} >= {"/", "/api/runs"}
    err = capsys.readouterr().err
    assert "http://127.0.0.1:8000/" in err and "warning" not in err


def test_other_addresses_warn(capsys, started, sentiment_run):
    capsys.readouterr()
    assert main(["serve", str(sentiment_run), "--host", "0.0.0.0", "--port", "8123"]) == 0
    assert started[0][1]["host"] == "0.0.0.0"
    assert "lstmlab: warning: listening on 0.0.0.0" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--port", "0"], "--port must be in 1..65535"),
        (["--threads", "0"], "--threads must be a positive integer"),
    ],
)
def test_bad_options_exit_2(capsys, started, sentiment_run, arguments, message):
    assert main(["serve", str(sentiment_run), *arguments]) == 2
    assert message in capsys.readouterr().err
    assert not started


def test_a_missing_run_is_one_line(capsys, started, tmp_path):
    assert main(["serve", str(tmp_path / "nothing")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lstmlab: error:") and err.count("\n") == 1


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("127.0.0.2", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("example.org", False),
    ],
)
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_the_host_and_data_options_reach_the_app(capsys, started, sentiment_run):
    from fastapi.testclient import TestClient

    arguments = ["--host", "10.1.2.3", "--allow-host", "lab.example", "--allow-data", "."]
    assert main(["serve", str(sentiment_run), *arguments]) == 0
    app = started[0][0]
    client = TestClient(app, base_url="http://lab.example")
    assert client.get("/api/runs").status_code == 200
    assert client.get("/api/runs", headers={"Host": "10.1.2.3:8000"}).status_code == 200
    assert client.get("/api/runs", headers={"Host": "localhost"}).status_code == 421
    roots = app.state.runs[0].units.roots
    assert Path.cwd().resolve() in [root.resolve() for root in roots]
