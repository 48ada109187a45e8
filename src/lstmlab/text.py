"""Terminal-safe text: one helper for every line lstmlab shows or writes as plain text.

Text that lstmlab prints comes partly from outside: the reviews and sentences a user types
or reads from a file, tag names from training data, paths, a run's or bundle's files. A
control character in it would drive the terminal (``ESC ]0;title BEL`` retitles the window,
``ESC [2J`` clears it), and a bidirectional override (U+202E) shows the rest of the line
reversed. So every such character is shown escaped, as Python writes it: ``\\x1b``,
``\\u202e``.

- :func:`one_line`: for messages and table cells: line breaks are escaped too.
- :func:`printable`: for multi-line text (a model card, a program's output): keeps ``\\n``
  and ``\\t``.
- :func:`echo`: ``print`` of a :func:`printable` line: status lines of library code.
- :func:`terminal_safe_output`: the command line's standard output and error, with every
  write passed through :func:`printable` (stderr keeps ``\\r`` for progress bars), so no
  command can print an escape by forgetting to call a helper.

``--json`` output needs nothing: ``json.dumps`` escapes every control and non-ASCII
character.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

# C0 controls (tab and newline are handled per function), DEL, C1 controls; the Unicode
# line and paragraph separators (str.splitlines splits on them); the bidirectional marks,
# embeddings, overrides and isolates (they reorder what follows them on screen).
_CONTROLS = [
    *range(0x00, 0x20),
    *range(0x7F, 0xA0),
    0x061C,
    0x200E,
    0x200F,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
    0x2028,
    0x2029,
]


def _table(keep: str) -> dict[int, str]:
    kept = {ord(char) for char in keep}
    return {code: repr(chr(code))[1:-1] for code in _CONTROLS if code not in kept}


_ONE_LINE = _table("\t")
_PRINTABLE = _table("\t\n")
_PROGRESS = _table("\t\n\r")  # stderr: progress bars redraw their line with \r


def one_line(text: str) -> str:
    """``text`` with line breaks and every other control character escaped (``\\n``,
    ``\\x1b``, ``\\u202e``); tabs are kept."""
    return text.translate(_ONE_LINE)


def printable(text: str) -> str:
    """``text`` with every control character escaped but newline and tab."""
    return text.translate(_PRINTABLE)


def echo(message: str = "") -> None:
    """Print a status line made terminal-safe (a default ``say`` for library code, which
    may run outside the command line's :func:`terminal_safe_output`)."""
    print(printable(message))


class SafeStream:
    """A text stream that escapes control characters in everything written to it.

    Everything else (``isatty``, ``fileno``, ``encoding``, ...) is the wrapped stream's, so
    progress bars and ``isatty`` checks behave as before.
    """

    def __init__(self, stream: TextIO, table: dict[int, str]) -> None:
        self._stream = stream
        self._table = table

    def write(self, text: str) -> int:
        self._stream.write(text.translate(self._table))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def terminal_safe_output() -> Iterator[None]:
    """Standard output and error escape control characters while the block runs."""
    out, err = sys.stdout, sys.stderr
    sys.stdout = SafeStream(out, _PRINTABLE)  # type: ignore[assignment]
    sys.stderr = SafeStream(err, _PROGRESS)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
