"""functorch transforms (vmap, grad) and double backward give the right answers on every path:
the fast path hands over to the reference one rather than return a wrong derivative."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.func import functional_call, grad, vmap

from lstmlab.nn import LSTM

IMPLEMENTATIONS = ["reference", "fast", "fast-python"]


def _pair(implementation):
    torch.manual_seed(0)
    theirs = nn.LSTM(3, 4, num_layers=2, bidirectional=True, dtype=torch.float64)
    ours = LSTM.from_torch(theirs)
    ours.implementation = implementation
    return theirs, ours


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_vmap_equals_a_loop_over_examples(implementation):
    _, ours = _pair(implementation)
    x = torch.randn(4, 5, 2, 3, dtype=torch.float64)
    batched = vmap(lambda example: ours(example)[0])(x)
    looped = torch.stack([ours(example)[0] for example in x])
    torch.testing.assert_close(batched, looped, rtol=0, atol=1e-12)


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_func_grad_equals_torchs_gradients(implementation):
    theirs, ours = _pair(implementation)
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    params = dict(ours.named_parameters())
    gradients = grad(lambda p: functional_call(ours, p, (x,))[0].square().sum())(params)
    theirs(x)[0].square().sum().backward()
    for name, parameter in theirs.named_parameters():
        torch.testing.assert_close(gradients[name], parameter.grad, rtol=0, atol=1e-12)


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_second_derivative_equals_torchs(implementation):
    """d/dθ |d loss/dx|² through create_graph=True: zero (or an error) would be wrong."""
    theirs, ours = _pair(implementation)
    x = torch.randn(5, 2, 3, dtype=torch.float64)

    def second_derivatives(module):
        inp = x.clone().requires_grad_()
        (grad_x,) = torch.autograd.grad(module(inp)[0].square().sum(), inp, create_graph=True)
        return torch.autograd.grad(grad_x.square().sum(), list(module.parameters()))

    expected = second_derivatives(theirs)
    for mine, theirs_grad in zip(second_derivatives(ours), expected, strict=True):
        assert theirs_grad.abs().sum() > 0
        torch.testing.assert_close(mine, theirs_grad, rtol=0, atol=1e-12)


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_repeated_backward_accumulates_each_gradient_once(implementation):
    """Two backward passes without zero_grad: every .grad doubles, biases included."""
    theirs, ours = _pair(implementation)
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    for module in (theirs, ours):
        for _ in range(2):
            module(x)[0].sum().backward()
    for (name, mine), parameter in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        torch.testing.assert_close(mine.grad, parameter.grad, rtol=0, atol=1e-12, msg=name)
    assert ours.bias_ih_l0.grad.data_ptr() != ours.bias_hh_l0.grad.data_ptr()
