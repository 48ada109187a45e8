"""``lstmlab.load(POS run).tag(...)``, ``lstmlab tag``, and the ONNX runtime's POS bundles
(imports no torch: the backend runs the model)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np

from lstmlab.data.tokenize import sentence_batch
from lstmlab.errors import DataError
from lstmlab.tasks.predictor import Predictor


class PosPredictor(Predictor):
    """Tags sentences: ``tag("The cat sat .")`` -> ``[("The", "DT"), ...]``."""

    @property
    def crf(self) -> dict[str, Any] | None:
        """The CRF's scores (``start``, ``transitions``, ``end``), or None for softmax."""
        return self.preprocess.get("crf")

    def emissions(
        self, sentences: list[list[str]], features: list[list[list[str]]] | None = None
    ) -> list[np.ndarray]:
        """Tag scores ``[T_i, K]`` of each tokenised sentence, in their order (``features``:
        each sentence's feature column values ``[T_i][F]``, for a tagger run that has them)."""
        if any(not words for words in sentences):
            raise DataError("cannot tag an empty sentence")
        if features is None:
            encoded = [self.codec.encode(words) for words in sentences]
        else:
            encoded = [self.codec.encode(w, f) for w, f in zip(sentences, features, strict=True)]
        return self.run_rows(encoded, [len(item) for item in encoded])

    def tag_words(
        self, sentences: list[list[str]], features: list[list[list[str]]] | None = None
    ) -> list[list[tuple[str, str]]]:
        """(word, tag) pairs of each sentence given as a list of words (an empty sentence
        gets no pairs: the model never sees it); ``features``: see :meth:`emissions`."""
        names = self.codec.tags.tokens
        kept = [i for i, s in enumerate(sentences) if s]
        words = [sentences[i] for i in kept]
        values = None if features is None else [features[i] for i in kept]
        scores = iter(self.emissions(words, values) if words else [])
        return [
            [
                (w, names[t])
                for w, t in zip(s, self.codec.decode(next(scores), self.crf), strict=True)
            ]
            if s
            else []
            for s in sentences
        ]

    def tag(self, sentences: str | list[str] | list[list[str]]) -> Any:
        """(word, tag) pairs of one sentence, or a list of them for a list of sentences.

        A sentence is a string (split into words first) or a list of words; a list of
        strings or of word lists is a list of sentences.
        """
        words, one = sentence_batch(sentences)
        tagged = self.tag_words(words)
        return tagged[0] if one else tagged

    def command_output(
        self, texts: list[str], *, as_json: bool, tokenized: bool = False, **options: Any
    ) -> Iterator[str]:
        sentences = [self.codec.split(text, tokenized) for text in texts]
        for pairs in self.tag_words(sentences):
            if as_json:
                yield json.dumps({"words": [w for w, _ in pairs], "tags": [t for _, t in pairs]})
                yield "\n"
            else:
                yield " ".join(f"{word}/{tag}" for word, tag in pairs) + "\n"
