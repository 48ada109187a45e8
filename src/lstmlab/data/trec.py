"""TREC question classification (Li & Roth 2002), from NLTK's ``qc.zip``.

``qc/train.txt`` holds 5,452 questions and ``qc/test.txt`` 500 (the TREC-10 questions),
one a line as ``COARSE:fine question``: 6 coarse classes (ABBR, DESC, ENTY, HUM, LOC, NUM)
and 50 fine ones. A fine class is named with its coarse one (``NUM:date``, ``LOC:other``),
since several fine names (``other``) occur under more than one coarse class. The files are
Latin-1.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from lstmlab.data.labelled import LabelledText
from lstmlab.data.textfile import check_readable, quote
from lstmlab.errors import DataError

SPLITS = ("train", "test")
SIZES = {"train": 5_452, "test": 500}
COARSE_CLASSES = ("ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM")
LABEL_SETS = ("coarse", "fine")


def read_trec(
    zip_path: str | os.PathLike[str], split: str, labels: str = "coarse"
) -> list[LabelledText]:
    """The questions of ``split`` (train or test) with their coarse or fine class."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if labels not in LABEL_SETS:
        raise ValueError(f"labels must be one of {LABEL_SETS}, got {labels!r}")
    zip_path = Path(zip_path)
    member = f"qc/{split}.txt"
    check_readable(zip_path)
    try:
        with zipfile.ZipFile(zip_path) as archive:
            text = archive.read(member).decode("latin-1")
    except KeyError:
        raise DataError(f"{zip_path}: has no member {member}; is it NLTK's qc.zip?") from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise DataError(f"{zip_path}: cannot read {member}: {error}") from None
    questions = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{zip_path}:{member}:{number}"
        label, _, question = line.partition(" ")
        coarse, colon, fine = label.partition(":")
        if not colon or coarse not in COARSE_CLASSES or not fine or not question.strip():
            raise DataError(f"{where}: expected 'COARSE:fine question', got {quote(line)}")
        label = coarse if labels == "coarse" else label
        questions.append(LabelledText(question, (label,), where))
    return questions
