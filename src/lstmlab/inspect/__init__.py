"""Look inside a trained run: its LSTM's gates on a text, the most active units, heatmaps,
per-word evidence for sentiment predictions, and an LSTMVis-style unit search.

- :mod:`lstmlab.inspect.trace`     run a model's LSTM through :class:`lstmlab.nn.LSTM`
- :mod:`lstmlab.inspect.tasks`     the inspector base; each task package has its own
- :mod:`lstmlab.inspect.units`     per-token top-K units; where a unit is most active
- :mod:`lstmlab.inspect.evidence`  leave-one-out occlusion evidence and its faithfulness check
- :mod:`lstmlab.inspect.heatmap`   heatmap PNGs readable at any hidden size
"""

from lstmlab.inspect.tasks import Encoded, Inspector, inspector_for
from lstmlab.inspect.trace import Trace, transparent_copy

__all__ = ["Encoded", "Inspector", "Trace", "inspector_for", "transparent_copy"]
