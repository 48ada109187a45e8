"""lstmlab.nn.LSTM computes what torch.nn.LSTM computes: outputs, final states and gradients.

All three implementations are checked over the same grid, torch's class on the CPU as the
reference. ``LSTMLAB_TEST_DEVICE=cuda:0`` (``benchmarks/gpu_check.sh``) runs lstmlab's class
on that device instead, against the same CPU reference.
"""

from __future__ import annotations

import itertools
import os

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence

from lstmlab.nn import LSTM

IMPLEMENTATIONS = ["reference", "fast-python", "fast"]
TOLERANCE = {torch.float64: 1e-10, torch.float32: 1e-5}
INPUT_KINDS = ["batched", "unbatched", "packed_sorted", "packed_unsorted"]
DEVICE = os.environ.get("LSTMLAB_TEST_DEVICE", "cpu")


def make_input(kind: str, seq_len: int, batch: int, size: int, batch_first: bool, dtype):
    """A leaf tensor to differentiate against, and the module input built from it."""
    if kind == "unbatched":
        leaf = torch.randn(seq_len, size, dtype=dtype, requires_grad=True)
        return leaf, leaf
    shape = (batch, seq_len, size) if batch_first else (seq_len, batch, size)
    leaf = torch.randn(shape, dtype=dtype, requires_grad=True)
    if kind == "batched":
        return leaf, leaf
    # Unequal lengths, the longest equal to seq_len; sorted descending or shuffled.
    lengths = torch.randint(1, seq_len + 1, (batch,))
    lengths[0] = seq_len
    if kind == "packed_sorted":
        lengths = lengths.sort(descending=True).values
    else:
        lengths = lengths[torch.randperm(batch)]
    packed = pack_padded_sequence(
        leaf, lengths, batch_first=batch_first, enforce_sorted=kind == "packed_sorted"
    )
    return leaf, packed


def outputs_and_gradients(module, leaf, input, hx):
    """Everything the module computes, plus d(loss)/d(input, h_0, c_0, every parameter).

    The loss weighs each output, h_n and c_n element by a fixed pseudo-random factor so that
    every gradient path is exercised with distinct values.
    """
    output, (h_n, c_n) = module(input, hx)
    output = output.data if isinstance(output, PackedSequence) else output
    results = [output, h_n, c_n]
    generator = torch.Generator().manual_seed(1)
    loss = sum(
        (
            tensor * torch.randn(tensor.shape, generator=generator, dtype=tensor.dtype).to(tensor)
        ).sum()
        for tensor in results
    )
    wrt = [leaf, *(hx or ()), *module.parameters()]
    # retain_graph: a packed input shares its packing graph between the two modules.
    gradients = torch.autograd.grad(loss, wrt, retain_graph=True)
    return [tensor.cpu() for tensor in [*results, *gradients]]


def assert_matches_torch(
    torch_lstm,
    implementation,
    kind,
    batch_first,
    given_state,
    seq_len=5,
    batch=4,
    dtype=torch.float64,
):
    torch_lstm = torch_lstm.to(dtype)
    ours = LSTM.from_torch(torch_lstm)
    ours.implementation = implementation
    leaf, input = make_input(kind, seq_len, batch, torch_lstm.input_size, batch_first, dtype)
    hx = None
    if given_state:
        states = torch_lstm.num_layers * (2 if torch_lstm.bidirectional else 1)
        batch_shape = () if kind == "unbatched" else (batch,)
        h_size = torch_lstm.proj_size or torch_lstm.hidden_size
        h_0 = torch.randn(states, *batch_shape, h_size, dtype=dtype, requires_grad=True)
        c_0 = torch.randn(states, *batch_shape, torch_lstm.hidden_size, dtype=dtype)
        hx = (h_0, c_0.requires_grad_())
    expected = outputs_and_gradients(torch_lstm, leaf, input, hx)
    if DEVICE != "cpu":  # copies on the device, differentiable back to the CPU leaves
        ours, input = ours.to(DEVICE), input.to(DEVICE)
        hx = None if hx is None else tuple(state.to(DEVICE) for state in hx)
    actual = outputs_and_gradients(ours, leaf, input, hx)
    assert len(actual) == len(expected)
    for index, (mine, theirs) in enumerate(zip(actual, expected, strict=True)):
        assert mine.shape == theirs.shape, index
        assert mine.dtype == theirs.dtype
        torch.testing.assert_close(mine, theirs, rtol=0, atol=TOLERANCE[dtype], msg=str(index))


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
@pytest.mark.parametrize("kind", INPUT_KINDS)
@pytest.mark.parametrize(
    ("num_layers", "bidirectional", "batch_first", "proj_size", "bias", "given_state"),
    list(
        itertools.product(
            [1, 2, 3], [False, True], [False, True], [0, 2], [True, False], [False, True]
        )
    ),
)
def test_grid_matches_torch(
    implementation, kind, num_layers, bidirectional, batch_first, proj_size, bias, given_state
):
    torch.manual_seed(num_layers * 100 + proj_size * 10 + bidirectional)
    torch_lstm = nn.LSTM(3, 4, num_layers, bias, batch_first, 0.0, bidirectional, proj_size)
    for dtype in (torch.float64, torch.float32):
        assert_matches_torch(
            torch_lstm, implementation, kind, batch_first, given_state, dtype=dtype
        )


@settings(max_examples=40, deadline=None)
@given(
    implementation=st.sampled_from(IMPLEMENTATIONS),
    kind=st.sampled_from(INPUT_KINDS),
    input_size=st.integers(1, 6),
    hidden_size=st.integers(1, 6),
    proj_fraction=st.floats(0, 1),
    num_layers=st.integers(1, 3),
    bidirectional=st.booleans(),
    batch_first=st.booleans(),
    bias=st.booleans(),
    given_state=st.booleans(),
    seq_len=st.integers(1, 7),
    batch=st.integers(1, 5),
    seed=st.integers(0, 2**16),
)
def test_random_sizes_match_torch(
    implementation,
    kind,
    input_size,
    hidden_size,
    proj_fraction,
    num_layers,
    bidirectional,
    batch_first,
    bias,
    given_state,
    seq_len,
    batch,
    seed,
):
    torch.manual_seed(seed)
    proj_size = int(proj_fraction * (hidden_size - 1))  # 0 <= proj_size < hidden_size
    torch_lstm = nn.LSTM(
        input_size, hidden_size, num_layers, bias, batch_first, 0.0, bidirectional, proj_size
    )
    assert_matches_torch(
        torch_lstm, implementation, kind, batch_first, given_state, seq_len=seq_len, batch=batch
    )


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_long_sequence_float32(implementation):
    """Many steps and wider layers: rounding must not build up beyond float32 tolerance."""
    torch.manual_seed(3)
    torch_lstm = nn.LSTM(16, 24, num_layers=2, bidirectional=True, proj_size=8)
    assert_matches_torch(
        torch_lstm,
        implementation,
        "packed_unsorted",
        False,
        True,
        seq_len=30,
        batch=6,
        dtype=torch.float32,
    )


def test_fast_path_passes_gradcheck():
    """The hand-written backward pass against finite differences, packed and reversed."""
    torch.manual_seed(4)
    lstm = LSTM(2, 3, bidirectional=True, proj_size=2, dtype=torch.float64)
    _, packed = make_input("packed_unsorted", 4, 3, 2, False, torch.float64)
    h_0 = torch.randn(2, 3, 2, dtype=torch.float64, requires_grad=True)
    c_0 = torch.randn(2, 3, 3, dtype=torch.float64, requires_grad=True)
    params = list(lstm.parameters())

    def function(x, h, c, *weights):
        for parameter, weight in zip(params, weights, strict=True):
            parameter.data = weight  # gradcheck perturbs these copies
        data = PackedSequence(x, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices)
        output, (h_n, c_n) = torch.func.functional_call(
            lstm,
            dict(zip([n for n, _ in lstm.named_parameters()], weights, strict=True)),
            (data, (h, c)),
        )
        return output.data, h_n, c_n

    weights = [p.detach().clone().requires_grad_() for p in params]
    assert torch.autograd.gradcheck(
        function, (packed.data.detach().requires_grad_(), h_0, c_0, *weights)
    )
