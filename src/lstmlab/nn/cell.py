"""One LSTM time step, written from its equations, and :class:`LSTMCell` built on it.

For input ``x_t`` and previous state ``(h_{t-1}, c_{t-1})`` (PyTorch's gate order i, f, g, o)::

    i_t = sigmoid(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)    input gate: how much to write
    f_t = sigmoid(W_if x_t + b_if + W_hf h_{t-1} + b_hf)    forget gate: how much to keep
    g_t =    tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)    candidate values to write
    o_t = sigmoid(W_io x_t + b_io + W_ho h_{t-1} + b_ho)    output gate: how much to show
    c_t = f_t * c_{t-1} + i_t * g_t                         the cell (long-term memory)
    h_t = o_t * tanh(c_t)                                   the hidden state (the output)

and, with a projection (``proj_size > 0``), ``h_t = W_hr (o_t * tanh(c_t))``.
``weight_ih`` stacks ``W_ii, W_if, W_ig, W_io`` (shape ``(4*hidden_size, input_size)``);
``weight_hh`` stacks the ``W_h*`` matrices the same way; the biases likewise.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor, nn


class LSTMGates(NamedTuple):
    """The gates and states of an LSTM, for one step or for a whole sequence.

    For one step of a batch of B rows: ``i, f, g, o, c`` are ``(B, hidden_size)`` and ``h`` is
    ``(B, proj_size or hidden_size)``. :meth:`lstmlab.nn.LSTM.forward_with_gates` returns them
    for whole sequences, laid out like the LSTM's output.
    """

    i: Tensor  # input gate, in (0, 1)
    f: Tensor  # forget gate, in (0, 1)
    g: Tensor  # candidate cell values, in (-1, 1)
    o: Tensor  # output gate, in (0, 1)
    c: Tensor  # new cell state
    h: Tensor  # new hidden state (projected when proj_size > 0)


class LayerWeights(NamedTuple):
    """The parameters of one layer and direction, named as in ``torch.nn.LSTM`` (without suffix)."""

    weight_ih: Tensor  # (4*hidden_size, layer_input_size)
    weight_hh: Tensor  # (4*hidden_size, proj_size or hidden_size)
    bias_ih: Tensor | None  # (4*hidden_size,) or None when bias=False
    bias_hh: Tensor | None  # (4*hidden_size,) or None when bias=False
    weight_hr: Tensor | None  # (proj_size, hidden_size) or None when proj_size=0


def lstm_cell_step(x: Tensor, h_prev: Tensor, c_prev: Tensor, weights: LayerWeights) -> LSTMGates:
    """Apply the LSTM equations once.

    Args:
        x: ``(B, input_size)`` input at this step.
        h_prev: ``(B, proj_size or hidden_size)`` previous hidden state.
        c_prev: ``(B, hidden_size)`` previous cell state.
        weights: the layer's parameters.

    Returns:
        The gates and the new state, each ``(B, ·)``.
    """
    preactivation = x @ weights.weight_ih.T + h_prev @ weights.weight_hh.T
    if weights.bias_ih is not None:
        preactivation = preactivation + weights.bias_ih + weights.bias_hh
    i, f, g, o = preactivation.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c = f * c_prev + i * g
    h = o * torch.tanh(c)
    if weights.weight_hr is not None:
        h = h @ weights.weight_hr.T
    return LSTMGates(i, f, g, o, c, h)


class LSTMCell(nn.Module):
    """A drop-in replacement for ``torch.nn.LSTMCell``: same arguments, parameters and results.

    Args:
        input_size: features of ``x``.
        hidden_size: features of ``h`` and ``c``.
        bias: whether to use ``bias_ih`` and ``bias_hh``.

    Shapes: ``input`` is ``(B, input_size)`` or unbatched ``(input_size,)``; ``hx`` is an
    optional ``(h_0, c_0)`` of ``(B, hidden_size)`` (or ``(hidden_size,)``), zeros by default.
    Returns ``(h_1, c_1)`` with the shape of ``h_0``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size, **factory))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size, **factory))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size, **factory))
            self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size, **factory))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), like PyTorch."""
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for parameter in self.parameters():
            nn.init.uniform_(parameter, -bound, bound)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")

    def forward(
        self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, Tensor]:
        if input.dim() not in (1, 2):
            raise ValueError(f"LSTMCell: Expected input to be 1D or 2D, got {input.dim()}D instead")
        for index, state in enumerate(hx or ()):
            if state.dim() not in (1, 2):
                raise ValueError(
                    f"LSTMCell: Expected hx[{index}] to be 1D or 2D, got {state.dim()}D instead"
                )
        is_batched = input.dim() == 2
        x = input if is_batched else input.unsqueeze(0)
        if hx is None:
            zeros = x.new_zeros(x.size(0), self.hidden_size)
            hx = (zeros, zeros)
        elif not is_batched:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        self._check_forward(x, hx)
        weights = LayerWeights(self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, None)
        step = lstm_cell_step(x, hx[0], hx[1], weights)
        if not is_batched:
            return step.h.squeeze(0), step.c.squeeze(0)
        return step.h, step.c

    def _check_forward(self, x: Tensor, hx: tuple[Tensor, Tensor]) -> None:
        """``torch.nn.LSTMCell``'s checks and messages, so nothing is broadcast silently.

        ``x`` is ``(B, input_size)``; each of ``hx`` must be ``(B, hidden_size)``.
        """
        if x.size(1) != self.weight_ih.size(1):
            raise RuntimeError(
                f"input has inconsistent input_size: got {x.size(1)} "
                f"expected {self.weight_ih.size(1)}"
            )
        for label, state in enumerate(hx):
            if x.size(0) != state.size(0):
                raise RuntimeError(
                    f"Input batch size {x.size(0)} doesn't match hidden{label} "
                    f"batch size {state.size(0)}"
                )
            if state.size(1) != self.weight_hh.size(1):
                raise RuntimeError(
                    f"hidden{label} has inconsistent hidden_size: got {state.size(1)}, "
                    f"expected {self.weight_hh.size(1)}"
                )
