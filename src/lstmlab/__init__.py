"""lstmlab: LSTMs made understandable and useful.

The package is laid out by architecture:

- ``lstmlab.nn``        the transparent LSTM (imports nothing from the rest)
- ``lstmlab.data``      data sets, readers, tokenizers, vocabulary, batching
- ``lstmlab.models``    sentiment classifier, sequence tagger, CRF
- ``lstmlab.training``  the one trainer shared by both tasks, checkpoints, plots
- ``lstmlab.tasks``     the two tasks (data + model + metrics) the trainer runs
- ``lstmlab.cli``       the ``lstmlab`` command line

For notebooks: ``lstmlab.train(...)`` and ``lstmlab.load(run_dir)`` (see ``lstmlab.api``).
"""

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "load", "train"]


def __getattr__(name: str) -> Any:
    # Imported on first use: ``import lstmlab`` stays light, and lstmlab.nn stays standalone.
    if name in ("train", "load"):
        from lstmlab import api

        return getattr(api, name)
    raise AttributeError(f"module 'lstmlab' has no attribute {name!r}")
