"""Labelled review files: one review a line, ``label<TAB>text``.

The label is ``pos``/``neg`` (also ``positive``/``negative`` or ``1``/``0``). Such
files let users train or evaluate a sentiment model on their own text, e.g.

    pos	A moving, funny film.
    neg	Two hours I will never get back.

They are read as every lstmlab text file is (:mod:`lstmlab.data.textfile`): UTF-8 with or
without a byte-order mark, plain or ``.gz``; invalid bytes are an error naming the line.
"""

from __future__ import annotations

from pathlib import Path

from lstmlab.data.textfile import place, quote, read_lines
from lstmlab.errors import DataError

LABEL_NAMES = ("neg", "pos")  # index = class id, as in IMDb (0 negative, 1 positive)
_LABELS = {"neg": 0, "negative": 0, "0": 0, "pos": 1, "positive": 1, "1": 1}


def read_review_file(path: Path) -> tuple[list[str], list[int]]:
    """Texts and labels (0 = negative, 1 = positive) of a labelled review file."""
    path = Path(path)
    texts: list[str] = []
    labels: list[int] = []
    for number, line in read_lines(path):
        if not line.strip():
            continue
        label, tab, text = line.partition("\t")
        if not tab or label.strip().lower() not in _LABELS or not text.strip():
            raise DataError(
                f"{place(path, number)}: expected 'pos<TAB>text' or 'neg<TAB>text', "
                f"got {quote(line)}"
            )
        labels.append(_LABELS[label.strip().lower()])
        texts.append(text)
    if not texts:
        raise DataError(f"review file {path} holds no reviews")
    return texts, labels
