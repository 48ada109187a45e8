"""Checkpoints: written atomically, read with ``weights_only=True``, checked for task and version.

A checkpoint is a plain dictionary of tensors, numbers, strings, lists and dicts (so
``torch.load(..., weights_only=True)`` can read it without unpickling arbitrary code):

    format   "lstmlab-checkpoint"
    version  CHECKPOINT_VERSION
    task     "sentiment" or "pos"
    config   the resolved RunConfig as a dict
    model    the model's state_dict
    ...      anything else the trainer stores (optimizer, RNG states, progress, vocabularies)
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import torch

from lstmlab.errors import CheckpointError

CHECKPOINT_FORMAT = "lstmlab-checkpoint"
CHECKPOINT_VERSION = 1


def save_checkpoint(path: Path, task: str, payload: dict[str, Any]) -> None:
    """Write ``payload`` to ``path`` atomically: a crash mid-write never leaves a broken file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION, "task": task, **payload}
    handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            torch.save(record, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def load_checkpoint(path: Path, task: str | None = None) -> dict[str, Any]:
    """Load and check a checkpoint; ``task`` (if given) must match the one it was saved for."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        record = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, OSError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error)
        raise CheckpointError(
            f"{path} is not a readable lstmlab checkpoint ({first_line})"
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
