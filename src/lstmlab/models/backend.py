"""Which recurrent cell a model uses, and how models run it over padded batches.

Three cells, chosen by name (``model.cell``), share torch.nn.LSTM's interface:

- ``"lstm"``:    :class:`torch.nn.LSTM` (oneDNN on CPU, cuDNN on GPU; the fast default)
- ``"gru"``:     :class:`torch.nn.GRU`
- ``"lstmlab"``: :class:`lstmlab.nn.LSTM`, the transparent LSTM: the same weights as
  ``"lstm"`` (same parameter names), and every gate can be inspected

Models always use ``batch_first=True`` and run the cell through :func:`run_lstm`, so
it never reads padding and every cell gives the same shapes: the final hidden state
``h_n`` is [num_layers * D, B, H] (a GRU has no cell state; an LSTM's ``c_n`` is dropped).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

CELLS = ("lstm", "gru", "lstmlab")


def make_rnn(cell: str, **rnn_kwargs) -> nn.Module:
    """Build a recurrent layer stack of the named cell; ``rnn_kwargs`` are torch.nn.LSTM's."""
    if cell == "lstm":
        return nn.LSTM(**rnn_kwargs)
    if cell == "gru":
        return nn.GRU(**rnn_kwargs)
    if cell == "lstmlab":
        # Imported here so the models do not depend on lstmlab.nn unless asked to.
        from lstmlab.nn import LSTM

        return LSTM(**rnn_kwargs)
    raise ValueError(f"unknown recurrent cell {cell!r}; choose one of {', '.join(CELLS)}")


def final_hidden(state: Tensor | tuple[Tensor, Tensor]) -> Tensor:
    """``h_n`` of an RNN's final state: an LSTM returns (h_n, c_n), a GRU h_n alone."""
    return state[0] if isinstance(state, tuple) else state


def run_lstm(lstm: nn.Module, inputs: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
    """Run a batch-first LSTM over right-padded inputs without reading the padding.

    Args:
        lstm: an LSTM built with ``batch_first=True``.
        inputs: [B, T, input_size], right-padded.
        lengths: [B] true lengths (>= 1), on any device.

    Returns:
        output: [B, T, D * hidden_size], zeros at padded steps (D = 2 if bidirectional).
        h_n: [num_layers * D, B, hidden_size], in the input's batch order: the forward
        direction's state after each sequence's true last step, the backward direction's
        after step 0.

    ``torch.nn.LSTM`` on the CPU runs each direction separately over the padded batch (see
    :func:`run_directions_padded`): on packed input it cannot use its fused oneDNN kernel
    and was 6.5x slower here (B=64, T=300, bidirectional, forward + backward). Everywhere
    else the batch is packed.
    """
    if type(lstm) is nn.LSTM and inputs.device.type == "cpu" and lstm.proj_size == 0:
        return run_directions_padded(lstm, inputs, lengths)
    # pack_padded_sequence wants lengths as an int64 CPU tensor.
    packed = pack_padded_sequence(inputs, lengths.cpu(), batch_first=True, enforce_sorted=False)
    packed_output, state = lstm(packed)
    output, _ = pad_packed_sequence(packed_output, batch_first=True, total_length=inputs.size(1))
    return output, final_hidden(state)


def run_directions_padded(lstm: nn.LSTM, inputs: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
    """:func:`run_lstm` for ``torch.nn.LSTM`` without packing, equal to the packed result.

    Right padding comes *after* a sequence, so a forward pass over the padded batch is
    exact at every real step. The backward direction reads each sequence reversed within
    its own length (its padding then comes after it too), runs forward with the reverse
    weights, and its output is reversed back. Each layer and direction is one call of the
    fused kernel with that direction's weights.
    """
    steps = inputs.shape[1]
    lengths = lengths.to(inputs.device)
    time = torch.arange(steps, device=inputs.device)
    real = time < lengths[:, None]  # [B, T]
    # Position t of a sequence reversed within its length is position len-1-t; pads stay.
    reverse = torch.where(real, lengths[:, None] - 1 - time, time)  # [B, T], an involution
    last_step = (lengths - 1)[:, None, None]
    suffixes = ["", "_reverse"] if lstm.bidirectional else [""]
    layer_input, finals = inputs, []
    for layer in range(lstm.num_layers):
        outputs = []
        for suffix in suffixes:
            x = _gather_steps(layer_input, reverse) if suffix else layer_input
            out = _one_direction(lstm, f"l{layer}{suffix}", x)  # [B, T, H]
            finals.append(out.gather(1, last_step.expand(-1, 1, out.size(2))).squeeze(1))
            outputs.append(_gather_steps(out, reverse) if suffix else out)
        layer_input = torch.cat(outputs, dim=2)
        if layer < lstm.num_layers - 1 and lstm.dropout > 0:
            layer_input = F.dropout(layer_input, lstm.dropout, lstm.training)
    output = layer_input.masked_fill(~real[:, :, None], 0.0)  # as pad_packed_sequence gives
    return output, torch.stack(finals)


def _gather_steps(x: Tensor, index: Tensor) -> Tensor:
    """``x[b, index[b, t]]`` for every b, t: [B, T, F], [B, T] -> [B, T, F]."""
    return x.gather(1, index[:, :, None].expand(-1, -1, x.size(2)))


def _one_direction(lstm: nn.LSTM, name: str, x: Tensor) -> Tensor:
    """One layer, one direction of ``lstm`` (weights ``*_{name}``) over [B, T, F] from zeros."""
    weights = [getattr(lstm, f"weight_ih_{name}"), getattr(lstm, f"weight_hh_{name}")]
    if lstm.bias:
        weights += [getattr(lstm, f"bias_ih_{name}"), getattr(lstm, f"bias_hh_{name}")]
    zeros = x.new_zeros(1, x.size(0), lstm.hidden_size)
    # The same fused kernel nn.LSTM.forward calls, here for one layer and one direction.
    output, _, _ = torch._VF.lstm(
        x, (zeros, zeros), weights, lstm.bias, 1, 0.0, lstm.training, False, True
    )
    return output
