"""Which recurrent cell a model uses, and how models run it over padded batches.

Three cells, chosen by name (``model.cell``), share torch.nn.LSTM's interface:

- ``"lstm"``:    :class:`torch.nn.LSTM` (oneDNN on CPU, cuDNN on GPU; the fast default)
- ``"gru"``:     :class:`torch.nn.GRU`
- ``"lstmlab"``: :class:`lstmlab.nn.LSTM`, the transparent LSTM: the same weights as
  ``"lstm"`` (same parameter names), and every gate can be inspected

DropConnect on the recurrent weights (``model.weight_drop``, AWD-LSTM's weight-dropped
LSTM, Merity et al. 2018) works with both LSTM cells: :class:`lstmlab.nn.LSTM` owns its
weights and drops them itself (its ``weight_drop`` attribute); for torch's cell,
:class:`DropConnectLSTM` does what AWD-LSTM's ``WeightDrop`` wrapper does (a fresh mask over
``weight_hh_l*`` at each forward call in training, the fused kernel run with the dropped
weights) while keeping torch's parameter names, so checkpoints move between the two. It is
refused for the GRU. With ``weight_drop = 0`` the plain classes are built: today's numerics.

Models always use ``batch_first=True`` and run the cell through :func:`run_lstm`, so
it never reads padding and every cell gives the same shapes: the final hidden state
``h_n`` is [num_layers * D, B, H] (a GRU has no cell state; an LSTM's ``c_n`` is dropped).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from lstmlab.models.config import CELLS


def make_rnn(cell: str, weight_drop: float = 0.0, **rnn_kwargs) -> nn.Module:
    """Build a recurrent layer stack of the named cell; ``rnn_kwargs`` are torch.nn.LSTM's.

    ``weight_drop``: DropConnect probability on the hidden-to-hidden weights (LSTM cells).
    """
    if cell not in CELLS:
        raise ValueError(f"unknown recurrent cell {cell!r}; choose one of {', '.join(CELLS)}")
    # model.weight_drop's range is checked once, by the config; a GRU asked for DropConnect
    # is refused here too, since it would otherwise quietly train without it.
    if weight_drop > 0 and cell == "gru":
        raise ValueError("weight_drop (DropConnect) is for the LSTM cells, not the GRU")
    if cell == "lstm":
        if weight_drop > 0:
            return DropConnectLSTM(weight_drop, **rnn_kwargs)
        return nn.LSTM(**rnn_kwargs)
    if cell == "gru":
        return nn.GRU(**rnn_kwargs)
    # Imported here so the models do not depend on lstmlab.nn unless asked to.
    from lstmlab.nn import LSTM

    lstm = LSTM(**rnn_kwargs)
    lstm.weight_drop = float(weight_drop)
    return lstm


class DropConnectLSTM(nn.LSTM):
    """``torch.nn.LSTM`` with DropConnect on ``weight_hh_l*`` in training (AWD-LSTM).

    The parameters (names, shapes) are ``torch.nn.LSTM``'s. In training, each forward call
    runs torch's kernel with :meth:`dropped_weight`: one fresh dropout mask per
    ``weight_hh_l*``, the kept weights scaled by ``1 / (1 - weight_drop)``, held for every
    time step of the call; gradients reach the parameters through the mask. In eval mode
    it is exactly ``torch.nn.LSTM``. On a GPU the dropped weights are not one flattened
    cuDNN buffer, so cuDNN copies them each call (AWD-LSTM paid the same).
    """

    def __init__(self, weight_drop: float, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.weight_drop = float(weight_drop)

    def dropped_weight(self, name: str) -> Tensor:
        """The parameter ``name`` for this forward call: dropped if a ``weight_hh`` in training."""
        weight = getattr(self, name)
        if name.startswith("weight_hh") and self.training and self.weight_drop > 0:
            return F.dropout(weight, self.weight_drop, training=True)
        return weight

    def forward(self, input, hx=None):
        if not (self.training and self.weight_drop > 0):
            return super().forward(input, hx)
        self._update_flat_weights()
        # torch's forward reads self._flat_weights; swap in this call's dropped weights and
        # put the parameters back afterwards (they stay the module's parameters throughout).
        kept = self._flat_weights
        self._flat_weights = [self.dropped_weight(name) for name in self._flat_weights_names]
        try:
            return super().forward(input, hx)
        finally:
            self._flat_weights = kept

    def to_torch(self) -> nn.LSTM:
        """A plain ``torch.nn.LSTM`` with these weights and mode (what eval mode computes)."""
        plain = nn.LSTM(
            self.input_size,
            self.hidden_size,
            num_layers=self.num_layers,
            bias=self.bias,
            batch_first=self.batch_first,
            dropout=self.dropout,
            bidirectional=self.bidirectional,
            proj_size=self.proj_size,
            device=self.weight_ih_l0.device,
            dtype=self.weight_ih_l0.dtype,
        )
        plain.load_state_dict(self.state_dict())
        return plain.train(self.training)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", weight_drop={self.weight_drop}"


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
    if (
        type(lstm) in (nn.LSTM, DropConnectLSTM)
        and inputs.device.type == "cpu"
        and not lstm.proj_size
    ):
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
    """One layer, one direction of ``lstm`` (weights ``*_{name}``) over [B, T, F] from zeros.

    Called once per layer and direction in a forward pass, so a :class:`DropConnectLSTM`'s
    mask is drawn once for all the steps.
    """
    if isinstance(lstm, DropConnectLSTM):
        weights = [getattr(lstm, f"weight_ih_{name}"), lstm.dropped_weight(f"weight_hh_{name}")]
    else:
        weights = [getattr(lstm, f"weight_ih_{name}"), getattr(lstm, f"weight_hh_{name}")]
    if lstm.bias:
        weights += [getattr(lstm, f"bias_ih_{name}"), getattr(lstm, f"bias_hh_{name}")]
    zeros = x.new_zeros(1, x.size(0), lstm.hidden_size)
    # The same fused kernel nn.LSTM.forward calls, here for one layer and one direction.
    output, _, _ = torch._VF.lstm(
        x, (zeros, zeros), weights, lstm.bias, 1, 0.0, lstm.training, False, True
    )
    return output
