"""lstmlab.models: the task models. They take tensors only (no dependency on lstmlab.data).

- :mod:`~lstmlab.models.classifier`     TextClassifier (IMDb), with padding-safe poolings
- :mod:`~lstmlab.models.tagger`        SequenceTagger (POS), softmax or CRF head
- :mod:`~lstmlab.models.crf`           linear-chain CRF: likelihood, log-partition, Viterbi
- :mod:`~lstmlab.models.char_encoder`  char-CNN / char-BiLSTM word features
- :mod:`~lstmlab.models.features`      casing classes of words
- :mod:`~lstmlab.models.backend`       torch.nn.LSTM or lstmlab.nn.LSTM, run over packed batches
- :mod:`~lstmlab.models.dropout`       locked (variational) dropout over time
"""
