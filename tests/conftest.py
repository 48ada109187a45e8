"""Shared test fixtures."""

from __future__ import annotations

import io
import os
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

# Tiny trained runs shared by the inspect, explain and serve tests (tests/tiny_runs.py),
# and their exported bundles (tests/bundles.py).
pytest_plugins = ("tiny_runs", "bundles")


@pytest.fixture(scope="session")
def real_data_root() -> Path:
    """The real data root from ``$LSTMLAB_DATA``; tests using it skip when it is not set."""
    env = os.environ.get("LSTMLAB_DATA")
    if not env or not Path(env).is_dir():
        pytest.skip("LSTMLAB_DATA is not set to a folder with the real data sets")
    return Path(env)


@pytest.fixture(autouse=True, scope="session")
def one_thread() -> Iterator[None]:
    """Tests use tiny tensors: one thread avoids thread-pool overhead, and on a shared
    2-core machine threads that spin-wait for a busy core made runs many times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def no_flush_denormal_leak() -> Iterator[None]:
    """Training turns on flush-to-zero for denormals, a process-wide CPU setting; switch it
    off after each test so later tests (hypothesis checks subnormals) see the default."""
    yield
    torch.set_flush_denormal(False)


def write_imdb_archive(path: Path, reviews, extra: dict[str, bytes] | None = None) -> Path:
    """A ``.tar.gz`` laid out as ``aclImdb_v1.tar.gz`` (plus ``extra`` members, name → bytes).

    ``reviews``: (folder, class, id, rating, text) tuples, e.g. ("train", "unsup", 5, 0, "Hmm.").
    """
    members = {f"aclImdb/{f}/{c}/{i}_{r}.txt": t.encode() for f, c, i, r, t in reviews}
    members["aclImdb/README"] = b"readme"
    members.update(extra or {})
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def make_imdb_archive():
    """``make(path, reviews, extra=None)`` writes a small IMDb archive."""
    return write_imdb_archive
