"""The bundle folder's manifest, ``bundle.json``: what ``lstmlab export`` wrote, read back.

A bundle is a folder::

    bundle.json        this manifest: format, task, files, preprocessing, versions
    model.onnx         the model graph (``--format onnx``; dynamic batch and length)
    model.torchscript.pt   the traced model instead (``--format torchscript``)
    model.safetensors  the weights, beside ``config.json`` (``lstmlab.load`` reads them)
    config.json        the run's resolved configuration
    vocab.json ...     vocabularies and tag sets (the run's own files)
    README.md          the model card

A bundle reads only its own files: every file the manifest names is a plain name in the
bundle folder (no folder, no ``..``, not absolute), a regular file and not a symbolic link,
and — in bundles that record them (``"files"``: name -> SHA-256) — the same bytes as at
export, so a file changed or swapped in from another bundle is refused. Every file is read
once, through :func:`read_bundle_file`, and used from those bytes.

This module imports neither torch nor onnxruntime: the runtime predictor reads it too.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

from lstmlab.errors import CheckpointError

MANIFEST = "bundle.json"
BUNDLE_FORMAT = "lstmlab-bundle"
BUNDLE_VERSION = 1
GRAPH_FILES = {"onnx": "model.onnx", "torchscript": "model.torchscript.pt"}
WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
# A file the manifest names: one plain name in the bundle folder.
_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")
_STATE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,49}")


def is_bundle(path: str | Path) -> bool:
    """Whether ``path`` is a bundle folder (it holds a ``bundle.json``)."""
    return (Path(path) / MANIFEST).is_file()


def read_manifest(path: str | Path) -> dict[str, Any]:
    """The checked manifest of the bundle folder ``path``; CheckpointError if it is none."""
    path = Path(path)
    file = path / MANIFEST
    if not path.is_dir():
        raise CheckpointError(f"bundle folder {path} does not exist")
    if not file.is_file():
        raise CheckpointError(
            f"{path} is not an lstmlab bundle (no {MANIFEST}); make one "
            "with `lstmlab export RUN --out DIR`"
        )
    raw = _read_own_file(path, MANIFEST)
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise CheckpointError(f"{file} is corrupt: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT:
        raise CheckpointError(f"{file} is not an lstmlab bundle manifest")
    if manifest.get("version") != BUNDLE_VERSION:
        raise CheckpointError(
            f"{file} has bundle version {manifest.get('version')}; this "
            f"lstmlab reads version {BUNDLE_VERSION}: export the run again"
        )
    for key, kind in (("task", str), ("state", list), ("preprocess", dict)):
        if not isinstance(manifest.get(key), kind):
            raise CheckpointError(f"{file} is incomplete: no valid {key!r} entry")
    _check_names(file, manifest)
    return manifest


def _check_names(file: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest names is a plain file name (no path, no ``..``)."""
    names = [manifest.get(key) for key in ("graph", "weights", "config") if manifest.get(key)]
    for name in names:
        if not isinstance(name, str) or not _FILE_NAME.fullmatch(name) or ".." in name:
            raise CheckpointError(
                f"{file} names the file {name!r}: a bundle reads only its own files "
                "(plain names, no folders or ..)"
            )
    for name in manifest["state"]:
        if not isinstance(name, str) or not _STATE_NAME.fullmatch(name):
            raise CheckpointError(
                f"{file} names the state {name!r}: a bundle reads only its own files "
                "(plain names such as 'vocab')"
            )
    files = manifest.get("files", {})
    if not isinstance(files, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in files.items()
    ):
        raise CheckpointError(f"{file} has no valid 'files' entry (name -> SHA-256)")
    # Whichever loader reads the bundle (some skip the graph), a link in it is refused alike.
    for name in [*names, *(f"{state}.json" for state in manifest["state"])]:
        if (file.parent / name).is_symlink():
            raise CheckpointError(
                f"bundle file {file.parent / name} is a symbolic link; a bundle reads only "
                "its own files"
            )


def file_digest(data: bytes) -> str:
    """The SHA-256 a manifest records for a file's bytes (hex)."""
    return hashlib.sha256(data).hexdigest()


def read_bundle_file(path: str | Path, manifest: dict[str, Any], name: str) -> bytes:
    """The bytes of the bundle's own file ``name``, checked against the manifest's SHA-256.

    CheckpointError if ``name`` is not a plain name, the file is missing, a symbolic link or
    not a regular file, or differs from what was exported.
    """
    if not _FILE_NAME.fullmatch(name) or ".." in name:
        raise CheckpointError(f"bundle file {name!r} is not a plain file name in the bundle")
    data = _read_own_file(Path(path), name)
    expected = manifest.get("files", {}).get(name)
    if expected is not None and file_digest(data) != expected:
        raise CheckpointError(
            f"bundle file {Path(path) / name} is not the file exported with this bundle "
            "(changed, truncated or swapped in from another bundle); export the run again"
        )
    return data


def _read_own_file(path: Path, name: str) -> bytes:
    """``path/name``'s bytes: a regular file, not followed through a symbolic link."""
    file = path / name
    try:
        # O_NOFOLLOW: a symlink is refused by the same call that opens (no check-then-use);
        # O_NONBLOCK: a FIFO planted in the bundle does not block the open.
        handle = os.open(file, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        if os.path.islink(file):
            raise CheckpointError(
                f"bundle file {file} is a symbolic link; a bundle reads only its own files"
            ) from None
        reason = "missing" if not os.path.lexists(file) else (error.strerror or str(error))
        raise CheckpointError(f"bundle file {file} cannot be read: {reason}") from None
    if not stat.S_ISREG(os.fstat(handle).st_mode):
        os.close(handle)
        raise CheckpointError(f"bundle file {file} is not a regular file")
    with os.fdopen(handle, "rb") as opened:
        try:
            return opened.read()
        except OSError as error:
            raise CheckpointError(f"bundle file {file} cannot be read: {error}") from None
        except MemoryError:
            raise CheckpointError(f"bundle file {file} is too large to read") from None


def read_state(path: str | Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """The bundle's vocabularies and tag sets: ``{"vocab": {...}, "tags": {...}, ...}``."""
    return {name: read_bundle_json(path, manifest, f"{name}.json") for name in manifest["state"]}


def read_bundle_json(path: str | Path, manifest: dict[str, Any], name: str) -> Any:
    """The parsed JSON of the bundle's own file ``name`` (see :func:`read_bundle_file`)."""
    data = read_bundle_file(path, manifest, name)
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise CheckpointError(f"bundle file {Path(path) / name} is corrupt: {error}") from None
