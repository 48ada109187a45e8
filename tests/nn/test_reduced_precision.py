"""bfloat16 and float16 layers: the fast path computes them in float32 and rounds once.

Rounding at every step instead put a 3-layer LSTM's bfloat16 weight gradients past PyTorch's
own tolerance against torch.nn.LSTM (tests/nn/pytorch/test_pytorch_mkldnn.py's full sweep).
"""

from __future__ import annotations

import pytest
import torch

from lstmlab.nn import LSTM


def _results(module, x, hx):
    """Output, final states, and the gradients of their sum for input, states and weights."""
    x = x.clone().requires_grad_()
    hx = tuple(s.clone().requires_grad_() for s in hx)
    output, (h_n, c_n) = module(x, hx)
    (output.sum() + h_n.sum() + c_n.sum()).backward()
    return [output, h_n, c_n, x.grad, *(s.grad for s in hx), *(p.grad for p in module.parameters())]


@pytest.mark.parametrize("implementation", ["fast", "fast-python"])
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_reduced_precision_layer_is_the_float32_result_rounded_once(implementation, dtype):
    torch.manual_seed(5)
    low = LSTM(4, 8, bidirectional=True, proj_size=3, dtype=dtype)
    low.implementation = implementation
    wide = LSTM(4, 8, bidirectional=True, proj_size=3)
    wide.load_state_dict({k: v.float() for k, v in low.state_dict().items()})
    wide.implementation = implementation
    x = torch.randn(12, 3, 4).to(dtype)
    hx = (torch.randn(2, 3, 3).to(dtype), torch.randn(2, 3, 8).to(dtype))
    ours = _results(low, x, hx)
    rounded = [r.to(dtype) for r in _results(wide, x.float(), tuple(s.float() for s in hx))]
    for index, (mine, expected) in enumerate(zip(ours, rounded, strict=True)):
        assert mine.dtype == dtype, index
        assert torch.equal(mine, expected), index
