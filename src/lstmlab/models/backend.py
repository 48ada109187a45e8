"""Which LSTM implementation a model uses, and how models run it over padded batches.

Two interchangeable backends share torch.nn.LSTM's interface:

- ``"torch"``:   :class:`torch.nn.LSTM` (cuDNN on GPU; the fast default)
- ``"lstmlab"``: :class:`lstmlab.nn.LSTM`, the transparent re-implementation

Models always use ``batch_first=True`` and feed packed sequences, so the LSTM
never reads padding.
"""

from __future__ import annotations

from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

BACKENDS = ("torch", "lstmlab")


def make_lstm(backend: str, **lstm_kwargs) -> nn.Module:
    """Build an LSTM of the named backend; ``lstm_kwargs`` are torch.nn.LSTM's arguments."""
    if backend == "torch":
        return nn.LSTM(**lstm_kwargs)
    if backend == "lstmlab":
        # Imported here so the models do not depend on lstmlab.nn unless asked to.
        from lstmlab.nn import LSTM

        return LSTM(**lstm_kwargs)
    raise ValueError(f"unknown LSTM backend {backend!r}; choose one of {', '.join(BACKENDS)}")


def run_packed(
    lstm: nn.Module, inputs: Tensor, lengths: Tensor
) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """Run a batch-first LSTM over right-padded inputs without reading the padding.

    Args:
        lstm: an LSTM built with ``batch_first=True``.
        inputs: [B, T, input_size], right-padded.
        lengths: [B] true lengths (>= 1), on any device.

    Returns:
        output: [B, T, D * hidden_size], zeros at padded steps (D = 2 if bidirectional).
        (h_n, c_n): each [num_layers * D, B, hidden_size], in the input's batch order:
        the forward direction's state after each sequence's true last step, the
        backward direction's after step 0.
    """
    # pack_padded_sequence wants lengths as an int64 CPU tensor.
    packed = pack_padded_sequence(inputs, lengths.cpu(), batch_first=True, enforce_sorted=False)
    packed_output, state = lstm(packed)
    output, _ = pad_packed_sequence(packed_output, batch_first=True, total_length=inputs.size(1))
    return output, state
