"""Shared test fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch


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
