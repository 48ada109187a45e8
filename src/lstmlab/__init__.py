"""lstmlab: LSTMs made understandable and useful.

The package is laid out by architecture:

- ``lstmlab.nn``        the transparent LSTM (imports nothing from the rest)
- ``lstmlab.data``      data sets, readers, tokenizers, vocabulary, batching
- ``lstmlab.models``    sentiment classifier, sequence tagger, language model, CRF
- ``lstmlab.training``  the one trainer shared by every task, checkpoints, plots
- ``lstmlab.tasks``     the task registry and one package per task (sentiment, pos, lm ...)
- ``lstmlab.inspect``, ``lstmlab.serve``, ``lstmlab.export``, ``lstmlab.runtime``
                        looking inside runs, the web page, bundles, ONNX without torch
- ``lstmlab.cli``       the ``lstmlab`` command line

For notebooks: ``lstmlab.train(...)`` and ``lstmlab.load(run_dir)`` (see ``lstmlab.api``).
"""

from typing import Any

from lstmlab.version import __version__

__all__ = ["__version__", "load", "train"]


def __getattr__(name: str) -> Any:
    # Imported on first use: ``import lstmlab`` stays light, and lstmlab.nn stays standalone.
    if name in ("train", "load"):
        from lstmlab import api

        return getattr(api, name)
    raise AttributeError(f"module 'lstmlab' has no attribute {name!r}")
