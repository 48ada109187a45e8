"""Progress of long work, one policy for every command: on standard error, never in results.

- On a terminal: a tqdm bar on standard error, cleared when done; in a notebook, tqdm's
  notebook bar.
- Not a terminal (``lstmlab data list | cat``, a CI log, a job scheduler's file): plain
  lines on standard error, ``reading IMDb: 40% (40,000/100,000)``, at most one every
  :data:`PLAIN_EVERY` seconds (and one at the end of work that printed any), so logs stay
  readable; work shorter than that prints nothing.
- Off: ``--no-progress``, before or after any command (``lstmlab data list --no-progress``),
  or ``LSTMLAB_NO_PROGRESS=1``.

:func:`bar` takes tqdm's arguments (``iterable``, ``desc``, ``total``, ``leave``,
``disable``, ...) and returns an object with tqdm's ``update``, ``set_postfix``, ``close``
and iteration; :func:`write` prints a status line to standard output without tearing a
bar that is being drawn. Results (a table, JSON) are printed with ``print`` as ever.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any

ENV_VAR = "LSTMLAB_NO_PROGRESS"
PLAIN_EVERY = 10.0  # seconds between two plain progress lines
_enabled = True


def set_enabled(enabled: bool) -> None:
    """Switch progress on or off for this process (``lstmlab --no-progress``)."""
    global _enabled
    _enabled = enabled


def enabled() -> bool:
    """Whether progress is shown at all (the switch and ``$LSTMLAB_NO_PROGRESS``)."""
    return _enabled and os.environ.get(ENV_VAR, "") in ("", "0")


def _notebook() -> bool:
    """Whether this process is a running notebook kernel (not merely one that imported it)."""
    ipython = sys.modules.get("IPython")
    try:
        shell = ipython.get_ipython() if ipython is not None else None
    except Exception:  # an IPython without a shell: no notebook
        return False
    return getattr(shell, "kernel", None) is not None


def _terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def bar(
    iterable: Iterable[Any] | None = None,
    desc: str = "",
    total: float | None = None,
    *,
    disable: bool = False,
    **options: Any,
) -> Any:
    """A progress bar (tqdm on a terminal), plain periodic lines, or nothing; see the module."""
    if total is None and iterable is not None:
        try:
            total = len(iterable)  # type: ignore[arg-type]
        except TypeError:
            total = None
    if disable or not enabled():
        return _Quiet(iterable)
    if _notebook():  # its own bars (a notebook's stderr is no terminal)
        from tqdm.auto import tqdm as notebook_bar

        return notebook_bar(iterable, desc=desc, total=total, **options)
    if _terminal():
        from tqdm import tqdm

        return tqdm(iterable, desc=desc, total=total, file=sys.stderr, **options)
    return _Plain(
        iterable, desc, total, unit=options.get("unit", "it"), initial=options.get("initial", 0)
    )


def write(message: str) -> None:
    """Print a status line on standard output, above any bar being drawn."""
    if enabled() and _terminal():
        from tqdm import tqdm

        tqdm.write(message, file=sys.stdout)
    else:
        print(message)


class _Quiet:
    """No progress at all, with the bar's interface."""

    def __init__(self, iterable: Iterable[Any] | None) -> None:
        self.iterable = iterable

    def __iter__(self) -> Iterator[Any]:
        return iter(self.iterable or ())

    def __enter__(self) -> _Quiet:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def update(self, n: float = 1) -> None:
        pass

    def set_postfix(self, *args: Any, **kwargs: Any) -> None:
        pass

    def close(self) -> None:
        pass


class _Plain(_Quiet):
    """Plain lines on standard error, at most one every PLAIN_EVERY seconds, and a last one."""

    def __init__(
        self,
        iterable: Iterable[Any] | None,
        desc: str,
        total: float | None,
        unit: str,
        initial: float = 0,
    ) -> None:
        super().__init__(iterable)
        self.desc, self.total, self.unit = desc or "progress", total, unit
        self.done = float(initial)
        self.postfix = ""
        self.last = time.monotonic()
        self.printed = False  # work done within PLAIN_EVERY prints nothing at all
        self.closed = False

    def __iter__(self) -> Iterator[Any]:
        try:
            for item in self.iterable or ():
                yield item
                self.update()
        finally:
            self.close()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, n: float = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last >= PLAIN_EVERY:
            self.last = now
            self.printed = True
            self._line()

    def set_postfix(self, values: dict[str, Any] | None = None, **kwargs: Any) -> None:
        items = {**(values or {}), **kwargs}
        self.postfix = ", ".join(f"{key}={value}" for key, value in items.items())

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if self.printed:  # the last line: where it ended
                self._line()

    def _line(self) -> None:
        if self.total:
            share = f"{100 * self.done / self.total:3.0f}% ({self.done:,.0f}/{self.total:,.0f})"
        else:
            share = f"{self.done:,.0f} {self.unit}"
        extra = f" {self.postfix}" if self.postfix else ""
        print(f"{self.desc}: {share}{extra}", file=sys.stderr, flush=True)
