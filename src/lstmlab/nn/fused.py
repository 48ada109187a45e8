"""The fast recurrence: the same equations with a hand-written backward pass (BPTT).

Why it is faster than the step-by-step path:

* the ``_reverse`` direction is the forward recurrence run on time-reversed sequences, so both
  directions of a layer advance together, one batched matrix product per step for both;
* the input projections ``W_ih x_t + b`` of all time steps and directions are one matrix
  product, and so are the input and ``W_ih`` gradients;
* autograd records nothing per step: the forward pass writes the gates and states of every
  step into preallocated buffers, and :meth:`_FusedLSTMLayer.backward` walks back through
  time with a handful of in-place operations per step;
* the gates are kept in the order (o, i, f, g) so the three sigmoids are one call, and the
  backward factors that do not depend on the recurrence are computed for all steps at once;
* weight gradients are summed over time by one matrix product each, after the loop.

:func:`fused_layer` runs this Python loop on GPUs, with ``implementation = "fast-python"``
or where the C++ extension cannot be built; for float32 and float64 CPU tensors it hands the
layer to :mod:`lstmlab.nn.compiled`, the same algorithm with the time loop in C++.
bfloat16 and float16 layers are computed in float32 and rounded at the end.

The hand-written backward is not itself differentiable: where a differentiable or batched
gradient is asked for (``create_graph=True``, ``vmap``), the backward hands over to
:func:`lstmlab.nn.reference.reference_backward`, which recomputes the layer step by step.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from lstmlab.nn.cell import LayerWeights
from lstmlab.nn.compiled import compiled_layer
from lstmlab.nn.kernel import recurrence_ops
from lstmlab.nn.reference import needs_differentiable_backward, reference_backward
from lstmlab.nn.sequence import last_row_index, previous_row_index, reversed_row_index


def fused_layer(
    rows: Tensor,
    batch_sizes: tuple[int, ...],
    h_0: Tensor,
    c_0: Tensor,
    weights: list[LayerWeights],
    compiled: bool = True,
) -> tuple[Tensor, Tensor, Tensor]:
    """Run one layer, all its directions at once (the second one, if any, reversed).

    Args:
        rows: ``(N, layer_input_size)`` time-major rows (see :mod:`lstmlab.nn.sequence`).
        batch_sizes: rows at each time step.
        h_0: ``(D, B, proj_size or hidden_size)`` initial hidden states, one per direction.
        c_0: ``(D, B, hidden_size)`` initial cell states.
        weights: the D directions' parameters, forward first.
        compiled: run the time loop in C++ where it applies (float32 or float64 CPU tensors)
            and the extension builds; in Python otherwise.

    Returns:
        ``(output, h_n, c_n)``: output ``(N, D * (proj_size or hidden_size))`` time-major rows
        (directions concatenated), and the final states ``(D, B, ·)``.
    """
    parameters = [tensor for direction in weights for tensor in direction]
    device_type = rows.device.type
    if not torch.is_autocast_enabled(device_type):
        if rows.dtype in (torch.bfloat16, torch.float16):
            return _in_float32(rows, batch_sizes, h_0, c_0, parameters, compiled)
        if compiled and (ops := _compiled_ops(rows)) is not None:
            return compiled_layer(ops, rows, batch_sizes, h_0, c_0, weights)
        return _FusedLSTMLayer.apply(rows, h_0, c_0, batch_sizes, *parameters)
    # Under autocast, run everything in the autocast dtype (as torch.nn.LSTM does): the
    # preallocated buffers and in-place steps need one dtype throughout.
    dtype = torch.get_autocast_dtype(device_type)
    inputs = [None if t is None else t.to(dtype) for t in (rows, h_0, c_0, *parameters)]
    with torch.autocast(device_type, enabled=False):
        return fused_layer(
            inputs[0],
            batch_sizes,
            *inputs[1:3],
            [LayerWeights(*inputs[k : k + 5]) for k in range(3, len(inputs), 5)],
            compiled,
        )


def _in_float32(
    rows: Tensor,
    batch_sizes: tuple[int, ...],
    h_0: Tensor,
    c_0: Tensor,
    parameters: list[Tensor | None],
    compiled: bool,
) -> tuple[Tensor, Tensor, Tensor]:
    """A bfloat16 or float16 layer computed in float32, its results rounded once at the end.

    The recurrence's rounding errors otherwise add up over the steps and layers on top of
    torch's own (torch.nn.LSTM keeps float32 accumulators inside its kernels): in bfloat16
    they took a 3-layer LSTM's weight gradients past PyTorch's own tolerance (0.02) against
    torch's. Same arguments and results as :func:`fused_layer`, in the caller's dtype.
    """
    wide = [None if t is None else t.float() for t in (rows, h_0, c_0, *parameters)]
    weights = [LayerWeights(*wide[k : k + 5]) for k in range(3, len(wide), 5)]
    output, h_n, c_n = fused_layer(wide[0], batch_sizes, wide[1], wide[2], weights, compiled)
    return output.to(rows.dtype), h_n.to(rows.dtype), c_n.to(rows.dtype)


def _compiled_ops(rows: Tensor) -> Any:
    """The compiled recurrence (``torch.ops.lstmlab``) if it applies to ``rows`` and builds.

    Not while a graph is being captured (``torch.compile``, ``torch.export``, tracing): the
    capturing tools know PyTorch operations, not this extension's.
    """
    if rows.device.type != "cpu" or rows.dtype not in (torch.float32, torch.float64):
        return None
    if torch.compiler.is_compiling() or torch.jit.is_tracing():
        return None
    return recurrence_ops()


def _to_internal_order(stacked: Tensor) -> Tensor:
    """PyTorch's gate blocks (i, f, g, o) along dim 1 -> (o, i, f, g): sigmoids first."""
    return torch.roll(stacked, shifts=stacked.size(1) // 4, dims=1)


def _to_pytorch_order(stacked: Tensor) -> Tensor:
    """(o, i, f, g) -> (i, f, g, o) along dim 1; the inverse of :func:`_to_internal_order`."""
    return torch.roll(stacked, shifts=-(stacked.size(1) // 4), dims=1)


def _by_direction(rows: Tensor, reverse_rows: Tensor | None, directions: int = 0) -> Tensor:
    """Time-order rows -> ``(D, N, F)``, direction 1's rows reversed per sequence.

    ``rows`` is ``(N, F)``, shared by both directions (layer inputs) unless ``directions`` is
    given: then it is ``(N, D*F)``, each direction's features side by side (output gradients).
    """
    if reverse_rows is None:
        return rows.unsqueeze(0)
    forward, backward = rows.chunk(2, dim=1) if directions else (rows, rows)
    return torch.stack([forward, backward.index_select(0, reverse_rows)])


def _by_row(by_direction: Tensor, reverse_rows: Tensor | None, concatenate: bool = True) -> Tensor:
    """The inverse of :func:`_by_direction`: ``(D, N, F)`` -> time-order rows.

    The directions' features are concatenated into ``(N, D*F)`` (outputs), or summed into
    ``(N, F)`` (input gradients) when ``concatenate`` is false.
    """
    if reverse_rows is None:
        return by_direction[0]
    backward = by_direction[1].index_select(0, reverse_rows)
    if concatenate:
        return torch.cat([by_direction[0], backward], dim=1)
    return backward.add_(by_direction[0])


class _FusedLSTMLayer(torch.autograd.Function):
    """All directions of one layer. Inside, tensors lead with the direction D; direction 1
    (``_reverse``) runs forward over time-reversed sequences, which have the same batch sizes.
    """

    @staticmethod
    def forward(
        ctx: Any,
        rows: Tensor,  # (N, I)
        h_0: Tensor,  # (D, B, P)
        c_0: Tensor,  # (D, B, H)
        batch_sizes: tuple[int, ...],
        *parameters: Tensor | None,  # LayerWeights of each direction, flattened
    ) -> tuple[Tensor, Tensor, Tensor]:
        directions = h_0.size(0)
        weights = [LayerWeights(*parameters[5 * d : 5 * d + 5]) for d in range(directions)]
        stacked = [None if w[0] is None else torch.stack(w) for w in zip(*weights, strict=True)]
        weight_ih, weight_hh, bias_ih, bias_hh, weight_hr = stacked  # each (D, ...)
        hidden = weight_hh.size(1) // 4
        reverse_rows = reversed_row_index(batch_sizes).to(rows.device) if directions > 1 else None

        # gates[d, r] starts as W_ih x + b for row r (all steps in one product per direction),
        # then each step adds W_hh h_{t-1} and applies the nonlinearities in place.
        inputs = _by_direction(rows, reverse_rows)  # (D, N, I)
        w_ih = _to_internal_order(weight_ih)
        gates = torch.bmm(inputs, w_ih.transpose(1, 2))
        if bias_ih is not None:
            gates += _to_internal_order(bias_ih + bias_hh).unsqueeze(1)
        cells = rows.new_empty(*gates.shape[:2], hidden)
        tanh_cells = torch.empty_like(cells)
        unprojected = torch.empty_like(cells)  # o * tanh(c): the output before projection
        output = unprojected if weight_hr is None else rows.new_empty(*cells.shape[:2], h_0.size(2))

        w_hh_t = _to_internal_order(weight_hh).transpose(1, 2)
        buffers = (gates, cells, tanh_cells, unprojected, output)
        # Per-step views of every buffer and gate, made once: no slicing inside the loop.
        o, i, f, g = gates.split(hidden, dim=2)
        views = (*buffers, gates[..., : 3 * hidden], g, o, i, f)
        per_step = zip(*(t.split(batch_sizes, dim=1) for t in views), strict=True)
        h_prev, c_prev = h_0, c_0
        for step_gates, c, tanh_c, m, h, sigmoid_part, g_t, o_t, i_t, f_t in per_step:
            active = step_gates.size(1)  # sequences still running (packed input)
            step_gates.baddbmm_(h_prev[:, :active], w_hh_t)
            sigmoid_part.sigmoid_()  # o, i, f
            g_t.tanh_()
            torch.mul(f_t, c_prev[:, :active], out=c)
            c.addcmul_(i_t, g_t)
            torch.tanh(c, out=tanh_c)
            torch.mul(o_t, tanh_c, out=m)
            if weight_hr is not None:
                torch.bmm(m, weight_hr.transpose(1, 2), out=h)
            h_prev, c_prev = h, c

        last_rows = last_row_index(batch_sizes).to(rows.device)
        h_n, c_n = output.index_select(1, last_rows), cells.index_select(1, last_rows)
        # The layer's own inputs last, for a backward that must be differentiable.
        ctx.save_for_backward(
            inputs, h_0, c_0, w_ih, weight_hh, weight_hr, *buffers, rows, *parameters
        )
        ctx.batch_sizes, ctx.has_bias, ctx.reverse_rows = (
            batch_sizes,
            bias_ih is not None,
            reverse_rows,
        )
        return _by_row(output, reverse_rows), h_n, c_n

    @staticmethod
    def backward(
        ctx: Any, grad_output: Tensor, grad_h_n: Tensor, grad_c_n: Tensor
    ) -> tuple[Tensor | None, ...]:
        saved = ctx.saved_tensors
        if needs_differentiable_backward((grad_output, grad_h_n, grad_c_n)):
            rows, *parameters = saved[11:]
            needs = list(ctx.needs_input_grad)
            grads = reference_backward(
                ctx.batch_sizes,
                [rows, saved[1], saved[2], *parameters],
                needs[:3] + needs[4:],
                (grad_output, grad_h_n, grad_c_n),
            )
            return *grads[:3], None, *grads[3:]
        return _FusedLSTMLayer._fast_backward(ctx, saved[:11], grad_output, grad_h_n, grad_c_n)

    @staticmethod
    def _fast_backward(
        ctx: Any, saved: tuple[Tensor, ...], grad_output: Tensor, grad_h_n: Tensor, grad_c_n: Tensor
    ) -> tuple[Tensor | None, ...]:
        inputs, h_0, c_0, w_ih, weight_hh, weight_hr, *buffers = saved
        gates, cells, tanh_cells, unprojected, output = buffers
        batch_sizes, reverse_rows = ctx.batch_sizes, ctx.reverse_rows
        directions, hidden = cells.size(0), cells.size(2)
        o, i, f, g = gates.split(hidden, dim=2)

        # Step-independent factors, for all rows at once:
        #   dL/da_o = dL/dm * tanh(c) * o(1-o)             (m = o * tanh(c), before projection)
        #   dL/dc  += dL/dm * o * (1 - tanh(c)^2)
        #   dL/da_{i,f,g} = dL/dc * [g*i(1-i), c_prev*f(1-f), i*(1-g^2)]
        previous_rows = previous_row_index(batch_sizes).to(inputs.device)
        c_prev = torch.cat([c_0, cells], dim=1).index_select(1, previous_rows)
        o_factor = (1 - o).mul_(o).mul_(tanh_cells)
        m_to_c = (1 - tanh_cells.square()).mul_(o)
        ifg_factor = torch.stack(
            [(1 - i).mul_(i).mul_(g), (1 - f).mul_(f).mul_(c_prev), (1 - g.square()).mul_(i)], dim=2
        )

        grad_gates = torch.empty_like(gates)  # (D, N, 4H) in (o, i, f, g) order
        grad_o = grad_gates[..., :hidden]
        grad_ifg = grad_gates[..., hidden:].unflatten(2, (3, hidden))
        grad_h = torch.empty_like(output)  # total dL/dh for each row
        grad_m = grad_h if weight_hr is None else torch.empty_like(unprojected)
        w_hh = _to_internal_order(weight_hh)

        step_tensors = (_by_direction(grad_output, reverse_rows, directions), grad_h, grad_m)
        step_tensors += (grad_gates, grad_o, grad_ifg, o_factor, m_to_c, ifg_factor, f)
        per_step = list(zip(*(t.split(batch_sizes, dim=1) for t in step_tensors), strict=True))
        # The carries hold dL/dh and dL/dc flowing back from the next step, per sequence. They
        # start as the final-state gradients: going back in time, each sequence first meets
        # its carry row at its last step. When the loop ends they hold dL/dh_0 and dL/dc_0.
        grad_h_carry = grad_h_n.clone()
        grad_c_carry = grad_c_n.clone()
        for g_out, g_h, g_m, g_gates, g_o, g_ifg, k_o, k_m_to_c, k_ifg, step_f in reversed(
            per_step
        ):
            active = g_out.size(1)
            torch.add(g_out, grad_h_carry[:, :active], out=g_h)
            if weight_hr is not None:
                torch.bmm(g_h, weight_hr, out=g_m)
            grad_c = grad_c_carry[:, :active]
            grad_c.addcmul_(g_m, k_m_to_c)
            torch.mul(g_m, k_o, out=g_o)
            torch.mul(k_ifg, grad_c.unsqueeze(2), out=g_ifg)
            grad_c.mul_(step_f)
            torch.bmm(g_gates, w_hh, out=grad_h_carry[:, :active])

        needs = ctx.needs_input_grad
        grad_rows = None
        if needs[0]:
            grad_rows = _by_row(torch.bmm(grad_gates, w_ih), reverse_rows, concatenate=False)
        grad_w_ih = _to_pytorch_order(grad_gates.transpose(1, 2) @ inputs)
        h_prev = torch.cat([h_0, output], dim=1).index_select(1, previous_rows)
        grad_w_hh = _to_pytorch_order(grad_gates.transpose(1, 2) @ h_prev)
        grad_bias = _to_pytorch_order(grad_gates.sum(1)) if ctx.has_bias else [None] * directions
        grad_w_hr = [None] * directions
        if weight_hr is not None:
            grad_w_hr = grad_h.transpose(1, 2) @ unprojected
        grad_parameters = []
        for d in range(directions):
            # One tensor per parameter: .grad tensors sharing storage would double-count
            # when a later backward accumulates into them.
            bias_hh = None if grad_bias[d] is None else grad_bias[d].clone()
            grad_parameters += [grad_w_ih[d], grad_w_hh[d], grad_bias[d], bias_hh, grad_w_hr[d]]
        return grad_rows, grad_h_carry, grad_c_carry, None, *grad_parameters
