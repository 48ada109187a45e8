"""lstmlab: LSTMs made understandable and useful.

The package is laid out by architecture:

- ``lstmlab.nn``        the transparent LSTM (imports nothing from the rest)
- ``lstmlab.data``      data sets, readers, tokenizers, vocabulary, batching
- ``lstmlab.models``    sentiment classifier, sequence tagger, CRF
- ``lstmlab.training``  the one trainer shared by both tasks, checkpoints, plots
- ``lstmlab.cli``       the ``lstmlab`` command line
"""

__version__ = "0.1.0"
