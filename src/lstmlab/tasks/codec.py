"""What every task's codec shares (imports no torch): the encoded form of one text, and
padding a batch of them into the model graph's numpy inputs.

A codec (``tasks/<name>/codec.py``) is built from a run's ``[data]`` settings and its
vocabularies, and is the one place where text becomes ids and features and where model
outputs become labels, tags or words: training, ``lstmlab predict``, ``explain``, ``serve``
and the ONNX runtime all use it. Its methods:

- ``encode(text) -> Encoded``: tokens as shown, and the features (``ids`` and others)
  as lists;
- ``pad(items) -> {name: array}``: a right-padded batch, the graph's inputs (``ids``
  ``[B, T]``, ``lengths`` ``[B]``, ...);
- ``unpad(output, row, item)``: one item's part of the graph's output (a ``[C]`` row of
  logits, the ``[T, K]`` emissions of its real tokens);
- whatever turns those into answers (``label``, ``tags``, ``words``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Encoded:
    """One text as a model reads it: display ``tokens``, its ``features`` (each a list per
    token, or nested lists), and how many tokens the run's length limit ``dropped``."""

    tokens: list[str]
    features: dict[str, Any] = field(default_factory=dict)
    dropped: int = 0

    def __len__(self) -> int:
        return len(self.tokens)


def pad_ids(sequences: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Right-padded ids ``[B, T_max]`` (pad 0) and lengths ``[B]``, int64."""
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    ids = np.zeros((len(sequences), int(lengths.max()) if len(sequences) else 0), dtype=np.int64)
    for row, sequence in enumerate(sequences):
        ids[row, : len(sequence)] = sequence
    return ids, lengths


def softmax(logits: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, in float64."""
    logits = np.asarray(logits, dtype=np.float64)
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)
