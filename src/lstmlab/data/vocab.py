"""A vocabulary: a fixed, ordered list of tokens and the index of each.

One class serves words, characters and tags. The order is deterministic: the
special tokens first (so ``<pad>`` is index 0 and ``<unk>`` index 1 with the
default specials), then the rest by count, highest first, ties alphabetical.
The same corpus therefore always gives the same indices, whatever order the
tokens were counted in.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from lstmlab.errors import DataError
from lstmlab.files import atomic_output

PAD = "<pad>"
UNK = "<unk>"
DEFAULT_SPECIALS = (PAD, UNK)


class Vocab:
    """An ordered token list with a token → index lookup.

    Tokens not in the vocabulary are encoded as ``<unk>`` when the vocabulary
    has it; otherwise encoding one raises ``KeyError`` (a tag vocabulary should
    never meet an unknown tag silently).
    """

    def __init__(self, tokens: Sequence[str]) -> None:
        self.tokens: list[str] = list(tokens)
        self._index: dict[str, int] = {token: i for i, token in enumerate(self.tokens)}
        if len(self._index) != len(self.tokens):
            raise ValueError("vocabulary tokens must be unique")
        self.pad_index: int | None = self._index.get(PAD)
        self.unk_index: int | None = self._index.get(UNK)

    # ----- building -----------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        token_lists: Iterable[list[str]],
        min_freq: int = 1,
        max_size: int | None = None,
        specials: Sequence[str] = DEFAULT_SPECIALS,
    ) -> Vocab:
        """Count the tokens of ``token_lists`` and keep the frequent ones (see ``from_counter``)."""
        counter: Counter[str] = Counter()
        for tokens in token_lists:
            counter.update(tokens)
        return cls.from_counter(counter, min_freq=min_freq, max_size=max_size, specials=specials)

    @classmethod
    def from_counter(
        cls,
        counter: Counter[str] | dict[str, int],
        min_freq: int = 1,
        max_size: int | None = None,
        specials: Sequence[str] = DEFAULT_SPECIALS,
    ) -> Vocab:
        """Specials, then tokens seen at least ``min_freq`` times by count desc, then alphabetical.

        ``max_size`` caps the total size, specials included.
        """
        if min_freq < 1:
            raise ValueError(f"min_freq must be >= 1, got {min_freq}")
        if max_size is not None and max_size < len(specials):
            raise ValueError(f"max_size {max_size} is smaller than the {len(specials)} specials")
        special_set = set(specials)
        kept = [t for t, c in counter.items() if c >= min_freq and t not in special_set]
        kept.sort(key=lambda token: (-counter[token], token))
        if max_size is not None:
            kept = kept[: max_size - len(specials)]
        return cls([*specials, *kept])

    # ----- lookup -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: object) -> bool:
        return token in self._index

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocab) and self.tokens == other.tokens

    def __repr__(self) -> str:
        return f"Vocab(size={len(self)}, pad_index={self.pad_index}, unk_index={self.unk_index})"

    def index(self, token: str) -> int:
        """The index of ``token``: ``unk_index`` if unknown, ``KeyError`` if no ``<unk>``."""
        index = self._index.get(token, self.unk_index)
        if index is None:
            raise KeyError(f"{token!r} is not in the vocabulary (which has no {UNK})")
        return index

    def encode(self, tokens: Iterable[str]) -> list[int]:
        """Token strings → indices (unknown tokens → ``unk_index``)."""
        lookup, unk = self._index, self.unk_index
        if unk is not None:  # the hot path: one dict lookup per token
            return [lookup.get(token, unk) for token in tokens]
        return [self.index(token) for token in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Indices → token strings."""
        return [self.tokens[int(i)] for i in ids]

    # ----- persistence --------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (e.g. to put into a checkpoint)."""
        return {"tokens": list(self.tokens)}

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> Vocab:
        try:
            tokens = state["tokens"]
        except (KeyError, TypeError) as error:
            raise DataError("vocabulary state has no 'tokens' list") from error
        if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
            raise DataError("vocabulary 'tokens' must be a list of strings")
        return cls(tokens)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the vocabulary as JSON (atomically: a temp file, then a rename)."""
        with atomic_output(path) as file:
            file.write(json.dumps(self.to_dict(), ensure_ascii=False).encode("utf-8"))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Vocab:
        try:
            state = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as error:  # RecursionError: [[[[...
            raise DataError(f"cannot read vocabulary {path}: {error}") from None
        return cls.from_dict(state)
