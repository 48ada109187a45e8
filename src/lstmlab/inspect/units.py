"""Which units are active where: per-token top-K units, and an LSTMVis-style unit search.

"Most active" at a token means the largest ``|h_t|`` (what the rest of the model reads).
The unit search ranks the tokens of a sample of the run's validation data by the *value*
of one gate or state of one unit (highest first), as LSTMVis selects cells whose value is
high, and returns each with a few tokens of context.
"""

from __future__ import annotations

import threading
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from lstmlab.confine import confined
from lstmlab.inspect.tasks import Encoded, Inspector, sample
from lstmlab.inspect.trace import GATE_NAMES, layer_key
from lstmlab.nn import LSTMGates

SAMPLE_EXAMPLES = 300  # validation examples searched
SAMPLE_TOKENS = 30_000  # ... and at most about this many tokens
TOP_MATCHES = 10  # tokens listed per unit
CONTEXT = 5  # tokens of context on each side


def top_units(gates: LSTMGates, k: int) -> list[list[dict[str, Any]]]:
    """Per token, the k units with the largest ``|h_t|``, with all their gates.

    Args:
        gates: tensors ``(T, H)``.

    Returns:
        ``T`` lists of ``min(k, H)`` dicts ``{"unit", "i", "f", "g", "o", "c", "h"}``.
    """
    k = min(k, gates.h.size(1))
    order = gates.h.abs().topk(k, dim=1).indices  # (T, k)
    return [
        [
            {
                "unit": int(unit),
                **{name: float(getattr(gates, name)[t, unit]) for name in GATE_NAMES},
            }
            for unit in order[t]
        ]
        for t in range(gates.h.size(0))
    ]


@dataclass
class Match:
    """One token where a unit is highly active, in its context."""

    value: float
    example: int
    position: int
    left: list[str]
    token: str
    right: list[str]


class UnitIndex:
    """Top activations of every unit, gate/state, layer and direction on a validation sample.

    Built once (``build``) from the inspector's validation examples; then ``search`` is a
    lookup. Only the indices of the top tokens are kept, not the activations.
    """

    def __init__(self, inspector: Inspector, examples: list[Encoded]) -> None:
        self.inspector = inspector
        self.examples = examples
        self.top: dict[tuple[str, str], tuple[Tensor, Tensor]] = {}  # (key, gate) -> values, idx
        self._build()

    @classmethod
    def build(cls, inspector: Inspector, data_dir: str | None = None) -> UnitIndex:
        examples = sample(inspector.validation_examples(data_dir), SAMPLE_EXAMPLES, SAMPLE_TOKENS)
        return cls(inspector, examples)

    @torch.no_grad()
    def _build(self) -> None:
        if not self.examples:
            return
        gates, lengths = self.inspector.batch_trace(self.examples)
        steps = int(lengths.max())
        real = (torch.arange(steps) < lengths[:, None]).reshape(-1)  # (B*T,)
        for key, layer_gates in gates.items():
            for name in GATE_NAMES:
                values = getattr(layer_gates, name).reshape(-1, layer_gates.h.size(-1))
                values = values.masked_fill(~real[:, None], float("-inf"))  # (B*T, H)
                top = values.topk(min(TOP_MATCHES, int(real.sum())), dim=0)
                self.top[(key, name)] = (top.values.T.clone(), top.indices.T.clone())  # (H, n)
        self._steps = steps

    def search(self, layer: int, direction: str, gate: str, unit: int) -> list[Match]:
        """The validation tokens where ``unit``'s ``gate`` is highest, best first."""
        from lstmlab.errors import ConfigError

        inspector = self.inspector
        key = layer_key(layer, direction, inspector.num_layers, inspector.directions)
        if gate not in GATE_NAMES:
            raise ConfigError(f"gate must be one of {', '.join(GATE_NAMES)}, got {gate!r}")
        if not 0 <= unit < inspector.hidden_size:
            raise ConfigError(
                f"unit {unit} does not exist: the LSTM has units 0..{inspector.hidden_size - 1}"
            )
        if not self.examples:
            return []
        values, flat = self.top[(key, gate)]
        matches = []
        for value, index in zip(values[unit].tolist(), flat[unit].tolist(), strict=True):
            example, position = divmod(index, self._steps)
            tokens = self.examples[example].tokens
            matches.append(
                Match(
                    round(value, 5),
                    example,
                    position,
                    tokens[max(0, position - CONTEXT) : position],
                    tokens[position],
                    tokens[position + 1 : position + 1 + CONTEXT],
                )
            )
        return matches


class LazyUnitIndex:
    """A :class:`UnitIndex` built on first use (thread-safe); errors are kept and re-raised.

    ``roots``: when given, building it may open files only under these folders (see
    :func:`lstmlab.confine.confined`): the paths a run's config names are not trusted.
    The paths it was refused are kept in ``refused``.
    """

    def __init__(
        self,
        inspector: Inspector,
        data_dir: str | None = None,
        roots: list[Path] | None = None,
    ) -> None:
        self.inspector = inspector
        self.data_dir = data_dir
        self.roots = roots
        self.refused: list[str] = []
        self._lock = threading.Lock()
        self._index: UnitIndex | None = None
        self._error: Exception | None = None

    def get(self) -> UnitIndex:
        with self._lock:
            if self._error is not None:
                raise self._error
            if self._index is None:
                guard = confined(self.roots) if self.roots is not None else nullcontext()
                confinement = None
                try:
                    with guard as confinement:
                        self._index = UnitIndex.build(self.inspector, self.data_dir)
                except Exception as error:
                    self.refused = list(getattr(confinement, "refused", []))
                    self._error = error
                    raise
            return self._index
