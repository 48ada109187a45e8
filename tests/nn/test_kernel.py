"""The compiled recurrence: it builds here, the fast path uses it, and it falls back cleanly.

Equality with torch.nn.LSTM (outputs, states, every gradient) is checked for the compiled
path ("fast") by tests/nn/test_lstm_matches_torch.py, beside "fast-python" and "reference".
"""

from __future__ import annotations

import os
import shutil
import time
import warnings

import pytest
import torch
from torch import nn

from lstmlab.nn import LSTM, compiled, kernel

needs_compiler = pytest.mark.skipif(
    shutil.which("c++") is None, reason="no C++ compiler: the fast path runs in Python"
)


@needs_compiler
def test_the_fast_path_runs_the_compiled_recurrence(monkeypatch):
    assert kernel.recurrence_ops() is not None
    calls = []
    apply = compiled._CompiledLSTMLayer.apply
    monkeypatch.setattr(
        compiled._CompiledLSTMLayer, "apply", lambda *args: calls.append(1) or apply(*args)
    )
    lstm = LSTM(3, 4, num_layers=2, bidirectional=True)
    output, _ = lstm(torch.randn(5, 2, 3))
    output.sum().backward()
    assert len(calls) == 2  # one per layer
    lstm.implementation = "fast-python"
    lstm(torch.randn(5, 2, 3))
    assert len(calls) == 2


@pytest.fixture
def fresh_kernel_state(monkeypatch, tmp_path):
    """Forget this process's load attempt, and build (if at all) into an empty directory."""
    monkeypatch.setattr(kernel, "_tried", False)
    monkeypatch.setattr(kernel, "_ops", None)
    monkeypatch.setenv("TORCH_EXTENSIONS_DIR", str(tmp_path))
    return tmp_path


def test_a_failed_build_warns_once_and_the_fast_path_still_matches_torch(
    fresh_kernel_state, monkeypatch, capsys
):
    broken = fresh_kernel_state / "broken.cpp"
    broken.write_text("#error this source does not compile\n")
    monkeypatch.setattr(kernel, "SOURCE", broken)
    with pytest.warns(RuntimeWarning, match="could not build the compiled LSTM recurrence"):
        assert kernel.recurrence_ops() is None
    assert "compiling the LSTM recurrence" in capsys.readouterr().err
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no second warning, no second build
        assert kernel.recurrence_ops() is None
        torch.manual_seed(0)
        theirs = nn.LSTM(3, 4, bidirectional=True, dtype=torch.float64)
        x = torch.randn(6, 2, 3, dtype=torch.float64)
        torch.testing.assert_close(LSTM.from_torch(theirs)(x)[0], theirs(x)[0])


def test_the_environment_variable_skips_the_build(fresh_kernel_state, monkeypatch):
    monkeypatch.setenv(kernel.DISABLE_VARIABLE, "1")
    assert kernel.recurrence_ops() is None
    assert not any(fresh_kernel_state.iterdir())


def test_the_build_directory_depends_on_the_source(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_EXTENSIONS_DIR", str(tmp_path))
    first = kernel.build_directory()
    other = tmp_path / "other.cpp"
    other.write_text(kernel.SOURCE.read_text() + "\n// changed\n")
    monkeypatch.setattr(kernel, "SOURCE", other)
    assert first.parent == tmp_path
    assert kernel.build_directory() != first


@needs_compiler
@pytest.mark.parametrize("scale", [30.0, 1000.0])
def test_saturated_gates_are_as_accurate_as_torch_in_float32(scale):
    """Pre-activations far outside (-88, 88), where the vectorised exp clamps: float32 outputs
    and input gradients stay as close to the float64 truth as torch.nn.LSTM's float32 ones."""
    torch.manual_seed(5)
    truth = nn.LSTM(3, 8, bidirectional=True, dtype=torch.float64)
    with torch.no_grad():
        for parameter in truth.parameters():
            parameter.mul_(scale)
    x = torch.randn(9, 4, 3, dtype=torch.float64, requires_grad=True)
    expected = truth(x)[0]
    (expected_grad,) = torch.autograd.grad(expected.sum(), x)

    def errors(module: nn.Module) -> tuple[float, float]:
        x32 = x.detach().float().requires_grad_()
        output = module(x32)[0]
        (grad,) = torch.autograd.grad(output.sum(), x32)
        assert torch.isfinite(output).all() and torch.isfinite(grad).all()
        grad_error = (grad.double() - expected_grad).abs() / (expected_grad.abs() + 1)
        return (output.double() - expected).abs().max().item(), grad_error.max().item()

    ours = errors(LSTM.from_torch(truth).float())
    theirs = errors(truth.float())  # after ours: .float() converts truth in place
    assert ours[0] <= 2 * theirs[0] + 1e-6
    assert ours[1] <= 2 * theirs[1] + 1e-6


@needs_compiler
def test_two_threads_give_the_same_result_as_one():
    """The gate loop splits large steps across threads; the result must not change."""
    torch.manual_seed(6)
    lstm = LSTM(16, 512, bidirectional=True)
    x = torch.randn(3, 64, 16)
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = lstm(x)[0]
        torch.set_num_threads(2)
        two = lstm(x)[0]
    finally:
        torch.set_num_threads(threads)
    torch.testing.assert_close(one, two, rtol=0, atol=1e-6)


def test_a_lock_left_by_an_interrupted_build_is_removed(tmp_path):
    lock = tmp_path / "lock"
    lock.touch()
    kernel._remove_stale_lock(tmp_path)
    assert lock.exists()  # a build may be running
    old = time.time() - 3600
    os.utime(lock, (old, old))
    kernel._remove_stale_lock(tmp_path)
    assert not lock.exists()
