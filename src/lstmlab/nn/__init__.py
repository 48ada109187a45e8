"""A transparent LSTM in plain PyTorch, drop-in compatible with ``torch.nn.LSTM``.

This package imports nothing from the rest of lstmlab, only torch and the standard library.
"""

from __future__ import annotations

from lstmlab.nn.cell import LayerWeights, LSTMCell, LSTMGates, lstm_cell_step
from lstmlab.nn.lstm import LSTM

__all__ = ["LSTM", "LSTMCell", "LSTMGates", "LayerWeights", "lstm_cell_step"]
