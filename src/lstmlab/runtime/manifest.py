"""The bundle folder's manifest, ``bundle.json``: what ``lstmlab export`` wrote, read back.

A bundle is a folder::

    bundle.json        this manifest: format, task, files, preprocessing, versions
    model.onnx         the model graph (``--format onnx``; dynamic batch and length)
    model.torchscript.pt   the traced model instead (``--format torchscript``)
    model.safetensors  the weights, beside ``config.json`` (``lstmlab.load`` reads them)
    config.json        the run's resolved configuration
    vocab.json ...     vocabularies and tag sets (the run's own files)
    README.md          the model card

This module imports neither torch nor onnxruntime: the runtime predictor reads it too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lstmlab.errors import CheckpointError

MANIFEST = "bundle.json"
BUNDLE_FORMAT = "lstmlab-bundle"
BUNDLE_VERSION = 1
GRAPH_FILES = {"onnx": "model.onnx", "torchscript": "model.torchscript.pt"}
WEIGHTS_FILE = "model.safetensors"


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
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
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
    return manifest


def read_state(path: str | Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """The bundle's vocabularies and tag sets: ``{"vocab": {...}, "tags": {...}, ...}``."""
    state = {}
    for name in manifest["state"]:
        file = Path(path) / f"{name}.json"
        try:
            state[name] = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CheckpointError(f"bundle file {file} is missing or corrupt: {error}") from None
    return state
