"""DropConnect on the recurrent weights (``LSTM.weight_drop``, AWD-LSTM): training only."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lstmlab.nn import LSTM

IMPLEMENTATIONS = ["reference", "fast"]


def make(weight_drop: float, implementation: str = "fast", **kwargs) -> LSTM:
    torch.manual_seed(3)
    lstm = LSTM(3, 5, dtype=torch.float64, **kwargs)
    lstm.weight_drop = weight_drop
    lstm.implementation = implementation
    return lstm


def with_weight_hh(lstm: LSTM, weight_hh: torch.Tensor) -> LSTM:
    """A copy of a one-layer ``lstm`` whose ``weight_hh_l0`` is ``weight_hh``, no DropConnect."""
    copy = make(0.0, lstm.implementation)
    copy.load_state_dict(lstm.state_dict())
    with torch.no_grad():
        copy.weight_hh_l0.copy_(weight_hh)
    return copy


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_eval_output_is_unchanged_by_weight_drop(implementation: str) -> None:
    plain = make(0.0, implementation, num_layers=2, bidirectional=True).eval()
    dropped = make(0.6, implementation, num_layers=2, bidirectional=True).eval()
    x = torch.randn(6, 2, 3, dtype=torch.float64)
    expected, (h, c) = plain(x)
    output, (h_dropped, c_dropped) = dropped(x)
    assert torch.equal(output, expected) and torch.equal(h, h_dropped) and torch.equal(c, c_dropped)


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_training_runs_every_step_with_one_mask_drawn_per_call(implementation: str) -> None:
    """Same seed: the output is that of an LSTM whose weight_hh is dropout(weight_hh)."""
    lstm = make(0.5, implementation).train()
    x = torch.randn(7, 2, 3, dtype=torch.float64)
    torch.manual_seed(11)
    output, _ = lstm(x)
    torch.manual_seed(11)  # the mask is the forward's only random draw (dropout = 0)
    weight_hh = nn.functional.dropout(lstm.weight_hh_l0.detach(), 0.5, training=True)
    expected, _ = with_weight_hh(lstm, weight_hh)(x)
    torch.testing.assert_close(output, expected, rtol=0, atol=1e-12)
    again, _ = lstm(x)
    assert not torch.allclose(again, output)  # a fresh mask for the next call


def test_a_share_p_of_each_layers_weight_hh_is_zeroed_and_the_rest_scaled() -> None:
    torch.manual_seed(0)
    lstm = LSTM(8, 64, num_layers=2, bidirectional=True).train()
    lstm.weight_drop = 0.3
    masks = []
    for layer in range(2):
        for suffix in ("", "_reverse"):
            raw = getattr(lstm, f"weight_hh_l{layer}{suffix}")
            dropped = lstm._layer_weights(layer, suffix).weight_hh
            kept = dropped != 0
            share = 1 - kept.float().mean().item()
            assert share == pytest.approx(0.3, abs=0.02)  # 16,384 weights each
            torch.testing.assert_close(dropped[kept], raw[kept] / 0.7)
            weight_ih = lstm._layer_weights(layer, suffix).weight_ih
            assert weight_ih is getattr(lstm, f"weight_ih_l{layer}{suffix}")  # never dropped
            masks.append(kept)
    assert not torch.equal(masks[0], masks[1])  # each layer-direction its own mask
    lstm.eval()
    assert lstm._layer_weights(0, "").weight_hh is lstm.weight_hh_l0


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_gradients_reach_the_raw_weights_through_the_mask(implementation: str) -> None:
    lstm = make(0.4, implementation).train()
    x = torch.randn(5, 3, 3, dtype=torch.float64)
    torch.manual_seed(2)
    lstm(x)[0].square().sum().backward()
    torch.manual_seed(2)
    weight_hh = nn.functional.dropout(lstm.weight_hh_l0.detach(), 0.4, training=True)
    copy = with_weight_hh(lstm, weight_hh)
    copy(x)[0].square().sum().backward()
    scale = (weight_hh != 0).double() / 0.6  # d dropout(W) / dW, element-wise
    torch.testing.assert_close(lstm.weight_hh_l0.grad, copy.weight_hh_l0.grad * scale)
    assert (lstm.weight_hh_l0.grad[weight_hh == 0] == 0).all()
    assert lstm.weight_hh_l0.grad.abs().sum() > 0
    torch.testing.assert_close(lstm.weight_ih_l0.grad, copy.weight_ih_l0.grad)


def test_zero_weight_drop_draws_nothing_and_runs_on_the_parameters() -> None:
    lstm = make(0.0).train()
    assert LSTM.weight_drop == 0.0  # the default
    state = torch.random.get_rng_state()
    lstm(torch.randn(4, 2, 3, dtype=torch.float64))
    after = torch.random.get_rng_state()
    torch.random.set_rng_state(state)
    torch.randn(4, 2, 3, dtype=torch.float64)
    assert torch.equal(after, torch.random.get_rng_state())  # only the input's draw
    assert lstm._layer_weights(0, "").weight_hh is lstm.weight_hh_l0


def test_weight_drop_out_of_range_is_refused_and_shown() -> None:
    lstm = make(1.0)
    with pytest.raises(ValueError, match=r"weight_drop must be in \[0, 1\), got 1.0"):
        lstm(torch.randn(2, 1, 3, dtype=torch.float64))
    lstm.weight_drop = 0.25
    assert "weight_drop=0.25" in repr(lstm)
