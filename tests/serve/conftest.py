"""The app over the two tiny runs: in-process (TestClient) and on a real loopback port."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest

pytest.importorskip("fastapi", reason="the serve extra is not installed: pip install -e '.[serve]'")


@pytest.fixture(scope="session")
def app(sentiment_run, pos_run, lm_run):
    from lstmlab.serve import load_app

    # The tiny runs were trained on files beside their folders: the unit search may read them.
    runs = [sentiment_run, pos_run, lm_run]
    return load_app(runs, allow_data=[run.parent for run in runs])


@pytest.fixture(scope="session")
def client(app):
    from fastapi.testclient import TestClient

    return TestClient(app, base_url="http://127.0.0.1")  # a Host the server answers


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serving(app) -> Iterator[str]:
    """``app`` served by uvicorn on a free 127.0.0.1 port in a thread; yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def serve_app():
    """:func:`serving` for test modules (a conftest is not importable by name across folders)."""
    return serving


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """The two tiny runs' app on a real loopback port; yields its base URL."""
    with serving(app) as url:
        yield url
