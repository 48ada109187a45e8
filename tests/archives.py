"""Small zip archives the data tests build (NLTK-style ``qc.zip``, ``conll2002.zip`` ...)."""

from __future__ import annotations

import zipfile
from pathlib import Path


def write_zip(path: Path, members: dict[str, str | bytes]) -> Path:
    """A zip at ``path`` (its folder made) holding ``members``: name -> text or bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path
