"""Fixtures for the lstmlab.nn tests: skip what torch itself cannot do on this machine."""

from __future__ import annotations

import functools

import pytest
import torch
from torch import nn


@functools.cache
def torch_bf16_autocast_lstm_error() -> str | None:
    """Why torch's own ``nn.LSTM`` cannot run under CPU bf16 autocast here, or None if it can.

    Found by trying it (forward and backward, once per process), never from the CPU's name:
    oneDNN's bf16 LSTM needs instructions that some x86-64 CPUs (AVX2-only ones) lack.
    """
    lstm = nn.LSTM(2, 3, num_layers=2, bidirectional=True)
    x = torch.randn(2, 1, 2, requires_grad=True)
    try:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            output, _ = lstm(x)
        output.float().sum().backward()
    except RuntimeError as error:
        return str(error).splitlines()[0]
    return None


@pytest.fixture
def torch_runs_bf16_autocast_lstm() -> None:
    """Skip the test where ``torch.nn.LSTM`` itself fails under CPU bf16 autocast."""
    error = torch_bf16_autocast_lstm_error()
    if error is not None:
        pytest.skip(f"torch.nn.LSTM itself cannot run under CPU bf16 autocast here: {error}")
