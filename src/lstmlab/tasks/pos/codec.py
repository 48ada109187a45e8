"""Sentences -> word ids, characters and casing; emissions -> tags (imports no torch).

A word is *unseen* when it is not in the training vocabulary; it is then encoded as
``<unk>``, and only its characters and casing tell the tagger what it is.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lstmlab.data.tokenize import split_words
from lstmlab.data.vocab import Vocab
from lstmlab.errors import CheckpointError
from lstmlab.models.features import Casing, casing_class
from lstmlab.models.viterbi import viterbi
from lstmlab.runtime.checks import RuntimeTask, positive_int
from lstmlab.tasks.codec import Encoded, pad_ids

MAX_WORD_CHARS = 24  # longer words keep their first 24 characters for the char encoder


class SentenceCodec:
    """A POS run's vocabularies (words, characters, tags) and its lowercasing.

    Args:
        data: the run's ``[data]`` settings (``lowercase``).
        vocabs: ``vocab``, ``chars`` and ``tags``.
    """

    # The graph, for the runtime's checks of a bundle: ids, lengths, chars, casing ->
    # emissions [B, T, K]; the word and character ids are embedding rows.
    runtime = RuntimeTask(
        {"ids": 2, "lengths": 1, "chars": 3, "casing": 2},
        ("vocab", "chars", "tags"),
        3,
        "tags",
        embedded=(("vocab", "ids"), ("chars", "chars")),
    )

    @staticmethod
    def check_preprocess(where: str, pre: dict[str, Any]) -> None:
        positive_int(where, "max_word_chars", pre.get("max_word_chars"))
        if not isinstance(pre.get("lowercase", True), bool):
            raise CheckpointError(f"{where}: preprocess.lowercase must be true or false")

    @staticmethod
    def probe_inputs(top: dict[str, int]) -> dict[str, np.ndarray]:
        """``chars`` [1, 2, 2] and ``casing`` [1, 2] of a two-word probe sentence."""
        chars = top["chars"]
        return {
            "chars": np.array([[[chars, 0], [chars, chars]]], dtype=np.int64),
            "casing": np.array([[max(Casing), 1]], dtype=np.int64),
        }

    def __init__(self, data: Any, vocabs: dict[str, Any]) -> None:
        self.vocab = Vocab.from_dict(vocabs["vocab"])
        self.chars = Vocab.from_dict(vocabs["chars"])
        self.tags = Vocab.from_dict(vocabs["tags"])
        self.lowercase = bool(getattr(data, "lowercase", True))
        self.max_word_chars = MAX_WORD_CHARS
        # Gold tags met in validation, test or a gold file but never in training, in the
        # order met: each gets its own id past the tag set, so it can still be scored.
        self.unseen_tags: list[str] = []

    def normalise(self, word: str) -> str:
        """The word as the word vocabulary spells it."""
        return word.lower() if self.lowercase else word

    @staticmethod
    def split(text: str, tokenized: bool = False) -> list[str]:
        """A sentence's words: split on spaces (``tokenized``) or Treebank-like."""
        return text.split() if tokenized else split_words(text)

    def encode(self, text: str | list[str]) -> Encoded:
        """A sentence (text, or its words) -> ``ids`` [T], ``chars`` [T][C], ``casing`` [T]."""
        words = self.split(text) if isinstance(text, str) else list(text)
        if not words:
            return Encoded([], {"ids": [], "chars": [], "casing": []})
        width = min(self.max_word_chars, max(map(len, words)))
        chars = []
        for word in words:
            ids = self.chars.encode(word[: self.max_word_chars])
            chars.append(ids + [0] * (width - len(ids)))
        return Encoded(
            words,
            {
                "ids": self.vocab.encode(self.normalise(w) for w in words),
                "chars": chars,
                "casing": [casing_class(w) for w in words],
            },
        )

    def tag_ids(self, tags: list[str]) -> list[int]:
        """Tag ids; a tag never seen in training gets an id past the tag set, one per such
        tag (``len(tags) + its place in unseen_tags``): the model never predicts it, so each
        such token is an error, and span metrics still read its name."""
        ids = []
        for tag in tags:
            if tag in self.tags:
                ids.append(self.tags.index(tag))
                continue
            if tag not in self.unseen_tags:
                self.unseen_tags.append(tag)
            ids.append(len(self.tags) + self.unseen_tags.index(tag))
        return ids

    @property
    def gold_names(self) -> list[str]:
        """Every tag id's name: the tag set, then the unseen gold tags met so far."""
        return [*self.tags.tokens, *self.unseen_tags]

    def pad(self, items: list[Encoded]) -> dict[str, np.ndarray]:
        """``ids`` [B, T], ``lengths`` [B], ``chars`` [B, T, C], ``casing`` [B, T]: as the
        trainer's collate pads them."""
        ids, lengths = pad_ids([item.features["ids"] for item in items])
        width = max((len(row) for item in items for row in item.features["chars"]), default=1)
        chars = np.zeros((*ids.shape, max(width, 1)), dtype=np.int64)
        casing = np.zeros(ids.shape, dtype=np.int64)
        for b, item in enumerate(items):
            for t, row in enumerate(item.features["chars"]):
                chars[b, t, : len(row)] = row
            casing[b, : len(item)] = item.features["casing"]
        return {"ids": ids, "lengths": lengths, "chars": chars, "casing": casing}

    def unpad(self, output: np.ndarray, row: int, item: Encoded) -> np.ndarray:
        """The item's emissions ``[T, K]`` (its real tokens only)."""
        return output[row, : len(item)]

    def decode(self, emissions: np.ndarray, crf: dict[str, Any] | None = None) -> list[int]:
        """Tag ids of one sentence's ``[T, K]`` scores: argmax, or the CRF's Viterbi path
        (``crf``: its ``start``, ``transitions`` and ``end`` scores)."""
        if not crf:
            return emissions.argmax(axis=1).tolist()
        return viterbi(
            np.asarray(emissions, dtype=np.float32),
            np.asarray(crf["start"], dtype=np.float32),
            np.asarray(crf["transitions"], dtype=np.float32),
            np.asarray(crf["end"], dtype=np.float32),
        ).tolist()
