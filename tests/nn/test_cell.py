"""lstmlab.nn.LSTMCell matches torch.nn.LSTMCell."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lstmlab.nn import LSTMCell


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("given_state", [True, False])
def test_cell_matches_torch(bias, batched, given_state):
    torch.manual_seed(9)
    theirs = nn.LSTMCell(3, 4, bias=bias, dtype=torch.float64)
    torch.manual_seed(9)
    ours = LSTMCell(3, 4, bias=bias, dtype=torch.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for mine, expected in zip(ours.parameters(), theirs.parameters(), strict=True):
        assert torch.equal(mine, expected)  # same initial draws
    batch = (2,) if batched else ()
    x = torch.randn(*batch, 3, dtype=torch.float64, requires_grad=True)
    hx = None
    if given_state:
        hx = tuple(torch.randn(*batch, 4, dtype=torch.float64, requires_grad=True) for _ in "hc")
    results = []
    for cell in (ours, theirs):
        h, c = cell(x, hx)
        loss = (h * torch.arange(1.0, 5.0, dtype=h.dtype)).sum() + c.sin().sum()
        wrt = [x, *(hx or ()), *cell.parameters()]
        results.append([h, c, *torch.autograd.grad(loss, wrt)])
    for mine, expected in zip(*results, strict=True):
        torch.testing.assert_close(mine, expected, rtol=0, atol=1e-12)


def test_cell_rejects_bad_dimensions_like_torch():
    for cell in (nn.LSTMCell(3, 4), LSTMCell(3, 4)):
        with pytest.raises(ValueError, match="Expected input to be 1D or 2D, got 3D"):
            cell(torch.randn(1, 2, 3))
