"""lstmlab.nn.LSTM has torch.nn.LSTM's constructor, parameters, errors and conversions."""

from __future__ import annotations

import inspect
import warnings

import pytest
import torch
from torch import nn

from lstmlab.nn import LSTM

CONFIGS = [
    {},
    {"num_layers": 3, "bidirectional": True},
    {"num_layers": 2, "proj_size": 2, "bias": False, "batch_first": True, "dropout": 0.25},
]


def test_constructor_signature_is_torchs():
    ours = inspect.signature(LSTM.__init__).parameters
    torchs = inspect.signature(nn.LSTM.__init__).parameters
    assert [(p.name, p.default) for p in ours.values()] == [
        ("self", inspect.Parameter.empty),
        ("input_size", inspect.Parameter.empty),
        ("hidden_size", inspect.Parameter.empty),
        ("num_layers", 1),
        ("bias", True),
        ("batch_first", False),
        ("dropout", 0.0),
        ("bidirectional", False),
        ("proj_size", 0),
        ("device", None),
        ("dtype", None),
    ]
    # torch.nn.LSTM takes *args/**kwargs and forwards them to RNNBase with the same names.
    base = inspect.signature(nn.RNNBase.__init__).parameters
    assert [name for name in base if name != "mode"] == list(ours)
    assert "args" in torchs


@pytest.mark.parametrize("config", CONFIGS)
def test_parameters_names_shapes_and_initialisation_match(config):
    torch.manual_seed(7)
    theirs = nn.LSTM(5, 4, **config)
    torch.manual_seed(7)
    ours = LSTM(5, 4, **config)
    # Same order, names and shapes; with the same seed, the same uniform draws.
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (name, mine), (_, theirs_param) in zip(
        ours.named_parameters(), theirs.named_parameters(), strict=True
    ):
        assert mine.shape == theirs_param.shape, name
        assert torch.equal(mine, theirs_param), name
    assert ours.extra_repr() == theirs.extra_repr()
    assert [[w.shape for w in ws] for ws in ours.all_weights] == [
        [w.shape for w in ws] for ws in theirs.all_weights
    ]


def test_initialisation_is_uniform_within_bound():
    lstm = LSTM(10, 25, num_layers=2, proj_size=5)
    values = torch.cat([p.detach().flatten() for p in lstm.parameters()])
    bound = 1 / 25**0.5
    assert values.abs().max() <= bound
    assert values.min() < -0.9 * bound and values.max() > 0.9 * bound
    assert abs(values.mean()) < 0.01


@pytest.mark.parametrize("config", CONFIGS)
def test_state_dict_moves_both_ways(config):
    theirs, ours = nn.LSTM(3, 4, **config), LSTM(3, 4, **config)
    ours.load_state_dict(theirs.state_dict())  # strict: same names and shapes
    for name, value in theirs.state_dict().items():
        assert torch.equal(ours.state_dict()[name], value)
    fresh_torch = nn.LSTM(3, 4, **config)
    fresh_torch.load_state_dict(ours.state_dict())
    for name, value in ours.state_dict().items():
        assert torch.equal(fresh_torch.state_dict()[name], value)


def test_from_torch_and_to_torch_keep_settings_weights_dtype_and_mode():
    theirs = nn.LSTM(3, 4, num_layers=2, batch_first=True, proj_size=2, dtype=torch.float64)
    theirs.eval()
    ours = LSTM.from_torch(theirs)
    assert isinstance(ours, LSTM)
    assert (ours.num_layers, ours.batch_first, ours.proj_size, ours.training) == (2, True, 2, False)
    assert ours.weight_ih_l0.dtype == torch.float64
    back = ours.to_torch()
    assert type(back) is nn.LSTM
    assert back.training is False
    for name, value in theirs.state_dict().items():
        assert torch.equal(back.state_dict()[name], value)
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    torch.testing.assert_close(ours(x)[0], theirs(x)[0], rtol=0, atol=1e-12)


BAD_ARGUMENTS = [
    {"input_size": 0},
    {"input_size": 2.0},
    {"hidden_size": -1},
    {"hidden_size": "4"},
    {"num_layers": 0},
    {"bias": 1},
    {"batch_first": None},
    {"dropout": 1.5},
    {"dropout": True},
    {"dropout": "0.1"},
    {"proj_size": -1},
    {"proj_size": 4},
]


@pytest.mark.parametrize("bad", BAD_ARGUMENTS)
def test_bad_arguments_raise_what_torch_raises(bad):
    arguments = {"input_size": 3, "hidden_size": 4} | bad
    with pytest.raises(Exception) as theirs:
        nn.LSTM(**arguments)
    with pytest.raises(type(theirs.value)) as ours:
        LSTM(**arguments)
    assert str(ours.value) == str(theirs.value)


def test_dropout_with_one_layer_warns_like_torch():
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        nn.LSTM(3, 4, dropout=0.5)
    with pytest.warns(UserWarning) as ours:
        LSTM(3, 4, dropout=0.5)
    assert str(ours[0].message) == str(theirs[0].message)


def _bad_calls():
    x = torch.randn(5, 2, 3)
    return [
        ("4-D input", (torch.randn(5, 2, 3, 1),), {}),
        ("wrong width", (torch.randn(5, 2, 4),), {}),
        ("wrong dtype", (x.double(),), {}),
        ("2-D state for 3-D input", (x, (torch.zeros(2, 4), torch.zeros(2, 4))), {}),
        ("wrong h_0 size", (x, (torch.zeros(1, 3, 4), torch.zeros(1, 2, 4))), {}),
        ("wrong c_0 size", (x, (torch.zeros(1, 2, 4), torch.zeros(1, 2, 5))), {}),
    ]


@pytest.mark.parametrize(("label", "args", "kwargs"), _bad_calls(), ids=lambda v: str(v)[:30])
def test_bad_forward_inputs_raise_what_torch_raises(label, args, kwargs):
    theirs_lstm = nn.LSTM(3, 4)
    with pytest.raises(Exception) as theirs:
        theirs_lstm(*args, **kwargs)
    with pytest.raises(type(theirs.value)) as ours:
        LSTM.from_torch(theirs_lstm)(*args, **kwargs)
    assert str(ours.value) == str(theirs.value), label


def test_unknown_implementation_is_rejected():
    lstm = LSTM(3, 4)
    lstm.implementation = "turbo"
    with pytest.raises(ValueError, match="implementation must be"):
        lstm(torch.randn(2, 1, 3))


def test_implementation_is_not_state():
    lstm = LSTM(3, 4)
    lstm.implementation = "reference"
    assert "implementation" not in str(lstm.state_dict().keys())
    assert LSTM(3, 4).implementation == "fast"


@pytest.mark.parametrize("implementation", ["reference", "fast"])
@pytest.mark.usefixtures("torch_runs_bf16_autocast_lstm")
def test_runs_under_autocast_close_to_torch(implementation):
    torch.manual_seed(10)
    theirs = nn.LSTM(4, 6, num_layers=2, bidirectional=True)
    ours = LSTM.from_torch(theirs)
    ours.implementation = implementation
    x = torch.randn(5, 3, 4, requires_grad=True)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        expected, _ = theirs(x)
        output, _ = ours(x)
    if implementation == "fast":  # like torch.nn.LSTM, computes in the autocast dtype
        assert output.dtype == expected.dtype == torch.bfloat16
    torch.testing.assert_close(output.float(), expected.float(), rtol=0, atol=0.03)
    output.float().sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()


def test_jit_trace_runs_the_reference_path_and_matches():
    """Tracing records plain PyTorch operations (the reference path), not the fast path's."""
    torch.manual_seed(11)
    lstm = LSTM(3, 4, num_layers=2, bidirectional=True).eval()
    x = torch.randn(5, 2, 3)
    traced = torch.jit.trace(lstm, x, check_trace=False)
    assert "lstmlab::" not in str(traced.graph) and "PythonOp" not in str(traced.graph)
    other = torch.randn(5, 2, 3)
    torch.testing.assert_close(traced(other)[0], lstm(other)[0])
