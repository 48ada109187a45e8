"""The fast path with its time loop compiled: :file:`recurrence.cpp` around two matrix products.

The same algorithm as :mod:`lstmlab.nn.fused` (a hand-written backward pass; input
projections and weight gradients as one matrix product each for all steps), with the time
loop in C++ (:mod:`lstmlab.nn.kernel` builds it), so no Python runs per step. Rows keep the
directions side by side, as the layer's output does: ``gates`` is ``(N, D*4H)`` with direction
d's gates (i, f, g, o) in columns ``d*4H`` to ``(d+1)*4H``; the reverse direction walks the
steps from last to first in C++, so nothing is reversed or copied here.

For float32 and float64 CPU tensors; :func:`lstmlab.nn.fused.fused_layer` chooses.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from lstmlab.nn.cell import LayerWeights
from lstmlab.nn.reference import needs_differentiable_backward, reference_backward


def compiled_layer(
    ops: Any,
    rows: Tensor,
    batch_sizes: tuple[int, ...],
    h_0: Tensor,
    c_0: Tensor,
    weights: list[LayerWeights],
) -> tuple[Tensor, Tensor, Tensor]:
    """Run one layer, all its directions, through the compiled recurrence ``ops``.

    Arguments and results as :func:`lstmlab.nn.fused.fused_layer`: ``rows`` ``(N, I)``,
    ``h_0`` ``(D, B, P)``, ``c_0`` ``(D, B, H)``; returns ``(output (N, D*P), h_n, c_n)``.
    """
    parameters = [tensor for direction in weights for tensor in direction]
    return _CompiledLSTMLayer.apply(ops, rows, h_0, c_0, batch_sizes, *parameters)


class _CompiledLSTMLayer(torch.autograd.Function):
    """All directions of one layer; the per-step work in ``ops`` (``torch.ops.lstmlab``)."""

    @staticmethod
    def forward(
        ctx: Any,
        ops: Any,
        rows: Tensor,  # (N, I)
        h_0: Tensor,  # (D, B, P)
        c_0: Tensor,  # (D, B, H)
        batch_sizes: tuple[int, ...],
        *parameters: Tensor | None,  # LayerWeights of each direction, flattened
    ) -> tuple[Tensor, Tensor, Tensor]:
        weights = [LayerWeights(*parameters[k : k + 5]) for k in range(0, len(parameters), 5)]
        # W_ih x for every row and direction: one matrix product, (N, D*4H); the loop adds
        # the bias b_ih + b_hh as it applies the nonlinearities.
        w_ih = _side_by_side([w.weight_ih for w in weights])  # (D*4H, I)
        gates = _linear(rows, w_ih)
        bias = None
        if weights[0].bias_ih is not None:
            bias = _side_by_side([w.bias_ih + w.bias_hh for w in weights])
        w_hh = [w.weight_hh for w in weights]
        w_hr = [w.weight_hr for w in weights if w.weight_hr is not None]
        cells, tanh_cells, unprojected, output, h_n, c_n = ops.recurrence_forward(
            gates, bias, h_0, c_0, w_hh, w_hr, batch_sizes
        )
        buffers = (gates, cells, tanh_cells, unprojected, output)
        # The parameters themselves last, for a backward that must be differentiable.
        ctx.save_for_backward(rows, h_0, c_0, w_ih, *buffers, *w_hh, *w_hr, *parameters)
        ctx.ops, ctx.batch_sizes, ctx.has_bias = ops, batch_sizes, weights[0].bias_ih is not None
        ctx.fast_saved = 4 + len(buffers) + len(w_hh) + len(w_hr)
        return output, h_n, c_n

    @staticmethod
    def backward(
        ctx: Any, grad_output: Tensor, grad_h_n: Tensor, grad_c_n: Tensor
    ) -> tuple[Tensor | None, ...]:
        saved = ctx.saved_tensors
        if needs_differentiable_backward((grad_output, grad_h_n, grad_c_n)):
            needs = list(ctx.needs_input_grad)
            grads = reference_backward(
                ctx.batch_sizes,
                [*saved[:3], *saved[ctx.fast_saved :]],
                needs[1:4] + needs[5:],
                (grad_output, grad_h_n, grad_c_n),
            )
            return None, *grads[:3], None, *grads[3:]
        return _CompiledLSTMLayer._fast_backward(
            ctx, saved[: ctx.fast_saved], grad_output, grad_h_n, grad_c_n
        )

    @staticmethod
    def _fast_backward(
        ctx: Any, saved: tuple[Tensor, ...], grad_output: Tensor, grad_h_n: Tensor, grad_c_n: Tensor
    ) -> tuple[Tensor | None, ...]:
        rows, h_0, c_0, w_ih, *buffers = saved
        (gates, cells, tanh_cells, unprojected, output), recurrent = buffers[:5], buffers[5:]
        directions = h_0.size(0)
        w_hh, w_hr = recurrent[:directions], recurrent[directions:]
        grad_gates, grad_h, grad_h_0, grad_c_0, grad_w_hh, bias = ctx.ops.recurrence_backward(
            grad_output, grad_h_n, grad_c_n, gates, cells, tanh_cells, output, h_0, c_0,
            w_hh, w_hr, ctx.batch_sizes,
        )  # fmt: skip
        grad_rows = _linear(grad_gates, w_ih.T) if ctx.needs_input_grad[1] else None
        # Transposed: faster here; each direction's gradient then made contiguous, as
        # torch.nn.LSTM's are (autograd.grad hands them to the caller as they are).
        grad_w_ih = [g.contiguous() for g in (rows.T @ grad_gates).T.chunk(directions)]
        grad_bias = bias.chunk(directions) if ctx.has_bias else [None] * directions
        grad_w_hr = [None] * directions
        if w_hr:
            hidden, projected = cells.size(1) // directions, h_0.size(2)
            grad_w_hr = [
                grad_h[:, d * projected : (d + 1) * projected].T
                @ unprojected[:, d * hidden : (d + 1) * hidden]
                for d in range(directions)
            ]
        grad_parameters = []
        for d in range(directions):
            # One tensor per parameter: .grad tensors sharing storage would double-count
            # when a later backward accumulates into them.
            bias_hh = None if grad_bias[d] is None else grad_bias[d].clone()
            grad_parameters += [grad_w_ih[d], grad_w_hh[d], grad_bias[d], bias_hh, grad_w_hr[d]]
        return None, grad_rows, grad_h_0, grad_c_0, None, *grad_parameters


def _linear(x: Tensor, weight: Tensor) -> Tensor:
    """``x @ weight.T``, ``(M, K) x (N, K) -> (M, N)``: through oneDNN for float32 where torch
    has it (here 15-30 % faster than BLAS for the input projections), else a plain product."""
    global _onednn
    if _onednn and x.dtype == torch.float32:
        try:
            return torch.ops.mkldnn._linear_pointwise(x, weight, None, "none", [], "")
        except (AttributeError, RuntimeError):  # not in this build of torch
            _onednn = False
    return x @ weight.T


_onednn = torch.backends.mkldnn.is_available()


def _side_by_side(tensors: list[Tensor]) -> Tensor:
    """The directions' tensors stacked along dim 0 (no copy for a single direction)."""
    return tensors[0] if len(tensors) == 1 else torch.cat(tensors)
