"""Sentences -> word ids, characters and casing; emissions -> tags and spans (no torch).

The POS task's codec, plus the run's span scheme: :meth:`TaggerCodec.spans` reads the
predicted tags as conlleval does (:mod:`lstmlab.training.spans`) and places each span in
the text it came from.
"""

from __future__ import annotations

from typing import Any

from lstmlab.tasks.pos.codec import SentenceCodec
from lstmlab.training.spans import spans


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
