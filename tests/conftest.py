"""Shared test fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def real_data_root() -> Path:
    """The real data root from ``$LSTMLAB_DATA``; tests using it skip when it is not set."""
    env = os.environ.get("LSTMLAB_DATA")
    if not env or not Path(env).is_dir():
        pytest.skip("LSTMLAB_DATA is not set to a folder with the real data sets")
    return Path(env)
