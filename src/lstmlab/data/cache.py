"""An on-disk cache of prepared arrays (e.g. the encoded IMDb), keyed by what produced them.

A cache entry is one uncompressed ``.npz`` file named by a hash of its key (the input
files' identity, the settings, :data:`FORMAT_VERSION`), so changing any of them simply
misses the cache. Entries are written to a temp file and renamed into place, so a crash
never leaves a half-written entry; an unreadable entry counts as a miss.

Input files are identified by name, size and modification time (not a checksum: hashing
57 MB would cost a good part of the time the cache saves). Replacing a data file with a
different one of the same size and mtime is the one change this does not notice.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from lstmlab.data.paths import data_root, default_data_dir
from lstmlab.files import atomic_output

# Bump when the cached arrays' layout or a tokenizer changes, so old entries are not reused.
FORMAT_VERSION = 1


def file_identity(path: Path) -> dict[str, Any]:
    """Name, size and mtime (ns) of a file or folder: cheap to get, changes when it is replaced."""
    stat = path.stat()
    return {"name": path.name, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def cache_key(**parts: Any) -> str:
    """A short stable hash of JSON-serialisable ``parts`` plus the format version."""
    text = json.dumps({"format_version": FORMAT_VERSION, **parts}, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def _is_writable_dir(directory: Path) -> bool:
    """Whether lstmlab may write below ``directory``: its parent (the data root) must be
    writable by its permission bits, not only to root, who may write anywhere (a shared,
    read-only data folder is never written into, even by root)."""
    parent = directory.parent
    try:
        if not parent.stat().st_mode & stat.S_IWUSR:
            return False
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(directory, os.W_OK)


def default_cache_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """``<data root>/cache``, or the user's cache folder's (``$XDG_CACHE_HOME/lstmlab/cache``
    or ``~/.cache/lstmlab/cache``) when the data root is read-only."""
    preferred = data_root(data_dir) / "cache"
    if _is_writable_dir(preferred):
        return preferred
    return default_data_dir() / "cache"


def save_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` as an uncompressed ``.npz`` at ``path``, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as file:
        np.savez(file, **arrays)


def load_arrays(path: Path) -> dict[str, np.ndarray] | None:
    """The arrays stored at ``path``, or None if there is no readable entry."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            return {name: stored[name] for name in stored.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return None
