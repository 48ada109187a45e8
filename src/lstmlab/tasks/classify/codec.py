"""Texts -> token ids; logits -> labels and probabilities (imports no torch).

Single-label runs read the logits through a softmax (one label, the most probable);
multi-label runs through a sigmoid per label (every label whose probability reaches the
run's ``data.threshold``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lstmlab.data.tokenize import get_tokenizer
from lstmlab.data.truncation import as_read
from lstmlab.data.vocab import Vocab
from lstmlab.errors import CheckpointError
from lstmlab.runtime.checks import RuntimeTask, check_tokenizing
from lstmlab.tasks.codec import Encoded, pad_ids, softmax


def sigmoid(logits: np.ndarray) -> np.ndarray:
    """Elementwise logistic function, in float64, without overflow."""
    logits = np.asarray(logits, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -logits))


class TextCodec:
    """A classification run's tokenizer, vocabulary, truncation and labels.

    Args:
        data: the run's ``[data]`` settings (``tokenizer``, ``max_len``, ``truncate``,
            ``reverse``, ``multi_label``, ``threshold``).
        vocabs: ``vocab`` (the words) and ``classes`` (``{"tokens": [...]}``, the class
            names in id order).
    """

    # The graph, for the runtime's checks of a bundle: ids [B, T], lengths [B] -> [B, C],
    # one score per class (the ``classes`` vocabulary's tokens).
    runtime = RuntimeTask({"ids": 2, "lengths": 1}, ("vocab", "classes"), 2, "classes")

    @staticmethod
    def check_preprocess(where: str, pre: dict[str, Any]) -> None:
        check_tokenizing(where, pre)
        if not isinstance(pre.get("multi_label", False), bool):
            raise CheckpointError(f"{where}: preprocess.multi_label must be true or false")
        threshold = pre.get("threshold", 0.5)
        if isinstance(threshold, bool) or not isinstance(threshold, int | float):
            raise CheckpointError(f"{where}: preprocess.threshold must be a number")
        if not 0 < threshold < 1:
            raise CheckpointError(f"{where}: preprocess.threshold must be in (0, 1)")

    def __init__(self, data: Any, vocabs: dict[str, Any]) -> None:
        self.vocab = Vocab.from_dict(vocabs["vocab"])
        self.labels: list[str] = list(vocabs["classes"]["tokens"])
        self.tokenize = get_tokenizer(data.tokenizer)
        self.max_len = data.max_len or None
        self.truncate_mode = data.truncate
        self.reverse: bool = data.reverse
        self.multi_label = bool(data.multi_label)
        self.threshold = float(data.threshold)

    def as_read(self, ids: Any) -> Any:
        """``ids`` ``[T]`` as the model reads them: cut to the run's ``data.max_len`` and,
        with ``data.reverse``, the kept ones reversed (a list or a 1-d tensor, as given)."""
        return as_read(ids, self.max_len, self.truncate_mode, self.reverse)

    def encode(self, text: str) -> Encoded:
        """The text's kept tokens and ``ids``, in the order the model reads them; an empty
        text reads as one ``<unk>``."""
        tokens = self.tokenize(text) or [self.vocab.tokens[self.vocab.unk_index]]
        kept = self.as_read(list(range(len(tokens))))
        shown = [tokens[i] for i in kept]
        return Encoded(shown, {"ids": self.vocab.encode(shown)}, len(tokens) - len(kept))

    def target(self, labels: tuple[str, ...]) -> int | list[float]:
        """The training target of an example's labels: a class id, or a 0/1 row [C]."""
        if not self.multi_label:
            return self.labels.index(labels[0])
        row = [0.0] * len(self.labels)
        for label in labels:
            row[self.labels.index(label)] = 1.0
        return row

    def pad(self, items: list[Encoded]) -> dict[str, np.ndarray]:
        """``ids`` ``[B, T]`` and ``lengths`` ``[B]``."""
        ids, lengths = pad_ids([item.features["ids"] for item in items])
        return {"ids": ids, "lengths": lengths}

    def unpad(self, output: np.ndarray, row: int, item: Encoded) -> np.ndarray:
        """The item's logits ``[C]``."""
        return output[row]

    def probabilities(self, logits: np.ndarray) -> np.ndarray:
        """Class probabilities: softmax (single-label) or a sigmoid per label."""
        return sigmoid(logits) if self.multi_label else softmax(logits)

    def decide(self, probabilities: np.ndarray) -> np.ndarray:
        """Predicted class ids ``[N]``, or a 0/1 matrix ``[N, C]`` (multi-label)."""
        probabilities = np.asarray(probabilities)
        if self.multi_label:
            return (probabilities >= self.threshold).astype(np.int64)
        return probabilities.argmax(axis=-1)

    def answer(self, text: str, probabilities: np.ndarray) -> dict[str, Any]:
        """What ``predict`` returns for one text, from its probabilities ``[C]``.

        Single-label: ``{"text", "label", "probability", "probabilities"}``; multi-label:
        ``{"text", "labels", "probabilities"}`` (``probabilities``: label -> p).
        """
        by_label = {label: float(p) for label, p in zip(self.labels, probabilities, strict=True)}
        if self.multi_label:
            chosen = [label for label, p in by_label.items() if p >= self.threshold]
            return {"text": text, "labels": chosen, "probabilities": by_label}
        best = int(np.argmax(probabilities))
        return {
            "text": text,
            "label": self.labels[best],
            "probability": float(probabilities[best]),
            "probabilities": by_label,
        }
