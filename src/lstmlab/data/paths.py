"""Where data lives: ``--data-dir`` > ``$LSTMLAB_DATA`` > ``$XDG_CACHE_HOME/lstmlab`` (when
set) > ``~/.cache/lstmlab``."""

from __future__ import annotations

import os
from pathlib import Path

from lstmlab.errors import DataError

DATA_ENV_VAR = "LSTMLAB_DATA"
DEFAULT_DATA_DIR = Path("~/.cache/lstmlab")
XDG_CACHE_ENV_VAR = "XDG_CACHE_HOME"


def default_data_dir() -> Path:
    """``$XDG_CACHE_HOME/lstmlab`` when that is set to an absolute path (the XDG base
    directory rule: a relative one is ignored), else ``~/.cache/lstmlab``."""
    xdg = os.environ.get(XDG_CACHE_ENV_VAR, "")
    if xdg and Path(xdg).expanduser().is_absolute():
        return Path(xdg).expanduser() / "lstmlab"
    return DEFAULT_DATA_DIR.expanduser()


def data_root(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Return the data root: the explicit argument, else ``$LSTMLAB_DATA``, else the cache
    (:func:`default_data_dir`)."""
    if data_dir:
        return Path(data_dir).expanduser()
    env = os.environ.get(DATA_ENV_VAR)
    if env:
        return Path(env).expanduser()
    return default_data_dir()


def check_data_root(root: Path) -> Path:
    """``root``, unless it exists and is not a folder (DataError saying so)."""
    if root.exists() and not root.is_dir():
        raise DataError(
            f"the data root {root} is a file, not a folder; check --data-dir or ${DATA_ENV_VAR}"
        )
    return root
