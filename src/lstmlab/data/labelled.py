"""Labelled texts for classification: CSV, TSV, JSON lines, or ``label<TAB>text`` lines.

Formats (:data:`FORMATS`):

- ``csv``: comma-separated with a header row naming the columns; quoting and fields over
  several lines as Python's :mod:`csv` reads them (``"a ""quoted"" word"``).
- ``tsv``: the same with tabs between the fields (the header row is required too).
- ``jsonl``: one JSON object a line, ``{"text": ..., "label": ...}``.
- ``label_text``: ``label<TAB>text`` lines with no header (lstmlab's review files).

The text and label columns (or keys) are ``text`` and ``label`` unless named otherwise.
A file is read as every lstmlab text file is (:mod:`lstmlab.data.textfile`): UTF-8 with or
without a byte-order mark, plain or ``.gz``, any line ends, lines of at most
:data:`~lstmlab.data.textfile.MAX_LINE_BYTES`; a field is at most :data:`MAX_FIELD_CHARS`.

The format is told from the suffix (``.csv``, ``.tsv``, ``.jsonl``/``.ndjson``, before
any ``.gz``) or else from the first line: ``{`` starts JSON lines; a row naming both
columns is a CSV or TSV header; a tab without such a header is ``label<TAB>text``. A
``.tsv`` file without the header row is read as ``label<TAB>text`` too.

Multi-label examples (``multi_label=True``) have any number of labels: a JSON list
(``["sports", "politics"]``, in any format) or labels joined by ``label_delimiter``.
Every malformed row is a :class:`~lstmlab.errors.DataError` naming file and line.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from lstmlab.data.textfile import place, quote, read_lines
from lstmlab.errors import DataError

FORMATS = ("csv", "tsv", "jsonl", "label_text")
MAX_FIELD_CHARS = 1 << 20  # a field (a text) of at most 1 Mi characters
_SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


@dataclass(frozen=True)
class LabelledText:
    """One example: its text, its labels (exactly one unless multi-label), its place."""

    text: str
    labels: tuple[str, ...]
    where: str = ""  # where it starts, for messages: "train.csv:12", "train[3]"

    @property
    def label(self) -> str:
        """The label of a single-label example."""
        return self.labels[0]


@dataclass(frozen=True)
class LabelledFormat:
    """How to read a labelled file: format, column names, multi-label settings."""

    format: str = "auto"  # one of FORMATS, or "auto" (told from the suffix or the content)
    text_column: str = "text"
    label_column: str = "label"
    multi_label: bool = False
    label_delimiter: str = ","  # multi-label: between the labels of a field

    def validate(self) -> None:
        if self.format != "auto" and self.format not in FORMATS:
            raise DataError(f"unknown format {self.format!r}; choose auto or one of {FORMATS}")
        if not self.text_column or not self.label_column or self.text_column == self.label_column:
            raise DataError("the text and label columns need two different, non-empty names")
        if self.multi_label and not self.label_delimiter:
            raise DataError("multi-label data needs a label delimiter (e.g. ',')")


def read_labelled(path: str | os.PathLike[str], how: LabelledFormat | None = None):
    """The examples of a labelled file, in file order; DataError naming file:line if bad.

    Returns a list of :class:`LabelledText`. An empty file, or one with a header only, is
    an error too.
    """
    how = how or LabelledFormat()
    how.validate()
    path = Path(path)
    fmt = how.format if how.format != "auto" else detect_format(path, how)
    reader = {
        "csv": _read_delimited,
        "tsv": _read_delimited,
        "jsonl": _read_jsonl,
        "label_text": _read_label_text,
    }[fmt]
    examples = list(reader(path, how, fmt))
    if not examples:
        raise DataError(f"{path}: holds no labelled examples")
    return examples


def detect_format(path: str | os.PathLike[str], how: LabelledFormat | None = None) -> str:
    """The format of ``path`` (one of :data:`FORMATS`), from its suffix or first line."""
    how = how or LabelledFormat()
    path = Path(path)
    suffix = Path(path.name.removesuffix(".gz")).suffix.lower()
    by_suffix = _SUFFIXES.get(suffix)
    if by_suffix in ("csv", "jsonl"):
        return by_suffix
    for number, line in read_lines(path):
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            return "jsonl"
        candidates = (("\t", "tsv"),) if by_suffix == "tsv" else (("\t", "tsv"), (",", "csv"))
        for delimiter, fmt in candidates:
            if _names_columns(line, delimiter, how):
                return fmt
        if "\t" in line or by_suffix == "tsv":
            return "label_text"
        raise DataError(
            f"{place(path, number)}: cannot tell the format: expected a header naming the "
            f"columns {how.text_column!r} and {how.label_column!r} (CSV or TSV), JSON lines, "
            f"or 'label<TAB>text' lines; got {quote(line)}"
        )
    raise DataError(f"{path}: holds no labelled examples")


def _names_columns(line: str, delimiter: str, how: LabelledFormat) -> bool:
    try:
        fields = next(csv.reader([line], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return False
    names = {field.strip() for field in fields}
    return how.text_column in names and how.label_column in names


def _text_of_lines(lines: Iterable[tuple[int, str]], where: list[int]) -> Iterator[str]:
    """Each line with a newline again (as csv wants), noting its number in ``where[0]``."""
    for number, line in lines:
        where[0] = number
        yield line + "\n"


def _read_delimited(path: Path, how: LabelledFormat, fmt: str) -> Iterator[LabelledText]:
    delimiter = "\t" if fmt == "tsv" else ","
    last_line = [0]  # the number of the line csv read last
    rows = csv.reader(_text_of_lines(read_lines(path), last_line), delimiter=delimiter)
    previous_limit = csv.field_size_limit(MAX_FIELD_CHARS)
    try:
        header: list[str] | None = None
        while True:
            start = last_line[0] + 1
            try:
                row = next(rows)
            except StopIteration:
                break
            except csv.Error as error:
                raise DataError(
                    f"{place(path, start)}: not valid {fmt.upper()} ({error}); an unclosed "
                    "quote reads the rest of the file as one field"
                ) from None
            if not any(field.strip() for field in row):
                continue  # a blank line
            if header is None:
                header = [name.strip() for name in row]
                text_at, label_at = _column_indices(path, header, how, fmt)
                continue
            if len(row) != len(header):
                unclosed = any("\n" in field for field in row)
                raise DataError(
                    f"{place(path, start)}: expected {len(header)} fields as in the header, "
                    f"found {len(row)}: {quote(delimiter.join(row))}"
                    + ("; is a quote opened here never closed?" if unclosed else "")
                )
            where = place(path, start)
            yield make_example(row[text_at], row[label_at], how, where)
    finally:
        csv.field_size_limit(previous_limit)


def _column_indices(
    path: Path, header: list[str], how: LabelledFormat, fmt: str
) -> tuple[int, int]:
    indices = []
    for name, option in ((how.text_column, "--text-column"), (how.label_column, "--label-column")):
        if name not in header:
            raise DataError(
                f"{place(path, 1)}: the {fmt.upper()} header has no column {name!r} (it has "
                f"{', '.join(map(repr, header[:10]))}); {option} names the column to use"
            )
        indices.append(header.index(name))
    return indices[0], indices[1]


def _read_jsonl(path: Path, how: LabelledFormat, fmt: str) -> Iterator[LabelledText]:
    for number, line in read_lines(path):
        if not line.strip():
            continue
        where = place(path, number)
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise DataError(f"{where}: not valid JSON ({error.msg}): {quote(line)}") from None
        if not isinstance(record, dict):
            raise DataError(f"{where}: expected a JSON object, got {quote(line)}")
        for key in (how.text_column, how.label_column):
            if key not in record:
                raise DataError(
                    f"{where}: the object has no key {key!r} (keys: "
                    f"{', '.join(map(repr, list(record)[:10]))})"
                )
        text = record[how.text_column]
        if not isinstance(text, str):
            raise DataError(f"{where}: {how.text_column!r} must be a string, got {quote(line)}")
        yield make_example(text, record[how.label_column], how, where)


def _read_label_text(path: Path, how: LabelledFormat, fmt: str) -> Iterator[LabelledText]:
    for number, line in read_lines(path):
        if not line.strip():
            continue
        label, tab, text = line.partition("\t")
        where = place(path, number)
        if not tab:
            raise DataError(f"{where}: expected 'label<TAB>text', got {quote(line)}")
        yield make_example(text, label, how, where)


def make_example(text: object, label: object, how: LabelledFormat, where: str) -> LabelledText:
    """One checked example; ``where`` names it in errors (``file:line``, ``train[3]``)."""
    if not isinstance(text, str):
        raise DataError(f"{where}: the text must be a string, got {type(text).__name__}")
    if len(text) > MAX_FIELD_CHARS:
        raise DataError(f"{where}: a text longer than {MAX_FIELD_CHARS:,} characters")
    if not text.strip():
        raise DataError(f"{where}: the text is empty")
    return LabelledText(text, parse_labels(label, how, where), where)


def parse_labels(value: object, how: LabelledFormat, where: str) -> tuple[str, ...]:
    """The labels of one field (a string, a number, or a JSON list); DataError if bad.

    Single-label: exactly one non-empty label. Multi-label: a JSON list of labels, or a
    string of labels joined by the delimiter; none at all is allowed.
    """
    if isinstance(value, str) and value.lstrip().startswith("[") and how.multi_label:
        # A label that merely starts with '[' is split as any other string.
        with contextlib.suppress(json.JSONDecodeError):
            value = json.loads(value)
    if isinstance(value, list):
        if not how.multi_label:
            raise DataError(
                f"{where}: a list of labels {quote(json.dumps(value))}; multi-label data "
                "needs data.multi_label=true"
            )
        labels = [_one_label(item, where) for item in value]
    elif how.multi_label:
        text = _one_label(value, where, allow_empty=True)
        labels = [part.strip() for part in text.split(how.label_delimiter) if part.strip()]
    else:
        labels = [_one_label(value, where)]
    return tuple(dict.fromkeys(labels))  # each label once, in the order given


def _one_label(value: object, where: str, allow_empty: bool = False) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise DataError(f"{where}: a label must be a string or an integer, got {value!r}"[:200])
    label = str(value).strip()
    if not label and not allow_empty:
        raise DataError(f"{where}: the label is empty")
    return label


def label_names(examples: Sequence[LabelledText]) -> list[str]:
    """The labels the examples use, sorted (the class ids of a model trained on them)."""
    return sorted({label for example in examples for label in example.labels})


def label_counts(examples: Sequence[LabelledText]) -> Counter[str]:
    """How many examples carry each label (the class balance)."""
    return Counter(label for example in examples for label in example.labels)


def check_known_labels(examples: Sequence[LabelledText], known: Iterable[str]) -> None:
    """DataError naming the example (file and line) and label if a label is not in ``known``."""
    known = set(known)
    for example in examples:
        for label in example.labels:
            if label not in known:
                shown = ", ".join(map(repr, sorted(known)[:8])) + (
                    ", ..." if len(known) > 8 else ""
                )
                raise DataError(
                    f"{example.where}: label {quote(label)} was never seen in "
                    f"training (the model knows {shown})"
                )
