"""The run folder: made and checked before any data is loaded, never clobbering a user's files.

``lstmlab train --out DIR`` accepts a new folder, an empty one, or one left by a run that
stopped before its first checkpoint (it holds ``config.json`` and vocabularies but no
``last.pt``): that folder is reused. It refuses a path that is a file, a folder it cannot
create or write, a folder holding a run with checkpoints (``--resume`` continues it), and
any other non-empty folder, so no file of the user's is ever overwritten.

``--resume DIR`` continues from ``last.pt``; a run stopped before its first checkpoint has
none, and starts again from scratch with its saved configuration.

Both remove the temporary files (``.last.pt.*.tmp``) a killed checkpoint write leaves. A
run that fails before writing anything leaves no folder behind (:func:`remove_if_unused`).

A run folder belongs to one training at a time: :func:`prepare_run_dir` takes an exclusive
lock on the folder (``flock`` on the folder itself, so no lock file is left behind and the
kernel drops the lock when the process dies, even by ``kill -9``) and checks the folder
only once it holds the lock. A second training on the same folder gets a one-line error
instead of mixing its checkpoints and metrics into the first one's.
:func:`claim_new_run_dir` makes a default folder that no other run has (two runs started
in the same second get ``...-095959`` and ``...-095959-2``).
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import stat
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from lstmlab.data.textfile import os_reason, short_path
from lstmlab.errors import CheckpointError, ConfigError

# What a run writes besides its ``<name>.json`` vocabularies.
RUN_FILES = frozenset(
    [
        "config.json",
        "metrics.jsonl",
        "best.pt",
        "last.pt",
        "test_metrics.json",
        "loss.png",
        "accuracy.png",
        "confusion.png",
    ]
)
CHECKPOINTS = ("last.pt", "best.pt")
# Temporary files of an interrupted checkpoint write (see training.checkpoint).
_TEMPORARY = re.compile(r"\..+\.pt\..+\.tmp")
# Run folders prepare_run_dir created in this process (a failed run removes them if empty).
_created: dict[Path, list[Path]] = {}
# Open descriptors of the run folders this process holds the lock of.
_locks: dict[Path, int] = {}


def prepare_run_dir(run_dir: Path, resume: bool, say: Callable[[str], None] = print) -> bool:
    """Check (and create) ``run_dir`` before a run; True if training continues from last.pt.

    Raises :class:`ConfigError` or :class:`CheckpointError` with one line saying what is
    wrong with the folder.
    """
    run_dir = Path(run_dir)
    kind = _kind(run_dir)
    if resume:
        if kind != "dir":
            raise CheckpointError(f"run folder {run_dir} does not exist")
        _lock(run_dir)
        remove_temporary_files(run_dir)
        if (run_dir / "last.pt").is_file():
            return True
        if not (run_dir / "config.json").is_file():
            raise CheckpointError(f"nothing to resume: {run_dir / 'last.pt'} does not exist")
        say(
            f"lstmlab: {run_dir} has no last.pt (the run stopped before its first "
            "checkpoint): starting it again from scratch"
        )
        return False
    if kind == "file":
        raise ConfigError(f"--out {run_dir} is a file, not a folder")
    if kind == "missing":
        _created[run_dir.absolute()] = _missing_folders(run_dir.absolute())
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=run_dir):  # can we write there?
            pass
    except OSError as error:
        raise ConfigError(
            f"cannot use {short_path(run_dir)} as the run folder: {os_reason(error)}"
        ) from None
    _lock(run_dir)
    # Checked under the lock: a run that filled the folder meanwhile is seen here.
    _check_reusable(run_dir, say)
    return False


def _lock(run_dir: Path) -> None:
    """Hold the exclusive lock of ``run_dir`` (until :func:`release_run_dir`), or ConfigError."""
    key = run_dir.absolute()
    if key in _locks:  # this process holds it already
        return
    try:
        handle = os.open(run_dir, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as error:
        raise ConfigError(
            f"cannot use {short_path(run_dir)} as the run folder: {os_reason(error)}"
        ) from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        os.close(handle)
        if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return  # a file system without locks (some network mounts): run unlocked
        _created.pop(key, None)  # the other training's folder now: never remove it
        raise ConfigError(
            f"{short_path(run_dir)} is in use by another training running now; wait for "
            "it to end, or choose another --out"
        ) from None
    _locks[key] = handle


def release_run_dir(run_dir: Path) -> None:
    """Let go of ``run_dir``'s lock (at the end of its run; the process's end does it too)."""
    handle = _locks.pop(Path(run_dir).absolute(), None)
    if handle is not None:
        os.close(handle)


def default_run_dir(task: str, preset: str | None) -> Path:
    """A new folder ``runs/<task>-<preset>-<time>`` made for this run alone (``-2``, ``-3``
    ... when another run started in the same second)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    label = Path(preset).stem if preset else "default"
    return claim_new_run_dir(Path("runs") / f"{task}-{label}-{stamp}")


def claim_new_run_dir(path: Path) -> Path:
    """Make ``path``, or ``path-2``, ``path-3`` ... when it exists; return the one made.

    ``mkdir`` fails when the folder exists, so two processes never get the same one.
    """
    path = Path(path)
    missing = _missing_folders(path.absolute())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(
            f"cannot make the run folder {short_path(path)}: {os_reason(error)}"
        ) from None
    for number in range(1, 10_000):
        candidate = path if number == 1 else path.with_name(f"{path.name}-{number}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        except OSError as error:
            raise ConfigError(
                f"cannot make the run folder {short_path(candidate)}: {os_reason(error)}"
            ) from None
        # Removed again with the parents made for it if the run fails before writing.
        _created[candidate.absolute()] = [candidate.absolute(), *missing[1:]]
        return candidate
    raise ConfigError(f"cannot make a new run folder beside {short_path(path)}: all names taken")


def _kind(path: Path) -> str:
    """ "dir", "file" (anything else that exists) or "missing"; ConfigError if unusable."""
    try:
        return "dir" if stat.S_ISDIR(path.stat().st_mode) else "file"
    except FileNotFoundError:
        return "missing"
    except NotADirectoryError:
        raise ConfigError(
            f"cannot use {short_path(path)} as the run folder: a part of the path above it "
            "is a file"
        ) from None
    except OSError as error:
        raise ConfigError(
            f"cannot use {short_path(path)} as the run folder: {os_reason(error)}"
        ) from None


def _check_reusable(run_dir: Path, say: Callable[[str], None]) -> None:
    """An existing --out folder must be empty or a run stopped before its first checkpoint."""
    names = [p.name for p in run_dir.iterdir() if not _TEMPORARY.fullmatch(p.name)]
    if not names:
        remove_temporary_files(run_dir)
        return
    if not (run_dir / "config.json").is_file():
        raise ConfigError(
            f"{run_dir} is not empty and holds no lstmlab run; choose a new or "
            "empty folder for --out (nothing in it was changed)"
        )
    if any((run_dir / name).exists() for name in CHECKPOINTS):
        raise ConfigError(f"{run_dir} already holds a run; use --resume or another --out")
    foreign = [n for n in names if n not in RUN_FILES and not n.endswith(".json")]
    if foreign:
        raise ConfigError(
            f"{run_dir} holds files a run does not write ({', '.join(foreign[:3])});"
            " choose a new or empty folder for --out (nothing in it was changed)"
        )
    remove_temporary_files(run_dir)
    say(f"lstmlab: reusing {run_dir}: its run stopped before its first checkpoint")


def _missing_folders(path: Path) -> list[Path]:
    """``path`` and those of its parents that do not exist yet, deepest first."""
    missing = []
    while not path.exists() and path != path.parent:
        missing.append(path)
        path = path.parent
    return missing


def remove_if_unused(run_dir: Path) -> None:
    """Remove ``run_dir`` (and the parents made for it, e.g. ``runs/``) if this process
    created them and a failed run left them empty; let go of its lock."""
    try:  # removed while still locked, so no other training starts in it meanwhile
        for folder in _created.pop(Path(run_dir).absolute(), []):
            try:
                folder.rmdir()  # only ever removes an empty folder
            except OSError:
                return
    finally:
        release_run_dir(run_dir)


def remove_temporary_files(run_dir: Path) -> None:
    """Delete what interrupted checkpoint writes left (``.last.pt.<pid>.<id>.tmp``)."""
    for path in run_dir.iterdir():
        if _TEMPORARY.fullmatch(path.name):
            path.unlink(missing_ok=True)


def write_run_file(path: Path, text: str) -> None:
    """Write one small file of the run folder; CheckpointError (one line) if it fails."""
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as error:
        raise CheckpointError(f"cannot write {path}: {os_reason(error)}") from None
