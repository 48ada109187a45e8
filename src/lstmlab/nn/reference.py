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
