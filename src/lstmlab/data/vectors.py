"""Pretrained word vectors (word2vec, GloVe, fastText text formats) for a vocabulary.

One format covers all three: one word a line followed by its numbers, separated by
spaces; word2vec and fastText files start with a header line ``<count> <dimension>``,
GloVe files do not (both are recognised). Files are read through
:func:`lstmlab.data.textfile.read_lines`, so ``.gz`` works and a file that is not UTF-8 is
one error line. A line with the wrong number of values, or a value that is not a number,
is a :class:`DataError` naming ``file:line``.

Only the vocabulary's words are kept (a 400,000-word file costs no more memory than the
vocabulary). A word is looked up as it is, then lowercased (GloVe's vectors are
lowercase; the POS vocabulary is lowercased by default): a vocabulary word takes the
vector of its exact spelling when the file has one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lstmlab.data.textfile import place, quote, read_lines
from lstmlab.errors import DataError


@dataclass
class PretrainedVectors:
    """Vectors for a vocabulary: ``vectors`` [V, D] float32, ``found`` [V] bool."""

    path: str
    dimension: int
    vectors: np.ndarray
    found: np.ndarray
    words_in_file: int
    lowercase_matches: int = 0
    skipped: list[str] = field(default_factory=list)  # vocabulary words never looked up

    @property
    def coverage(self) -> float:
        """Share of the looked-up vocabulary words the file has a vector for."""
        looked_up = len(self.found) - len(self.skipped)
        return float(self.found.sum()) / max(looked_up, 1)

    def summary(self) -> str:
        """One line for the training log."""
        looked_up = len(self.found) - len(self.skipped)
        return (
            f"pretrained vectors: {int(self.found.sum()):,} of {looked_up:,} vocabulary "
            f"words found ({100 * self.coverage:.1f} %) in {Path(self.path).name} "
            f"({self.words_in_file:,} words, {self.dimension} dimensions)"
        )

    def record(self) -> dict[str, object]:
        """What a run records about its vectors (``pretrained_vectors.json``)."""
        return {
            "path": self.path,
            "dimension": self.dimension,
            "words_in_file": self.words_in_file,
            "vocabulary": len(self.found) - len(self.skipped),
            "found": int(self.found.sum()),
            "coverage": round(self.coverage, 6),
            "found_lowercased": self.lowercase_matches,
        }


def read_vectors(
    path: str | os.PathLike[str], tokens: list[str], skip: tuple[str, ...] = ()
) -> PretrainedVectors:
    """Vectors of ``tokens`` (a vocabulary, in index order) from a word-vector text file.

    ``skip`` lists tokens never looked up (``<pad>``, ``<unk>``); rows of words the file
    lacks are zeros with ``found`` False.
    """
    index = {token: i for i, token in enumerate(tokens) if token not in skip}
    lowered: dict[str, list[int]] = {}
    for token, i in index.items():
        lowered.setdefault(token.lower(), []).append(i)
    dimension = 0
    rows: dict[int, np.ndarray] = {}
    exact: set[int] = set()
    words = 0
    for number, line in read_lines(path):
        fields = line.rstrip().split(" ") if line.strip() else []
        if not fields:
            continue
        if number == 1 and len(fields) == 2 and all(f.isascii() and f.isdigit() for f in fields):
            dimension = int(fields[1])  # word2vec / fastText header: count dimension
            if dimension < 1:
                raise DataError(f"{place(path, 1)}: the header gives dimension 0")
            continue
        if len(fields) == 1 and len(line.split()) > 1:  # tab-separated or several spaces
            fields = line.split()
        word, values = fields[0], fields[1:]
        if not dimension:
            dimension = len(values)
            if dimension < 1:
                raise DataError(
                    f"{place(path, number)}: a word without numbers "
                    f"({quote(line)}); is this a word-vector file?"
                )
        if len(values) != dimension:
            raise DataError(
                f"{place(path, number)}: {len(values)} values where the vectors "
                f"have {dimension} ({quote(line)})"
            )
        words += 1
        own = index.get(word)  # the vocabulary word spelt exactly so
        # Lowercase matches fill only rows still empty; an exact spelling always wins.
        others = [i for i in lowered.get(word.lower(), []) if i not in rows and i != own]
        if (own is None or own in exact) and not others:
            continue
        vector = _parse(values, path, number)
        if own is not None and own not in exact:
            rows[own] = vector
            exact.add(own)
        for i in others:
            rows[i] = vector
    if not words:
        raise DataError(f"{path}: holds no word vectors")
    vectors = np.zeros((len(tokens), dimension), dtype=np.float32)
    found = np.zeros(len(tokens), dtype=bool)
    for i, vector in rows.items():
        vectors[i], found[i] = vector, True
    return PretrainedVectors(
        str(path),
        dimension,
        vectors,
        found,
        words,
        lowercase_matches=len(rows) - len(exact),
        skipped=[t for t in tokens if t in skip],
    )


def _parse(values: list[str], path: str | os.PathLike[str], number: int) -> np.ndarray:
    try:
        vector = np.array([float(v) for v in values], dtype=np.float32)
    except ValueError:
        bad = next(v for v in values if not _is_number(v))
        raise DataError(f"{place(path, number)}: {quote(bad)} is not a number") from None
    if not np.isfinite(vector).all():
        raise DataError(f"{place(path, number)}: a value is not finite (inf or nan)")
    return vector


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
