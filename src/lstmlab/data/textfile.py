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
- A line is at most :data:`MAX_LINE_BYTES` long: a longer one (``/dev/zero``, a binary
  file without line ends) is one error line, read only that far, not a memory blow-up.
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from lstmlab.errors import DataError

QUOTE_CHARS = 60
MAX_LINE_BYTES = 8 << 20  # 8 MiB: far beyond any document, far below a machine's memory
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


def read_lines(
    path: str | os.PathLike[str], max_line_bytes: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, str]]:
    """(line number from 1, line without its line end) for every line of ``path``."""
    path = Path(path)
    with _open_binary(path) as raw:
        if path.suffix != ".gz":
            yield from decoded_lines(raw, path, max_line_bytes)
            return
        # A GzipFile given a file object does not close it: the outer block does.
        with gzip.GzipFile(fileobj=raw, mode="rb") as file:
            yield from decoded_lines(file, path, max_line_bytes)  # type: ignore[arg-type]


def decoded_lines(
    file: IO[bytes], name: str | os.PathLike[str], max_line_bytes: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, str]]:
    """The numbered lines of an open binary stream (standard input, say) under this policy;
    errors call it ``name``. A line longer than ``max_line_bytes`` is a DataError."""
    count = [0]  # lines yielded so far, for the too-long-line error of the next one
    try:
        for piece in _raw_lines(file, max_line_bytes, lambda: place(name, count[0] + 1)):
            count[0] += 1
            yield count[0], _decode(name, count[0], piece)
    except _GZIP_ERRORS as error:
        raise DataError(
            f"{name}: not a valid gzip file, corrupt or truncated "
            f"({str(error) or type(error).__name__})"
        ) from None
    except OSError as error:
        raise DataError(f"{name}: cannot read: {os_reason(error)}") from None


def _raw_lines(file: IO[bytes], limit: int, where) -> Iterator[bytes]:
    """The lines of ``file`` as bytes, without their ends (LF, CRLF or a lone CR).

    Holds at most about ``limit`` bytes of a line at a time, so memory stays bounded
    whatever the input; ``where()`` names the line a too-long-line error points at.
    """
    carry = b""  # the start of a line cut by the read limit (with a CR that may precede LF)
    first = True
    while True:
        want = limit + 1 - len(carry.removesuffix(b"\r"))
        if first:  # room for a byte-order mark, which is not part of the line
            want += len(BOM)
        chunk = file.readline(want)
        if not chunk:
            break
        got = len(chunk)
        if first and chunk.startswith(BOM):
            chunk, got, want = chunk[len(BOM) :], got - len(BOM), want - len(BOM)
        first = False
        data, carry = carry + chunk, b""
        if data.endswith(b"\n") or got < want:  # a whole line, or the file's last one
            lines = data.removesuffix(b"\n").removesuffix(b"\r").split(b"\r")
        else:  # cut by the limit: the pieces before a lone CR are whole lines
            *lines, carry = data.split(b"\r")
            if not carry and lines:  # data ended with CR: it may be the CR of a CRLF
                carry = lines.pop() + b"\r"
        for line in lines:
            _check_length(line, limit, where)
            yield line
        _check_length(carry.removesuffix(b"\r"), limit, where)
    if carry:
        yield carry.removesuffix(b"\r")


def _check_length(line: bytes, limit: int, where) -> None:
    if len(line) > limit:  # where() counts the lines yielded before this one
        raise DataError(
            f"{where()}: a line longer than {limit:,} bytes; is it a text file with line ends?"
        )


MAX_TEXT_BYTES = 64 << 20  # a whole file read into memory: settings, configurations, sequences


def read_text(path: str | os.PathLike[str], max_bytes: int = MAX_TEXT_BYTES) -> str:
    """The whole text of ``path`` under the same policy, lines joined with ``\\n``.

    At most ``max_bytes`` of text: a larger file (``/dev/zero``'s lines, an endless pipe)
    is a DataError, read only that far.
    """
    lines, size = [], 0
    for _, line in read_lines(path, max_line_bytes=min(MAX_LINE_BYTES, max_bytes)):
        size += len(line) + 1
        if size > max_bytes:
            raise DataError(
                f"{path}: larger than {max_bytes:,} bytes; this file is read whole, "
                "is it the right one?"
            )
        lines.append(line + "\n")
    return "".join(lines)


TEXT_BATCH = 256  # texts a prediction command holds at a time


def text_batches(
    lines: Iterable[str], size: int = TEXT_BATCH, keep_blank: bool = False
) -> Iterator[list[str]]:
    """``lines`` in lists of at most ``size``, read only as far as the next list needs.

    A prediction command answers each list before it reads on, so an endless input
    (``yes | lstmlab predict RUN``) runs in bounded memory and prints as it goes. Blank
    lines are dropped unless ``keep_blank``; DataError if no text is left at all.
    """
    batch: list[str] = []
    any_text = False
    for line in lines:
        if not keep_blank and not line.strip():
            continue
        batch.append(line)
        if len(batch) == size:
            any_text = True
            yield batch
            batch = []
    if batch or (not any_text and keep_blank):
        yield batch or [""]
    elif not any_text:
        raise DataError("no text to process (the input is empty)")
