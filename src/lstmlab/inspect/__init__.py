"""Look inside a trained run: its LSTM's gates on a text, the most active units, heatmaps,
per-word evidence for sentiment predictions, and an LSTMVis-style unit search.

- :mod:`lstmlab.inspect.trace`     run a model's LSTM through :class:`lstmlab.nn.LSTM`
- :mod:`lstmlab.inspect.tasks`     the inspector base; each task package has its own
- :mod:`lstmlab.inspect.units`     per-token top-K units; where a unit is most active
- :mod:`lstmlab.inspect.evidence`  leave-one-out occlusion evidence and its faithfulness check
- :mod:`lstmlab.inspect.heatmap`   heatmap PNGs readable at any hidden size
- :mod:`lstmlab.inspect.limits`    the sizes the inspection refuses beyond (no torch)
"""

from __future__ import annotations

import importlib
from typing import Any

# name: the module it lives in, imported on first use (they import torch, which the
# command line's help texts, reading lstmlab.inspect.limits, must not wait for).
_LAZY = {
    "Encoded": "lstmlab.inspect.tasks",
    "Inspector": "lstmlab.inspect.tasks",
    "inspector_for": "lstmlab.inspect.tasks",
    "Trace": "lstmlab.inspect.trace",
    "transparent_copy": "lstmlab.inspect.trace",
}

__all__ = ["Encoded", "Inspector", "Trace", "inspector_for", "transparent_copy"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lstmlab.inspect' has no attribute {name!r}")
