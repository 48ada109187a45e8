"""The Large Movie Review Dataset (IMDb, Maas et al. 2011), read without extracting it.

The archive ``aclImdb_v1.tar.gz`` (or the folder ``aclImdb/`` it extracts to) holds
``aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt`` (12,500 reviews per class and split)
and ``aclImdb/train/unsup/<id>_0.txt`` (50,000 unlabelled reviews). Reviews are returned
ordered by class (neg, pos, unsup), then by id, whichever form the data set has.

Nothing is ever extracted: members are read straight from the stream, and an archive
with a member path that would escape its folder (absolute or ``..``) is refused outright.
"""

from __future__ import annotations

import os
import re
import tarfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from lstmlab.data.textfile import os_reason
from lstmlab.errors import DataError
from lstmlab.progress import bar as progress_bar

SPLITS = ("train", "test", "unsup")
LABELS = {"neg": 0, "pos": 1, "unsup": -1}
# Reviews per split and class in the official data set.
EXPECTED_SIZES = {
    "train": {"neg": 12_500, "pos": 12_500},
    "test": {"neg": 12_500, "pos": 12_500},
    "unsup": {"unsup": 50_000},
}
# aclImdb/<split folder>/<class>/<id>_<rating>.txt; unsup lives in train/unsup.
_MEMBER = re.compile(r"aclImdb/(train|test)/(pos|neg|unsup)/(\d+)_(\d+)\.txt")
_FOLDERS = (
    ("train", "neg"),
    ("train", "pos"),
    ("train", "unsup"),
    ("test", "neg"),
    ("test", "pos"),
)


@dataclass
class Review:
    """One review: ``label`` 1 positive, 0 negative, -1 unlabelled; ``rating`` 1-10 (0 unsup)."""

    text: str
    label: int
    rating: int
    id: int


def _split_of(folder: str, klass: str) -> str:
    return "unsup" if klass == "unsup" else folder


def _parse_name(name: str) -> tuple[str, str, int, int] | None:
    """(split, class, id, rating) of a review file name, or None for any other member."""
    match = _MEMBER.fullmatch(name)
    if match is None:
        return None
    folder, klass, review_id, rating = match.groups()
    return _split_of(folder, klass), klass, int(review_id), int(rating)


def _check_member_is_safe(archive: Path, member: tarfile.TarInfo) -> None:
    """Refuse archives with absolute or ``..`` member paths: they are not the real data set."""
    parts = PurePosixPath(member.name).parts
    if member.name.startswith(("/", "\\")) or ".." in parts:
        raise DataError(
            f"{archive}: member {member.name!r} points outside the archive folder; "
            "this is not the official IMDb archive, delete it and run `lstmlab data fetch imdb`"
        )


def _reason(error: Exception) -> str:
    return os_reason(error) if isinstance(error, OSError) and error.strerror else str(error)


def _iter_archive(path: Path, wanted: set[str]) -> Iterator[tuple[str, str, int, int, bytes]]:
    """(split, class, id, rating, raw text) of the wanted reviews, in archive order."""
    try:
        # Stream mode ("r|gz"): one sequential pass, no index of 100k members in memory.
        with tarfile.open(path, mode="r|gz") as archive:
            for member in archive:
                _check_member_is_safe(path, member)
                parsed = _parse_name(member.name)
                if parsed is None or parsed[0] not in wanted or not member.isfile():
                    continue
                file = archive.extractfile(member)
                assert file is not None  # a regular file always has contents
                yield (*parsed, file.read())
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise DataError(
            f"{path}: cannot read the archive ({_reason(error)}); it is corrupt or truncated, "
            "delete it and run `lstmlab data fetch imdb`"
        ) from error


def _iter_folder(root: Path, wanted: set[str]) -> Iterator[tuple[str, str, int, int, bytes]]:
    """The same from an extracted ``aclImdb/`` folder."""
    for folder, klass in _FOLDERS:
        if _split_of(folder, klass) not in wanted:
            continue
        directory = root / folder / klass
        if not directory.is_dir():
            raise DataError(f"{root}: has no folder {folder}/{klass}; is it the extracted aclImdb?")
        for file in directory.iterdir():
            parsed = _parse_name(f"aclImdb/{folder}/{klass}/{file.name}")
            if parsed is not None:
                try:
                    raw = file.read_bytes()
                except OSError as error:
                    raise DataError(f"{file}: cannot read: {_reason(error)}") from None
                yield (*parsed, raw)


def read_imdb_splits(
    path: str | os.PathLike[str],
    splits: Iterable[str] = ("train", "test"),
    *,
    check_sizes: bool = True,
    progress: bool = False,
) -> dict[str, list[Review]]:
    """Read several splits in one pass over the archive (or folder) at ``path``.

    ``check_sizes`` compares the number of reviews per class with the official data set
    (turn it off for small test archives).
    """
    path = Path(path)
    wanted = set(splits)
    unknown = wanted - set(SPLITS)
    if unknown:
        raise ValueError(f"unknown IMDb split(s) {sorted(unknown)}; choose from {SPLITS}")
    if path.is_dir():
        root = path / "aclImdb" if (path / "aclImdb").is_dir() else path
        items = _iter_folder(root, wanted)
    elif path.is_file():
        items = _iter_archive(path, wanted)
    else:
        raise DataError(f"{path}: no such file or folder; run `lstmlab data fetch imdb`")
    found: dict[str, list[tuple[int, int, Review]]] = {split: [] for split in wanted}
    order = {"neg": 0, "pos": 1, "unsup": 2}
    expected_total = sum(sum(EXPECTED_SIZES[split].values()) for split in wanted)
    bar = progress_bar(items, "reading IMDb", expected_total, leave=False, disable=not progress)
    for split, klass, review_id, rating, raw in bar:
        review = Review(raw.decode("utf-8", errors="replace"), LABELS[klass], rating, review_id)
        found[split].append((order[klass], review_id, review))
    reviews = {split: [r for *_, r in sorted(found[split], key=lambda t: t[:2])] for split in found}
    if check_sizes:
        class_names = {label: klass for klass, label in LABELS.items()}
        for split, split_reviews in reviews.items():
            counts = Counter(class_names[review.label] for review in split_reviews)
            _check_counts(path, split, counts)
    return reviews


def read_imdb(
    path: str | os.PathLike[str], split: str, *, check_sizes: bool = True
) -> list[Review]:
    """The reviews of one split (``train``, ``test`` or ``unsup``) of the archive or folder."""
    return read_imdb_splits(path, (split,), check_sizes=check_sizes)[split]


def count_reviews(path: str | os.PathLike[str]) -> dict[str, dict[str, int]]:
    """Reviews per split and class of an archive, from member names only (no text is read)."""
    path = Path(path)
    counts = {split: dict.fromkeys(EXPECTED_SIZES[split], 0) for split in SPLITS}
    try:
        with tarfile.open(path, mode="r|gz") as archive:
            for member in archive:
                _check_member_is_safe(path, member)
                parsed = _parse_name(member.name)
                if parsed is not None and member.isfile():
                    counts[parsed[0]][parsed[1]] += 1
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise DataError(
            f"{path}: cannot read the archive ({_reason(error)}); it is corrupt"
        ) from error
    return counts


def check_imdb_sizes(path: str | os.PathLike[str]) -> None:
    """Raise DataError unless the archive at ``path`` has the official number of reviews."""
    for split, split_counts in count_reviews(path).items():
        _check_counts(Path(path), split, split_counts)


def _check_counts(path: Path, split: str, counts: dict[str, int]) -> None:
    for klass, expected in EXPECTED_SIZES[split].items():
        if counts.get(klass, 0) != expected:
            raise DataError(
                f"{path}: IMDb split {split!r} has {counts.get(klass, 0):,} {klass} reviews, "
                f"expected {expected:,}; the data set is incomplete or not the official one "
                "(delete it and run `lstmlab data fetch imdb`)"
            )
