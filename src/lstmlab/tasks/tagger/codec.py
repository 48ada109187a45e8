"""Sentences -> word ids, characters and casing; emissions -> tags and spans (no torch).

The POS task's codec, plus the run's span scheme: :meth:`TaggerCodec.spans` reads the
predicted tags as conlleval does (:mod:`lstmlab.training.spans`) and places each span in
the text it came from; and the run's feature columns (``data.feature_columns``): each
word's value of each column, as an id of that column's vocabulary (``feature<N>``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lstmlab.data.vocab import Vocab
from lstmlab.errors import DataError
from lstmlab.tasks.codec import Encoded
from lstmlab.tasks.pos.codec import SentenceCodec
from lstmlab.training.spans import spans


def feature_vocab_name(column: int) -> str:
    """The vocabulary (and run file ``<name>.json``) of a feature column's values."""
    return f"feature{column}"


def needs_columns_message(columns: list[int]) -> str:
    """Why a run with feature columns cannot tag plain text, and what to do instead."""
    shown = ", ".join(map(str, columns))
    return (
        f"this run reads column {shown} of a CoNLL file as input (data.feature_columns), "
        "which plain text lacks: tag a CoNLL file with `lstmlab tag RUN --file FILE` (or "
        "tag_file(FILE) in Python)"
    )


def scheme_of(vocabs: dict[str, Any]) -> str | None:
    """A run's span scheme, which its tag vocabulary's state carries (None: no spans)."""
    return vocabs["tags"].get("scheme")


class TaggerCodec(SentenceCodec):
    """A tagging run's vocabularies and its span scheme (kept in the tag vocabulary's state,
    ``vocabs["tags"]["scheme"]``: ``iob1``,
    ``iob2``, ``bioes``, or None for tags without spans)."""

    def __init__(self, data: Any, vocabs: dict[str, Any]) -> None:
        super().__init__(data, vocabs)
        self.scheme: str | None = scheme_of(vocabs)
        self.feature_columns: list[int] = list(getattr(data, "feature_columns", []))
        self.feature_vocabs = [
            Vocab.from_dict(vocabs[feature_vocab_name(c)]) for c in self.feature_columns
        ]

    def encode(self, text: str | list[str], features: list[list[str]] | None = None) -> Encoded:
        """The POS codec's ``ids``, ``chars``, ``casing`` and, for a run with feature
        columns, ``features`` [T][F]: each word's value ids (an unseen value: ``<unk>``)
        from ``features``, its values [T][F]; DataError without them."""
        encoded = super().encode(text)
        if not self.feature_vocabs:
            return encoded
        if features is None:
            raise DataError(needs_columns_message(self.feature_columns))
        encoded.features["features"] = [
            [vocab.index(value) for vocab, value in zip(self.feature_vocabs, row, strict=True)]
            for row in features
        ]
        return encoded

    def pad(self, items: list[Encoded]) -> dict[str, np.ndarray]:
        """The POS codec's feeds, plus ``features`` [B, T, F] (0-padded) with feature columns."""
        feeds = super().pad(items)
        if self.feature_vocabs:
            values = np.zeros((*feeds["ids"].shape, len(self.feature_vocabs)), dtype=np.int64)
            for b, item in enumerate(items):
                values[b, : len(item)] = item.features["features"]
            feeds["features"] = values
        return feeds

    def spans(self, words: list[str], tags: list[str], text: str | None = None) -> list[dict]:
        """The spans of one tagged sentence: ``type``, token ``start`` and ``end`` (exclusive),
        their ``text``; given the sentence's ``text``, the character offsets ``char_start``
        and ``char_end`` of the span in it. None of them without a span scheme."""
        if self.scheme is None:
            return []
        offsets = token_offsets(text, words) if text is not None else None
        found = []
        for span in spans(tags):
            item: dict[str, Any] = {
                "type": span.type,
                "start": span.start,
                "end": span.end,
                "text": " ".join(words[span.start : span.end]),
            }
            if offsets is not None:
                item["char_start"] = offsets[span.start][0]
                item["char_end"] = offsets[span.end - 1][1]
                item["text"] = text[item["char_start"] : item["char_end"]]
            found.append(item)
        return found


def token_offsets(text: str, words: list[str]) -> list[tuple[int, int]]:
    """``(start, end)`` character offsets of each word in ``text``, found left to right
    (the words are the text's own substrings, as the tokenizers cut them)."""
    offsets = []
    position = 0
    for word in words:
        start = text.find(word, position)
        if start < 0:  # not a substring (it cannot happen with lstmlab's splitters)
            start = position
        offsets.append((start, start + len(word)))
        position = start + len(word)
    return offsets
