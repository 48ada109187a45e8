"""Where data lives: ``--data-dir`` > ``$LSTMLAB_DATA`` > ``~/.cache/lstmlab``."""

from __future__ import annotations

import os
from pathlib import Path

from lstmlab.errors import DataError

DATA_ENV_VAR = "LSTMLAB_DATA"
DEFAULT_DATA_DIR = Path("~/.cache/lstmlab")


def data_root(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Return the data root: the explicit argument, else ``$LSTMLAB_DATA``, else the cache."""
    if data_dir:
        return Path(data_dir).expanduser()
    env = os.environ.get(DATA_ENV_VAR)
    if env:
        return Path(env).expanduser()
    return DEFAULT_DATA_DIR.expanduser()


def check_data_root(root: Path) -> Path:
    """``root``, unless it exists and is not a folder (DataError saying so)."""
    if root.exists() and not root.is_dir():
        raise DataError(f"the data root {root} is a file, not a folder; check --data-dir or "
                        f"${DATA_ENV_VAR}")
    return root
