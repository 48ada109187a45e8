"""Checkpoints: written atomically, read with ``weights_only=True``, checked for task and version.

A checkpoint is a plain dictionary of tensors, numbers, strings, lists and dicts (so
``torch.load(..., weights_only=True)`` can read it without unpickling arbitrary code):

    format   "lstmlab-checkpoint"
    version  CHECKPOINT_VERSION
    lstmlab_version, torch_version   the versions that wrote it
    task     the name of the task it was trained for
    config   the resolved RunConfig as a dict
    model    the model's state_dict
    ...      anything else the trainer stores (optimizer, RNG states, progress, vocabularies)
"""

from __future__ import annotations

import errno
import io
import os
import pickle
import warnings
from pathlib import Path
from typing import Any

import torch

from lstmlab.errors import CheckpointError
from lstmlab.files import atomic_output
from lstmlab.version import __version__

CHECKPOINT_FORMAT = "lstmlab-checkpoint"
CHECKPOINT_VERSION = 1
ZIP_MAGIC = b"PK\x03\x04"  # how every file torch.save writes begins


def save_checkpoint(path: Path, task: str, payload: dict[str, Any]) -> None:
    """Write ``payload`` to ``path`` atomically: a crash mid-write never leaves a broken file.

    The record also names the lstmlab and torch versions that wrote it. The file gets the
    permissions of any new file (0644 under the usual umask). When the write fails (a full
    disk), the temporary file is removed, the previous ``path`` is kept, and a
    :class:`CheckpointError` says why.
    """
    path = Path(path)
    record = {
        "format": CHECKPOINT_FORMAT,
        "version": CHECKPOINT_VERSION,
        "task": task,
        "lstmlab_version": __version__,
        "torch_version": str(torch.__version__),
        **payload,
    }
    writer: _WholeWrites | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_output(path) as file:
            writer = _WholeWrites(file)
            torch.save(record, writer)
    except BaseException as error:
        # torch hides an OSError of the writer behind its own RuntimeError
        cause = writer.error if writer is not None and writer.error is not None else error
        if isinstance(cause, OSError):
            reason = _reason(cause)
        elif isinstance(cause, RuntimeError):  # torch's writer failed in another way
            reason = (str(cause).strip().splitlines() or ["write failed"])[0][:100]
        else:
            raise
        raise CheckpointError(
            f"cannot save {path.name}: {reason} (in {path.parent}; the "
            "previous checkpoints are kept)"
        ) from None


class _WholeWrites:
    """A file for torch.save whose ``write`` writes everything or raises OSError.

    A raw file's write may write only part of the bytes when the disk fills up; writing
    the rest raises ENOSPC. torch's writer swallows that OSError and fails with a vague
    "unexpected pos": the error is kept in ``error`` for the message.
    """

    def __init__(self, file: io.RawIOBase) -> None:
        self.file = file
        self.error: OSError | None = None

    def write(self, data: bytes) -> int:
        view = memoryview(data).cast("B")
        try:
            while view:
                written = self.file.write(view)
                if not written:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                view = view[written:]
        except OSError as error:
            self.error = error
            raise
        return len(data)

    def flush(self) -> None:
        self.file.flush()


def _reason(error: OSError) -> str:
    reason = error.strerror or str(error) or type(error).__name__
    return reason[0].lower() + reason[1:]


def load_checkpoint(path: Path, task: str | None = None) -> dict[str, Any]:
    """Load and check a checkpoint; ``task`` (if given) must match the one it was saved for.

    Anything that is not an lstmlab checkpoint (another pickle, junk, a truncated file)
    gives a :class:`CheckpointError`; nothing outside ``weights_only``'s allow-list is
    ever unpickled, and torch's advice to load it unsafely is not passed on.
    """
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(f"checkpoint {path} is a directory, not a file")
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        with open(path, "rb") as file:
            is_zip = file.read(4) == ZIP_MAGIC
    except OSError as error:
        raise CheckpointError(f"cannot read {path}: {_reason(error)}") from None
    if not is_zip:  # torch.save writes zip archives; anything else is a foreign file
        raise CheckpointError(f"{path} is not an lstmlab checkpoint")
    try:
        with warnings.catch_warnings():  # e.g. "Detected pickle protocol 4 in the checkpoint"
            warnings.simplefilter("ignore")
            record = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        # torch's message suggests weights_only=False: never for a file we cannot vouch for.
        raise CheckpointError(
            f"{path} is not an lstmlab checkpoint (it holds objects a "
            "checkpoint never holds, or is not one at all)"
        ) from None
    except OSError as error:
        raise CheckpointError(f"cannot read {path}: {_reason(error)}") from None
    except Exception as error:  # truncated or corrupt archives raise many kinds of errors
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0][:100]
        raise CheckpointError(
            f"{path} is not a readable lstmlab checkpoint, corrupt or truncated ({first_line})"
        ) from None
    if not isinstance(record, dict) or record.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path} is not an lstmlab checkpoint")
    if record.get("version") != CHECKPOINT_VERSION:
        raise CheckpointError(
            f"{path} has checkpoint version {record.get('version')}, this lstmlab reads "
            f"version {CHECKPOINT_VERSION}; retrain with this version"
        )
    if task is not None and record.get("task") != task:
        raise CheckpointError(f"{path} is a {record.get('task')} checkpoint, not a {task} one")
    return record


def require(record: dict[str, Any], path: Path, keys: dict[str, type]) -> None:
    """CheckpointError unless ``record`` has each of ``keys`` with a value of its type."""
    for key, kind in keys.items():
        if not isinstance(record.get(key), kind):
            raise CheckpointError(
                f"{path} is an incomplete lstmlab checkpoint: it has no valid {key!r} entry"
            )
