"""Dropout between layers: only in training, never on the last layer's output."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lstmlab.nn import LSTM


@pytest.fixture
def pair():
    torch.manual_seed(5)
    theirs = nn.LSTM(3, 6, num_layers=3, dropout=0.5, dtype=torch.float64)
    return theirs, LSTM.from_torch(theirs)


@pytest.mark.parametrize("implementation", ["reference", "fast"])
def test_eval_mode_equals_torch(pair, implementation):
    theirs, ours = pair
    ours.implementation = implementation
    theirs.eval(), ours.eval()
    x = torch.randn(7, 2, 3, dtype=torch.float64)
    for mine, expected in zip(ours(x)[1], theirs(x)[1], strict=True):
        torch.testing.assert_close(mine, expected, rtol=0, atol=1e-12)
    torch.testing.assert_close(ours(x)[0], theirs(x)[0], rtol=0, atol=1e-12)


@pytest.mark.parametrize("implementation", ["reference", "fast"])
def test_training_masks_differ_between_calls_and_spare_the_first_layer(pair, implementation):
    _, ours = pair
    ours.implementation = implementation
    x = torch.randn(7, 2, 3, dtype=torch.float64)
    ours.eval()
    eval_output, (eval_h, _) = ours(x)
    ours.train()
    first_output, (first_h, _) = ours(x)
    second_output, _ = ours(x)
    assert not torch.equal(first_output, second_output)  # fresh masks on each call
    assert not torch.equal(first_output, eval_output)
    # Dropout acts *between* layers: layer 0 reads the undropped input.
    torch.testing.assert_close(first_h[0], eval_h[0], rtol=0, atol=1e-12)
    assert not torch.allclose(first_h[1], eval_h[1])


@pytest.mark.parametrize("implementation", ["reference", "fast"])
def test_training_with_dropout_one_matches_torch_and_last_layer_is_not_dropped(implementation):
    """With p=1 every layer above the first reads zeros, so training mode is deterministic."""
    torch.manual_seed(6)
    theirs = nn.LSTM(3, 4, num_layers=2, dropout=1.0, dtype=torch.float64).train()
    ours = LSTM.from_torch(theirs)
    ours.implementation = implementation
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    output, (h_n, _) = ours(x)
    expected_output, (expected_h, _) = theirs(x)
    torch.testing.assert_close(output, expected_output, rtol=0, atol=1e-12)
    torch.testing.assert_close(h_n, expected_h, rtol=0, atol=1e-12)
    # Had the last layer's output been dropped with p=1, it would be all zeros.
    assert (output != 0).all()
