"""The readable recurrence: one call of :func:`lstm_cell_step` per time step, plain autograd.

This is the path to read and to teach from; the tests check it, and the fast path
(:mod:`lstmlab.nn.fused`) against ``torch.nn.LSTM`` in exactly the same way.
"""

from __future__ import annotations

import torch
from torch import Tensor

from lstmlab.nn.cell import LayerWeights, LSTMGates, lstm_cell_step
from lstmlab.nn.sequence import step_offsets


def reference_layer(
    rows: Tensor,
    batch_sizes: tuple[int, ...],
    h_0: Tensor,
    c_0: Tensor,
    weights: LayerWeights,
    reverse: bool,
) -> tuple[LSTMGates, Tensor, Tensor]:
    """Run one layer in one direction over time-major rows, step by step.

    Args:
        rows: ``(N, layer_input_size)`` time-major rows (see :mod:`lstmlab.nn.sequence`).
        batch_sizes: rows at each time step.
        h_0: ``(B, proj_size or hidden_size)`` initial hidden state, ``B = batch_sizes[0]``.
        c_0: ``(B, hidden_size)`` initial cell state.
        weights: this layer and direction's parameters.
        reverse: process time steps from last to first (the ``_reverse`` direction).

    Returns:
        ``(gates, h_n, c_n)``: every gate and state for every row, as ``(N, ·)`` time-major rows
        (``gates.h`` is the layer's output), and the final states, ``(B, ·)``.
    """
    offsets = step_offsets(batch_sizes)
    steps = range(len(batch_sizes) - 1, -1, -1) if reverse else range(len(batch_sizes))
    h, c = h_0, c_0
    gates_at: dict[int, LSTMGates] = {}
    for t in steps:
        # Only the first batch_sizes[t] sequences are still running (packed input). The other
        # rows keep their state: finished sequences their final one, and, when reversed,
        # sequences that have not started yet their initial one.
        active = batch_sizes[t]
        x_t = rows[offsets[t] : offsets[t + 1]]
        step = lstm_cell_step(x_t, h[:active], c[:active], weights)
        h = torch.cat([step.h, h[active:]])
        c = torch.cat([step.c, c[active:]])
        gates_at[t] = step
    in_time_order = [gates_at[t] for t in range(len(batch_sizes))]
    gates = LSTMGates(*(torch.cat(per_step) for per_step in zip(*in_time_order, strict=True)))
    return gates, h, c


def reference_directions(
    rows: Tensor,
    batch_sizes: tuple[int, ...],
    h_0: Tensor,
    c_0: Tensor,
    weights: list[LayerWeights],
) -> tuple[Tensor, Tensor, Tensor]:
    """All directions of one layer, step by step: what the fast path computes, in plain autograd.

    Arguments and results as :func:`lstmlab.nn.fused.fused_layer`: ``rows`` ``(N, I)``,
    ``h_0`` ``(D, B, P)``, ``c_0`` ``(D, B, H)``, one :class:`LayerWeights` per direction
    (forward first); returns ``(output (N, D*P), h_n (D, B, P), c_n (D, B, H))``. The fast
    path's backward runs this (and differentiates it) when a differentiable gradient is asked for.
    """
    outputs, h_n, c_n = [], [], []
    for direction, direction_weights in enumerate(weights):
        gates, h, c = reference_layer(
            rows, batch_sizes, h_0[direction], c_0[direction], direction_weights, direction == 1
        )
        outputs.append(gates.h)
        h_n.append(h)
        c_n.append(c)
    return torch.cat(outputs, dim=1), torch.stack(h_n), torch.stack(c_n)


def needs_differentiable_backward(grads: tuple[Tensor, ...]) -> bool:
    """Whether a backward pass running now, given ``grads``, must be differentiable or batchable.

    True when its graph is recorded (``create_graph=True``, which runs the backward with grad
    mode on), under a functorch transform (``vmap``, ``grad``), or when the incoming gradients
    are batched (``gradcheck``'s batched-gradient check vmaps over the backward): the fast
    path's in-place, compiled backward is neither differentiable nor batchable, so it hands
    over to :func:`reference_backward` rather than give a wrong second derivative.
    """
    if torch.is_grad_enabled() or torch._C._are_functorch_transforms_active():
        return True
    functorch = torch._C._functorch
    return any(
        functorch.is_batchedtensor(g) or functorch.is_legacy_batchedtensor(g)
        for g in grads
        if g is not None
    )


def reference_backward(
    batch_sizes: tuple[int, ...],
    inputs: list[Tensor | None],
    needs: list[bool],
    grads: tuple[Tensor, Tensor, Tensor],
) -> list[Tensor | None]:
    """The fast path's gradients, recomputed through :func:`reference_directions`.

    Args:
        batch_sizes: rows at each time step.
        inputs: ``[rows, h_0, c_0, *parameters]`` as the fast path received them (parameters:
            each direction's :class:`LayerWeights`, flattened; None where absent).
        needs: which of ``inputs`` want a gradient.
        grads: the gradients of ``(output, h_n, c_n)``.

    Returns:
        One gradient (or None) per input. With grad mode on (``create_graph=True``) the
        gradients are functions of ``inputs`` and ``grads``, so they can be differentiated again.
    """
    create_graph = torch.is_grad_enabled()
    with torch.enable_grad():
        if create_graph:  # differentiate through the inputs themselves: keeps the graph
            leaves = list(inputs)
        else:
            leaves = [
                None if t is None else t.detach().requires_grad_(need)
                for t, need in zip(inputs, needs, strict=True)
            ]
        rows, h_0, c_0, *parameters = leaves
        weights = [LayerWeights(*parameters[k : k + 5]) for k in range(0, len(parameters), 5)]
        outputs = reference_directions(rows, batch_sizes, h_0, c_0, weights)
        wanted = [t for t, need in zip(leaves, needs, strict=True) if need and t is not None]
        computed = torch.autograd.grad(
            outputs, wanted, grads, create_graph=create_graph, allow_unused=True
        )
    results = iter(
        torch.zeros_like(t) if g is None else g for g, t in zip(computed, wanted, strict=True)
    )
    return [
        next(results) if need and t is not None else None
        for t, need in zip(leaves, needs, strict=True)
    ]
