"""The fast recurrence: the same equations with a hand-written backward pass (BPTT).

Why it is faster than the step-by-step path (and than ``torch.nn.LSTM`` on CPU):

* the input projections ``W_ih x_t + b`` of all time steps are one matrix product;
* autograd records nothing per step: the forward pass writes the gates and states of every
  step into preallocated buffers, and :meth:`_FusedLSTMLayer.backward` walks back through
  time with a handful of in-place operations per step;
* the gates are kept in the order (o, i, f, g) so the three sigmoids are one call, and the
  backward pass's factors that do not depend on the recurrence are computed for all steps at
  once, before the loop;
* weight gradients are summed over time by one matrix product each, after the loop.

Only first derivatives are available (use the reference path for double backward).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor
from torch.autograd.function import once_differentiable

from lstmlab.nn.cell import LayerWeights
from lstmlab.nn.sequence import last_row_index, previous_row_index


def fused_layer(
    rows: Tensor,
    batch_sizes: tuple[int, ...],
    h_0: Tensor,
    c_0: Tensor,
    weights: LayerWeights,
    reverse: bool,
) -> tuple[Tensor, Tensor, Tensor]:
    """Run one layer in one direction; same arguments as :func:`reference_layer`.

    Returns:
        ``(output, h_n, c_n)``: output ``(N, proj_size or hidden_size)`` time-major rows, and the
        final states ``(B, ·)``.
    """
    return _FusedLSTMLayer.apply(rows, h_0, c_0, *weights, batch_sizes, reverse)


def _to_internal_order(stacked: Tensor) -> Tensor:
    """PyTorch's gate blocks (i, f, g, o) along dim 0 -> (o, i, f, g): sigmoids first."""
    return torch.roll(stacked, shifts=stacked.size(0) // 4, dims=0)


def _to_pytorch_order(stacked: Tensor) -> Tensor:
    """(o, i, f, g) -> (i, f, g, o); the inverse of :func:`_to_internal_order`."""
    return torch.roll(stacked, shifts=-(stacked.size(0) // 4), dims=0)


def _step_order(batch_sizes: tuple[int, ...], reverse: bool) -> range:
    return range(len(batch_sizes) - 1, -1, -1) if reverse else range(len(batch_sizes))


class _FusedLSTMLayer(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx: Any,
        rows: Tensor,
        h_0: Tensor,
        c_0: Tensor,
        weight_ih: Tensor,
        weight_hh: Tensor,
        bias_ih: Tensor | None,
        bias_hh: Tensor | None,
        weight_hr: Tensor | None,
        batch_sizes: tuple[int, ...],
        reverse: bool,
    ) -> tuple[Tensor, Tensor, Tensor]:
        hidden = weight_hh.size(0) // 4
        w_ih = _to_internal_order(weight_ih)
        w_hh_t = _to_internal_order(weight_hh).t()
        # gates[r] starts as W_ih x + b for row r (all steps in one product), then each step
        # adds W_hh h_{t-1} and applies the nonlinearities in place.
        if bias_ih is None:
            gates = rows @ w_ih.t()
        else:
            gates = torch.addmm(_to_internal_order(bias_ih + bias_hh), rows, w_ih.t())
        cells = rows.new_empty(rows.size(0), hidden)
        tanh_cells = torch.empty_like(cells)
        unprojected = torch.empty_like(cells)  # o * tanh(c): the output before projection
        output = unprojected if weight_hr is None else rows.new_empty(rows.size(0), h_0.size(1))

        per_step = [t.split(batch_sizes) for t in (gates, cells, tanh_cells, unprojected, output)]
        h_prev, c_prev = h_0, c_0
        for t in _step_order(batch_sizes, reverse):
            step_gates, c, tanh_c, m, h = (buffers[t] for buffers in per_step)
            active = batch_sizes[t]
            if active > h_prev.size(0):  # reversed packed input: sequences starting now
                h_prev = torch.cat([h_prev, h_0[h_prev.size(0) : active]])
                c_prev = torch.cat([c_prev, c_0[c_prev.size(0) : active]])
            step_gates.addmm_(h_prev[:active], w_hh_t)
            step_gates[:, : 3 * hidden].sigmoid_()
            step_gates[:, 3 * hidden :].tanh_()
            o, i, f, g = step_gates.split(hidden, dim=1)
            torch.mul(f, c_prev[:active], out=c)
            c.addcmul_(i, g)
            torch.tanh(c, out=tanh_c)
            torch.mul(o, tanh_c, out=m)
            if weight_hr is not None:
                torch.mm(m, weight_hr.t(), out=h)
            h_prev, c_prev = h, c

        last_rows = last_row_index(batch_sizes, reverse).to(rows.device)
        h_n, c_n = output.index_select(0, last_rows), cells.index_select(0, last_rows)
        ctx.save_for_backward(
            rows,
            h_0,
            c_0,
            weight_ih,
            weight_hh,
            weight_hr,
            gates,
            cells,
            tanh_cells,
            unprojected,
            output,
        )
        ctx.batch_sizes, ctx.reverse, ctx.has_bias = batch_sizes, reverse, bias_ih is not None
        return output, h_n, c_n

    @staticmethod
    @once_differentiable
    def backward(
        ctx: Any, grad_output: Tensor, grad_h_n: Tensor, grad_c_n: Tensor
    ) -> tuple[Tensor | None, ...]:
        (
            rows,
            h_0,
            c_0,
            weight_ih,
            weight_hh,
            weight_hr,
            gates,
            cells,
            tanh_cells,
            unprojected,
            output,
        ) = ctx.saved_tensors
        batch_sizes, reverse = ctx.batch_sizes, ctx.reverse
        hidden = cells.size(1)
        o, i, f, g = gates.split(hidden, dim=1)

        # Step-independent factors, for all rows at once:
        #   dL/da_o = dL/dm * tanh(c) * o(1-o)             (m = o * tanh(c), before projection)
        #   dL/dc  += dL/dm * o * (1 - tanh(c)^2)
        #   dL/da_{i,f,g} = dL/dc * [g*i(1-i), c_prev*f(1-f), i*(1-g^2)]
        previous_rows = previous_row_index(batch_sizes, reverse).to(rows.device)
        c_prev = torch.cat([c_0, cells]).index_select(0, previous_rows)
        o_factor = tanh_cells * o * (1 - o)
        m_to_c = o * (1 - tanh_cells * tanh_cells)
        ifg_factor = torch.stack([g * i * (1 - i), c_prev * f * (1 - f), i * (1 - g * g)], dim=1)

        grad_gates = torch.empty_like(gates)  # (N, 4H) in (o, i, f, g) order
        grad_o = grad_gates[:, :hidden]
        grad_ifg = grad_gates[:, hidden:].unflatten(1, (3, hidden))
        grad_h = torch.empty_like(output)  # total dL/dh for each row
        grad_m = grad_h if weight_hr is None else torch.empty_like(unprojected)
        w_hh = _to_internal_order(weight_hh)

        per_step = [
            t.split(batch_sizes)
            for t in (grad_output, grad_h, grad_m, grad_gates, grad_o, grad_ifg)
        ]
        factors = [t.split(batch_sizes) for t in (o_factor, m_to_c, ifg_factor, f)]
        # The carries hold, per sequence, dL/dh and dL/dc flowing back from the step processed
        # after this one. They start as the final-state gradients: going back in time, each
        # sequence first meets its carry row at the step that produced its final state.
        grad_h_carry = grad_h_n.clone()
        grad_c_carry = grad_c_n.clone()
        for t in reversed(_step_order(batch_sizes, reverse)):
            g_out, g_h, g_m, g_gates, g_o, g_ifg = (buffers[t] for buffers in per_step)
            step_o_factor, step_m_to_c, step_ifg_factor, step_f = (x[t] for x in factors)
            active = batch_sizes[t]
            torch.add(g_out, grad_h_carry[:active], out=g_h)
            if weight_hr is not None:
                torch.mm(g_h, weight_hr, out=g_m)
            grad_c = grad_c_carry[:active]
            grad_c.addcmul_(g_m, step_m_to_c)
            torch.mul(g_m, step_o_factor, out=g_o)
            torch.mul(step_ifg_factor, grad_c.unsqueeze(1), out=g_ifg)
            grad_c.mul_(step_f)
            torch.mm(g_gates, w_hh, out=grad_h_carry[:active])

        # The carries now hold dL/dh_0 and dL/dc_0: each row was last written by its
        # sequence's first processed step.
        needs = ctx.needs_input_grad
        grad_rows = grad_gates @ _to_internal_order(weight_ih) if needs[0] else None
        grad_w_ih = grad_w_hh = grad_bias = grad_w_hr = None
        if needs[3]:
            grad_w_ih = _to_pytorch_order(grad_gates.t() @ rows)
        if needs[4]:
            h_prev = torch.cat([h_0, output]).index_select(0, previous_rows)
            grad_w_hh = _to_pytorch_order(grad_gates.t() @ h_prev)
        if ctx.has_bias and (needs[5] or needs[6]):
            grad_bias = _to_pytorch_order(grad_gates.sum(0))
        if weight_hr is not None and needs[7]:
            grad_w_hr = grad_h.t() @ unprojected
        return (
            grad_rows,
            grad_h_carry,
            grad_c_carry,
            grad_w_ih,
            grad_w_hh,
            grad_bias,
            grad_bias,
            grad_w_hr,
            None,
            None,
        )
