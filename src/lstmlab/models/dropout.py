"""Variational ("locked") dropout: one mask per sequence, the same at every time step.

Gal & Ghahramani (2016); AWD-LSTM (Merity et al. 2018) drops an LSTM's inputs and outputs
this way. Ordinary dropout draws a fresh mask for every step, so over a long sequence each
unit is still seen most of the time; a locked mask removes a unit for the whole sequence.
"""

from __future__ import annotations

from torch import Tensor, nn


class LockedDropout(nn.Module):
    """Dropout over ``[B, T, F]`` whose mask is ``[B, 1, F]``: shared by all T steps.

    Kept features are scaled by ``1 / (1 - p)`` (as ``nn.Dropout``); identity in eval mode.
    A new mask is drawn at each call (each batch, each truncated-BPTT window).
    """

    def __init__(self, p: float) -> None:
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(f"locked dropout p must be in [0, 1), got {p}")
        self.p = float(p)

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.p == 0:
            return x
        if x.dim() != 3:
            raise ValueError(f"LockedDropout expects [B, T, F], got shape {tuple(x.shape)}")
        mask = x.new_empty(x.size(0), 1, x.size(2)).bernoulli_(1 - self.p).div_(1 - self.p)
        return x * mask

    def extra_repr(self) -> str:
        return f"p={self.p}"


def sequence_dropout(p: float, locked: bool) -> nn.Module:
    """Dropout for ``[B, T, F]`` sequences: :class:`LockedDropout` if ``locked``, else
    ``nn.Dropout`` (a fresh mask for every element)."""
    return LockedDropout(p) if locked else nn.Dropout(p)
