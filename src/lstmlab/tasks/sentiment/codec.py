"""Reviews -> token ids, logits -> label and probability (imports no torch)."""

from __future__ import annotations

from typing import Any

import numpy as np

from lstmlab.data.review_files import LABEL_NAMES
from lstmlab.data.tokenize import get_tokenizer
from lstmlab.data.truncation import as_read
from lstmlab.data.vocab import Vocab
from lstmlab.runtime.checks import RuntimeTask, check_labels, check_tokenizing
from lstmlab.tasks.codec import Encoded, pad_ids, softmax


class ReviewCodec:
    """A sentiment run's tokenizer, vocabulary, truncation and labels.

    Args:
        data: the run's ``[data]`` settings (``tokenizer``, ``max_len``, ``truncate``,
            ``reverse``).
        vocabs: the run's vocabularies (``vocab``).
    """

    # The graph, for the runtime's checks of a bundle: ids [B, T], lengths [B] -> [B, C].
    runtime = RuntimeTask({"ids": 2, "lengths": 1}, ("vocab",), 2, "labels")

    @staticmethod
    def check_preprocess(where: str, pre: dict[str, Any]) -> None:
        check_labels(where, pre.get("labels"))
        check_tokenizing(where, pre)

    def __init__(self, data: Any, vocabs: dict[str, Any]) -> None:
        self.vocab = Vocab.from_dict(vocabs["vocab"])
        self.tokenize = get_tokenizer(data.tokenizer)
        self.max_len = data.max_len or None
        self.truncate_mode = data.truncate
        self.reverse: bool = data.reverse
        self.labels = list(LABEL_NAMES)

    def as_read(self, ids: Any) -> Any:
        """``ids`` ``[T]`` as the model reads them: cut to the run's ``data.max_len`` and,
        with ``data.reverse``, the kept ones reversed (a list or a 1-d tensor, as given)."""
        return as_read(ids, self.max_len, self.truncate_mode, self.reverse)

    def encode(self, text: str) -> Encoded:
        """The review's kept tokens and ``ids``, in the order the model reads them; an
        empty review reads as one ``<unk>``."""
        tokens = self.tokenize(text) or [self.vocab.tokens[self.vocab.unk_index]]
        kept = self.as_read(list(range(len(tokens))))
        shown = [tokens[i] for i in kept]
        return Encoded(shown, {"ids": self.vocab.encode(shown)}, len(tokens) - len(kept))

    def encode_tokens(self, tokens: list[str]) -> list[int]:
        """Ids of already tokenised text, before truncation (``<unk>`` if empty)."""
        return self.vocab.encode(tokens) or [self.vocab.unk_index]

    def pad(self, items: list[Encoded]) -> dict[str, np.ndarray]:
        """``ids`` ``[B, T]`` and ``lengths`` ``[B]``."""
        ids, lengths = pad_ids([item.features["ids"] for item in items])
        return {"ids": ids, "lengths": lengths}

    def unpad(self, output: np.ndarray, row: int, item: Encoded) -> np.ndarray:
        """The item's logits ``[C]``."""
        return output[row]

    def answer(self, text: str, probabilities: np.ndarray) -> dict[str, Any]:
        """``{"text", "label", "probability", "p_pos"}`` from class probabilities ``[C]``."""
        label = int(np.argmax(probabilities))
        return {
            "text": text,
            "label": self.labels[label],
            "probability": float(probabilities[label]),
            "p_pos": float(probabilities[self.labels.index("pos")]),
        }

    @staticmethod
    def probabilities(logits: np.ndarray) -> np.ndarray:
        return softmax(logits)
