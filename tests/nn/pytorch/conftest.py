"""Fixtures for the PyTorch-derived tests (see pytorch_harness.py)."""

from __future__ import annotations

import pytest
from pytorch_harness import IMPLEMENTATIONS


@pytest.fixture(params=IMPLEMENTATIONS)
def implementation(request: pytest.FixtureRequest) -> str:
    """The class under test: torch's own (the control) or lstmlab's on one implementation."""
    return request.param
