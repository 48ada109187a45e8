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


def test_a_read_only_data_folder_is_never_written_into_even_by_root(monkeypatch, tmp_path):
    # ../shared/data is read-only by its permission bits; root's os.access says writable.
    shared = tmp_path / "shared"
    shared.mkdir()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir(shared) == shared / "cache"  # a writable data root keeps it
    (shared / "cache").rmdir()
    shared.chmod(0o555)
    try:
        assert default_cache_dir(shared) == tmp_path / "xdg" / "lstmlab" / "cache"
        assert not (shared / "cache").exists()
    finally:
        shared.chmod(0o755)
