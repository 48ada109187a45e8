"""The default data root follows XDG_CACHE_HOME when it is set (to an absolute path)."""

from __future__ import annotations

from pathlib import Path

from lstmlab.data.cache import default_cache_dir
from lstmlab.data.paths import data_root


def test_xdg_cache_home_is_the_default_root(monkeypatch, tmp_path):
    monkeypatch.delenv("LSTMLAB_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert data_root() == tmp_path / "lstmlab"
    assert default_cache_dir() == tmp_path / "lstmlab" / "cache"
    monkeypatch.setenv("LSTMLAB_DATA", str(tmp_path / "data"))  # still wins
    assert data_root() == tmp_path / "data"


def test_without_xdg_or_with_a_relative_one_home_cache(monkeypatch):
    monkeypatch.delenv("LSTMLAB_DATA", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert data_root() == Path("~/.cache/lstmlab").expanduser()
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # ignored, as the spec says
    assert data_root() == Path("~/.cache/lstmlab").expanduser()
