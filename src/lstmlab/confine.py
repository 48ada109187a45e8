"""Opening files only under given folders, for code whose paths come from a run's files.

A run's ``config.json`` and checkpoints name the files it was trained on
(``data.train_file``, ``model.pretrained_vectors``, ``model.init_from``, ...). Whoever serves
a run copied from someone else must not have the server read whatever those names say
(``/etc/shadow``). Instead of checking each setting that names a file (a new task adds
new ones), :func:`confined` refuses, in the block it guards, every ``open`` of a path
outside the folders it is given: a Python audit hook (PEP 578) sees every file the
interpreter opens (``open``, ``os.open``, ``gzip``, ``tarfile``, ``numpy.load``,
``torch.load``), and a context variable limits it to the guarded thread and block.

Paths are compared after resolving symbolic links, so a link inside an allowed folder
that points outside is refused too. Python's installation, lstmlab's package and module
files on ``sys.path`` stay readable (a module imported lazily inside the block).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from lstmlab.errors import LstmlabError


class OutsideReadError(LstmlabError):
    """A guarded block tried to open a file outside the folders it may read."""


@dataclass
class Confinement:
    """The folders a guarded block may open files in, and what it was refused."""

    roots: tuple[str, ...]
    refused: list[str] = field(default_factory=list)


_ACTIVE: ContextVar[Confinement | None] = ContextVar("lstmlab_confinement", default=None)
_installed = False


def _under(path: str, roots: Iterable[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def _installation() -> tuple[str, ...]:
    """Python's installation (its site-packages included) and lstmlab's own package."""
    places = {sys.prefix, sys.base_prefix, sys.exec_prefix, str(Path(__file__).parent)}
    resolved = (os.path.realpath(place) for place in places if place)
    return tuple(place for place in resolved if place != os.path.dirname(place))  # not "/"


MODULE_SUFFIXES = (".py", ".pyc", ".so", ".pth")


def _importable(path: str) -> bool:
    """A module file on ``sys.path`` (which may hold the working folder: only modules)."""
    return path.endswith(MODULE_SUFFIXES) and _under(
        path, (os.path.realpath(entry) for entry in sys.path if entry)
    )


def _audit(event: str, args: tuple) -> None:
    if event != "open":
        return
    active = _ACTIVE.get()
    if active is None or not args or args[0] is None or isinstance(args[0], int):
        return
    try:
        path = os.path.realpath(os.fsdecode(args[0]))
    except (TypeError, ValueError):
        return
    if _under(path, active.roots) or _under(path, _installation()) or _importable(path):
        return
    active.refused.append(path)
    raise OutsideReadError(f"refused to read {path}: it is outside the folders allowed here")


@contextmanager
def confined(roots: Iterable[str | os.PathLike[str]]) -> Iterator[Confinement]:
    """Within the block (this thread or task only), opening a file outside ``roots``
    raises :class:`OutsideReadError`; the refused paths are kept in ``.refused`` (some
    callers turn any error into their own)."""
    global _installed
    if not _installed:
        sys.addaudithook(_audit)  # cannot be removed: inactive outside a confined block
        _installed = True
    active = Confinement(tuple(str(Path(root).resolve()) for root in roots))
    token = _ACTIVE.set(active)
    try:
        yield active
    finally:
        _ACTIVE.reset(token)
