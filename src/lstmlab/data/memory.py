"""Data given in memory (a notebook's lists, a pandas DataFrame) as lstmlab's examples.

- Labelled texts: a list of ``(text, label)`` pairs (a label, or a list of labels when
  multi-label), a list of ``{"text": ..., "label": ...}`` dicts, a dict of columns
  (``{"text": [...], "label": [...]}``) or a pandas DataFrame with those columns (the
  column names as for files). pandas is never imported: anything with ``columns`` and
  ``to_dict("list")`` is read as a data frame.
- Tagged sentences: a list of ``(tokens, tags)`` pairs of equal-length lists of strings.

Each example is checked as a file's line is, and errors name it as ``train[3]``. The
writers (:func:`write_jsonl`, :func:`write_conll`) save such data as files the readers
read back to the same examples, so a run trained from memory can be evaluated, resumed
and repeated from its files.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lstmlab.data.labelled import LabelledFormat, LabelledText, make_example
from lstmlab.data.tagged import TaggedSentence
from lstmlab.errors import DataError
from lstmlab.files import atomic_output


def is_memory_data(value: Any) -> bool:
    """Whether ``value`` is data in memory (a list, tuple, dict of columns, data frame),
    not a file name or a settings section."""
    if isinstance(value, str | bytes | os.PathLike):
        return False
    if _is_frame(value):
        return True
    if isinstance(value, dict):
        return bool(value) and all(isinstance(column, list | tuple) for column in value.values())
    return isinstance(value, list | tuple)


def _is_frame(value: Any) -> bool:
    return hasattr(value, "columns") and hasattr(value, "to_dict")


def labelled_from_memory(
    data: Any, name: str = "train", how: LabelledFormat | None = None
) -> list[LabelledText]:
    """Checked :class:`LabelledText` examples from in-memory data; DataError naming
    ``name[i]`` for a bad one, or when there are none."""
    how = how or LabelledFormat()
    rows = _rows(data, name, how)
    examples = []
    for i, row in enumerate(rows):
        where = f"{name}[{i}]"
        if isinstance(row, dict):
            missing = [key for key in (how.text_column, how.label_column) if key not in row]
            if missing:
                raise DataError(
                    f"{where}: has no {missing[0]!r} (keys: {', '.join(map(repr, row))})"
                )
            text, label = row[how.text_column], row[how.label_column]
        elif isinstance(row, list | tuple) and len(row) == 2:
            text, label = row
        else:
            raise DataError(
                f"{where}: expected a (text, label) pair or a dict with "
                f"{how.text_column!r} and {how.label_column!r}, got {type(row).__name__}"
            )
        if isinstance(label, tuple):
            label = list(label)
        examples.append(make_example(text, label, how, where))
    if not examples:
        raise DataError(f"{name}: holds no labelled examples")
    return examples


def _rows(data: Any, name: str, how: LabelledFormat) -> Sequence[Any]:
    """The rows of a list, of a dict of columns, or of a data frame (as dicts)."""
    if _is_frame(data):
        data = data.to_dict("list")
    if isinstance(data, dict):
        for key in (how.text_column, how.label_column):
            if key not in data:
                raise DataError(
                    f"{name}: has no column {key!r} (columns: {', '.join(map(repr, data))})"
                )
        texts, labels = data[how.text_column], data[how.label_column]
        if len(texts) != len(labels):
            raise DataError(f"{name}: {len(texts)} texts but {len(labels)} labels")
        return [(text, label) for text, label in zip(texts, labels, strict=True)]
    if not isinstance(data, list | tuple):
        raise DataError(
            f"{name}: expected a list of (text, label) pairs, a dict of columns or a data "
            f"frame, got {type(data).__name__}"
        )
    return data


def tagged_from_memory(data: Any, name: str = "train") -> list[TaggedSentence]:
    """Checked :class:`TaggedSentence` s from ``[(tokens, tags), ...]``; DataError naming
    ``name[i]`` for a bad one, or when there are none."""
    if not isinstance(data, list | tuple):
        raise DataError(
            f"{name}: expected a list of (tokens, tags) pairs, got {type(data).__name__}"
        )
    sentences = []
    for i, row in enumerate(data):
        where = f"{name}[{i}]"
        if not (isinstance(row, list | tuple) and len(row) == 2):
            raise DataError(f"{where}: expected a (tokens, tags) pair, got {type(row).__name__}")
        words, tags = (list(part) if isinstance(part, list | tuple) else part for part in row)
        if not isinstance(words, list) or not isinstance(tags, list):
            raise DataError(f"{where}: tokens and tags must be lists of strings")
        if len(words) != len(tags):
            raise DataError(f"{where}: {len(words)} tokens but {len(tags)} tags")
        if not words:
            raise DataError(f"{where}: a sentence needs at least one token")
        for kind, items in (("token", words), ("tag", tags)):
            for item in items:
                if not isinstance(item, str) or not item or item != item.strip() or " " in item:
                    raise DataError(
                        f"{where}: every {kind} must be a non-empty string without "
                        f"blanks, got {item!r}"[:200]
                    )
        sentences.append(TaggedSentence(words, tags))
    if not sentences:
        raise DataError(f"{name}: holds no sentences")
    return sentences


def write_jsonl(
    examples: Sequence[LabelledText], path: str | os.PathLike[str], multi_label: bool = False
) -> Path:
    """Write ``{"text", "label"}`` lines (a list of labels when multi-label); atomic."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as file:
        for example in examples:
            labels: Any = list(example.labels) if multi_label else example.label
            line = json.dumps({"text": example.text, "label": labels}, ensure_ascii=False)
            file.write((line + "\n").encode("utf-8"))
    return path


def write_conll(sentences: Sequence[TaggedSentence], path: str | os.PathLike[str]) -> Path:
    """Write ``word tag`` lines, a blank line after each sentence; atomic."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as file:
        for sentence in sentences:
            lines = [f"{w} {t}\n" for w, t in zip(sentence.words, sentence.tags, strict=True)]
            file.write(("".join(lines) + "\n").encode("utf-8"))
    return path


def _json_value(value: Any) -> Any:
    """numpy (and pandas) scalars and arrays as plain JSON values."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot save a {type(value).__name__} as JSON")


def _save_by_content(name: str, suffix: str, content: bytes, folder: Path) -> Path:
    """``folder/<name>-<sha256 prefix><suffix>`` holding ``content`` (written once)."""
    digest = hashlib.sha256(content).hexdigest()[:16]
    path = Path(folder) / f"{name}-{digest}{suffix}"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_output(path) as file:
            file.write(content)
    return path


def save_labelled_memory(name: str, data: Any, folder: str | os.PathLike[str]) -> tuple[Path, bool]:
    """In-memory labelled data saved as a JSON-lines file named by its content, for a run to
    read as it reads any file; and whether it was (text, label) pairs (saved under the keys
    ``text`` and ``label``; dicts and data frames keep their own column names).

    Only the structure is checked here (:func:`labelled_from_memory`'s errors, naming
    ``name[i]``); labels are parsed when the run reads the file, with its settings.
    """
    if _is_frame(data):
        data = data.to_dict("list")
    if isinstance(data, dict):  # columns -> one record per row, every column kept
        sizes = {len(column) for column in data.values()}
        if len(sizes) > 1:
            raise DataError(f"{name}: its columns differ in length ({sorted(sizes)})")
        keys = list(data)
        rows: Sequence[Any] = [
            dict(zip(keys, values, strict=True)) for values in zip(*data.values(), strict=True)
        ]
    else:
        rows = _rows(data, name, LabelledFormat())
    pairs = not any(isinstance(row, dict) for row in rows)
    lines = []
    for i, row in enumerate(rows):
        if isinstance(row, dict):
            record = row
        elif isinstance(row, list | tuple) and len(row) == 2:
            record = {
                "text": row[0],
                "label": list(row[1]) if isinstance(row[1], tuple) else row[1],
            }
        else:
            raise DataError(f"{name}[{i}]: expected a (text, label) pair or a dict")
        try:
            lines.append(json.dumps(record, ensure_ascii=False, default=_json_value))
        except (TypeError, ValueError) as error:
            raise DataError(f"{name}[{i}]: {error}") from None
    if not lines:
        raise DataError(f"{name}: holds no labelled examples")
    content = ("\n".join(lines) + "\n").encode("utf-8")
    return _save_by_content(name, ".jsonl", content, Path(folder)), pairs


def save_tagged_memory(name: str, data: Any, folder: str | os.PathLike[str]) -> Path:
    """In-memory ``[(tokens, tags), ...]`` checked and saved as a ``word tag`` file named by
    its content."""
    sentences = tagged_from_memory(data, name)
    content = "".join(
        "".join(f"{w} {t}\n" for w, t in zip(s.words, s.tags, strict=True)) + "\n"
        for s in sentences
    ).encode("utf-8")
    return _save_by_content(name, ".txt", content, Path(folder))
