"""One reading policy for every text file a user gives lstmlab.

Every reader of text (tagged corpora, review files, texts to predict, sequences, presets,
run configurations) opens files through this module, so all of them behave alike:

- UTF-8 only: a byte-order mark is skipped; invalid bytes, and NUL bytes (a binary file),
  are refused with a :class:`DataError` naming file and line.
- Line ends ``\\n``, ``\\r\\n`` and ``\\r`` all end a line (Python's universal newlines).
- ``.gz`` files are decompressed on the fly; a corrupt or truncated one is one error line.
- A missing path says "no such file", a folder "is a directory", an unreadable file the
  system's reason (e.g. "permission denied"). Pipes (``/dev/stdin``, ``<(...)``) are read.
- Errors quote at most :data:`QUOTE_CHARS` characters of a line.
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from lstmlab.errors import DataError

QUOTE_CHARS = 60
BOM = b"\xef\xbb\xbf"
# What a corrupt gzip stream raises while it is read.
_GZIP_ERRORS = (gzip.BadGzipFile, zlib.error, EOFError)


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """``repr`` of ``text`` cut to ``limit`` characters (with ``...`` when cut)."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "..."


def short_path(path: str | os.PathLike[str], limit: int = 120) -> str:
    """``path`` for a message: a very long one keeps its start and end (``/a/b...xyz``)."""
    text = str(path)
    return text if len(text) <= limit else f"{text[: limit // 2]}...{text[-(limit // 3) :]}"


def place(path: str | os.PathLike[str], line: int) -> str:
    """How errors name a place in a file: ``path:N`` (as compilers and grep do)."""
    return f"{path}:{line}"


def os_reason(error: OSError) -> str:
    """The system's reason for ``error``, lower-case (``permission denied``)."""
    reason = error.strerror or str(error) or type(error).__name__
    return reason[0].lower() + reason[1:]


def check_readable(path: Path) -> None:
    """DataError unless ``path`` names something that can be opened as a file (or pipe)."""
    if path.is_dir():
        raise DataError(f"{path}: is a directory, not a file")
    if not path.exists():
        raise DataError(f"{path}: no such file")


def _open_binary(path: Path) -> IO[bytes]:
    check_readable(path)
    try:
        raw: IO[bytes] = open(path, "rb")  # noqa: SIM115 -- the caller closes it
    except OSError as error:
        raise DataError(f"{path}: cannot read: {os_reason(error)}") from None
    if path.suffix == ".gz":
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


def _decode(path: str | os.PathLike[str], number: int, raw: bytes) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DataError(
            f"{place(path, number)}: not UTF-8 text (byte 0x{raw[error.start]:02x} at "
            f"column {error.start + 1}); save the file as UTF-8"
        ) from None
    if "\x00" in text:
        raise DataError(f"{place(path, number)}: holds a NUL byte; is it a binary file?")
    return text


def read_lines(path: str | os.PathLike[str]) -> Iterator[tuple[int, str]]:
    """(line number from 1, line without its line end) for every line of ``path``."""
    path = Path(path)
    with _open_binary(path) as file:
        yield from decoded_lines(file, path)


def decoded_lines(file: IO[bytes], name: str | os.PathLike[str]) -> Iterator[tuple[int, str]]:
    """The numbered lines of an open binary stream (standard input, say) under this policy;
    errors call it ``name``."""
    number = 0
    try:
        for chunk in file:
            if number == 0 and chunk.startswith(BOM):
                chunk = chunk[len(BOM) :]
            chunk = chunk.removesuffix(b"\n").removesuffix(b"\r")
            for piece in chunk.split(b"\r"):  # a lone CR ends a line too
                number += 1
                yield number, _decode(name, number, piece)
    except _GZIP_ERRORS as error:
        raise DataError(
            f"{name}: not a valid gzip file, corrupt or truncated "
            f"({str(error) or type(error).__name__})"
        ) from None
    except OSError as error:
        raise DataError(f"{name}: cannot read: {os_reason(error)}") from None


def read_text(path: str | os.PathLike[str]) -> str:
    """The whole text of ``path`` under the same policy, lines joined with ``\\n``."""
    return "".join(line + "\n" for _, line in read_lines(path))
