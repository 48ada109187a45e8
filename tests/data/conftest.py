"""Builders of small data files for the data tests."""

from __future__ import annotations

from pathlib import Path

import pytest

# (folder, class, id, rating, text) of a tiny IMDb: 2 reviews per class and split, 3 unsup.
SMALL_IMDB = [
    ("train", "pos", 1, 9, "A great film.<br /><br />Loved it!"),
    ("train", "pos", 0, 10, "Wonderful, good fun, don't miss it."),
    ("train", "neg", 3, 2, "Awful. Boring plot."),
    ("train", "neg", 2, 1, "Terrible acting; great music though."),
    ("train", "unsup", 5, 0, "Saw it yesterday."),
    ("train", "unsup", 6, 0, "No opinion."),
    ("train", "unsup", 7, 0, "Hmm."),
    ("test", "pos", 11, 8, "Really good fun."),
    ("test", "pos", 10, 7, "Good, zorblax good."),
    ("test", "neg", 12, 3, "Bad."),
    ("test", "neg", 13, 4, "Not good at all."),
]


def write_imdb_folder(root: Path, reviews=SMALL_IMDB) -> Path:
    for folder, klass, review_id, rating, text in reviews:
        directory = root / "aclImdb" / folder / klass
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"{review_id}_{rating}.txt").write_text(text)
    return root / "aclImdb"


@pytest.fixture
def make_imdb_archive(make_imdb_archive):
    """``make(path, reviews=SMALL_IMDB, extra=None)`` writes a small IMDb archive."""

    def make(path: Path, reviews=SMALL_IMDB, extra: dict[str, bytes] | None = None) -> Path:
        return make_imdb_archive(path, reviews, extra)

    return make


@pytest.fixture
def imdb_archive(tmp_path, make_imdb_archive) -> Path:
    """A small IMDb archive (2 reviews per class and split, 3 unsup) at ``aclImdb_v1.tar.gz``."""
    return make_imdb_archive(tmp_path / "aclImdb_v1.tar.gz")


@pytest.fixture
def make_imdb_folder():
    """``make(root, reviews=SMALL_IMDB)`` writes ``root/aclImdb/...`` and returns that folder."""
    return write_imdb_folder


@pytest.fixture
def small_imdb():
    return list(SMALL_IMDB)
