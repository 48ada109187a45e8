"""Run a trained model's LSTM through the transparent :class:`lstmlab.nn.LSTM` and keep every gate.

A run's model holds a ``torch.nn.LSTM`` (or an :class:`lstmlab.nn.LSTM`) as ``model.lstm``.
:func:`transparent_copy` gives an :class:`lstmlab.nn.LSTM` with the same weights, whose
:meth:`~lstmlab.nn.LSTM.forward_with_gates` returns i, f, g, o, c and h of every layer and
direction; its output equals the trained model's LSTM output (the tests check it).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from lstmlab.errors import ConfigError
from lstmlab.nn import LSTM, LSTMGates

DIRECTIONS = {"fwd": "", "bwd": "_reverse"}  # --direction name -> parameter-name suffix
GATE_NAMES = LSTMGates._fields  # ("i", "f", "g", "o", "c", "h")


def transparent_copy(lstm: nn.Module) -> LSTM:
    """An :class:`lstmlab.nn.LSTM` in eval mode with ``lstm``'s weights (``lstm`` is untouched).

    Raises ConfigError for any other recurrent layer (a GRU has no cell state or LSTM gates).
    """
    if not isinstance(lstm, nn.LSTM | LSTM):
        raise ConfigError(
            f"this run's model uses a {type(lstm).__name__}, not an LSTM: "
            "there are no LSTM gates to show"
        )
    copy = LSTM.from_torch(lstm.to_torch() if isinstance(lstm, LSTM) else lstm)
    return copy.eval()


@dataclass
class Trace:
    """Every gate of every layer and direction for one token sequence.

    ``gates["l{k}"]`` (forward) and ``gates["l{k}_reverse"]`` (backward) hold
    :class:`LSTMGates` whose tensors are ``(T, hidden_size)``; ``output`` is the last
    layer's output ``(T, D * hidden_size)``.
    """

    tokens: list[str]
    gates: dict[str, LSTMGates]
    output: Tensor

    @property
    def num_layers(self) -> int:
        return sum(1 for key in self.gates if not key.endswith("_reverse"))

    @property
    def directions(self) -> list[str]:
        return ["fwd", "bwd"] if "l0_reverse" in self.gates else ["fwd"]

    def select(self, layer: int, direction: str) -> LSTMGates:
        """The gates of one layer (0-based) and direction ("fwd" or "bwd"), each ``(T, H)``."""
        return self.gates[layer_key(layer, direction, self.num_layers, self.directions)]


def layer_key(layer: int, direction: str, num_layers: int, directions: list[str]) -> str:
    """``"l{layer}"`` or ``"l{layer}_reverse"``, checked; ConfigError names what exists."""
    if not 0 <= layer < num_layers:
        raise ConfigError(f"layer {layer} does not exist: the LSTM has layers 0..{num_layers - 1}")
    if direction not in directions:
        raise ConfigError(
            f"direction {direction!r} does not exist: this LSTM has {', '.join(directions)}"
        )
    return f"l{layer}{DIRECTIONS[direction]}"


@torch.no_grad()
def trace_inputs(lstm: LSTM, inputs: Tensor, tokens: list[str]) -> Trace:
    """Gates of ``lstm`` (batch-first) over one sequence ``inputs`` ``(1, T, F)``."""
    output, _, gates = lstm.forward_with_gates(inputs)
    return Trace(
        tokens, {key: LSTMGates(*(t[0] for t in g)) for key, g in gates.items()}, output[0]
    )


@torch.no_grad()
def batch_gates(lstm: LSTM, inputs: Tensor, lengths: Tensor) -> dict[str, LSTMGates]:
    """Gates for a right-padded batch: ``(B, T, F)``, ``(B,)`` -> tensors ``(B, T, H)``.

    The batch is packed, so no state ever reads padding; padded steps hold zeros.
    """
    packed = pack_padded_sequence(inputs, lengths.cpu(), batch_first=True, enforce_sorted=False)
    _, _, gates = lstm.forward_with_gates(packed)
    steps = inputs.size(1)
    return {
        key: LSTMGates(
            *(pad_packed_sequence(t, batch_first=True, total_length=steps)[0] for t in g)
        )
        for key, g in gates.items()
    }
