"""The named data sets lstmlab knows: where each file lives, where it comes from, how to check it.

Every data set lives under the data root (:func:`lstmlab.data.paths.data_root`) with the
layout of its official distribution::

    <data root>/aclImdb_v1.tar.gz          (or the extracted folder aclImdb/)
    <data root>/conll2000/train.txt.gz
    <data root>/conll2000/test.txt.gz
    <data root>/nltk/brown.zip
    <data root>/nltk/universal_tagset.zip
    <data root>/nltk/qc.zip                 (TREC question classification)
    <data root>/nltk/conll2002.zip          (CoNLL-2002 NER, Spanish and Dutch)

``lstmlab data fetch NAME`` downloads a data set from its official source, or from
``$LSTMLAB_MIRROR/<path above>`` when that variable is set (a local copy or a test server).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import urllib.parse
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lstmlab.data.imdb import check_imdb_sizes
from lstmlab.data.paths import data_root
from lstmlab.errors import DataError

MIRROR_ENV_VAR = "LSTMLAB_MIRROR"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class DataFile:
    """One file of a data set.

    ``sha256`` is the checksum of the file as published (None when none is published).
    ``check`` verifies the contents instead (raising DataError): a downloaded file must pass
    both, a file found in place either one. That accepts the shared IMDb archive, a repack
    with the official files, and checks CoNLL-2000 by its text since gzip headers vary.
    """

    path: str  # relative to the data root, with '/' separators
    url: str
    sha256: str | None = None
    check: Callable[[Path], None] | None = None
    # A download stops past this size (a mirror that streams endless bytes would fill the
    # disk): far above every file here (IMDb's archive, the largest, is 84 MB).
    max_bytes: int = 256 << 20

    def source_url(self, mirror: str | None = None) -> str:
        """``<mirror>/<path>`` if a mirror is given or ``$LSTMLAB_MIRROR`` set, else ``url``."""
        mirror = mirror_url(mirror or os.environ.get(MIRROR_ENV_VAR))
        return f"{mirror.rstrip('/')}/{self.path}" if mirror else self.url


MIRROR_SCHEMES = ("http", "https", "ftp", "file")


def mirror_url(mirror: str | None) -> str | None:
    """A mirror as a base URL: an http(s)/ftp/file URL as given, a local folder as file://.

    DataError for anything else (e.g. ``not a url``), instead of urllib's ValueError later.
    """
    if not mirror:
        return None
    scheme = urllib.parse.urlsplit(mirror).scheme.lower()
    if scheme in MIRROR_SCHEMES:
        return mirror
    if not scheme and Path(mirror).expanduser().is_dir():
        return Path(mirror).expanduser().resolve().as_uri()
    raise DataError(
        f"mirror {mirror!r} is neither a URL ({', '.join(MIRROR_SCHEMES)}) nor a folder; "
        f"check --mirror or ${MIRROR_ENV_VAR}"
    )


@dataclass(frozen=True)
class DataSet:
    """A named data set: its files, and which path :func:`locate` returns for it."""

    name: str
    description: str
    files: tuple[DataFile, ...]
    main: str  # path (relative to the data root) that locate() returns
    alternatives: tuple[str, ...] = ()  # other accepted forms of ``main`` (an extracted folder)
    parts: dict[str, str] = field(default_factory=dict)  # part name -> relative path


def gunzipped_sha256_check(expected: str) -> Callable[[Path], None]:
    """A check that a ``.gz`` file's uncompressed content has sha256 ``expected``."""

    def check(path: Path) -> None:
        digest = hashlib.sha256()
        try:
            with gzip.open(path, "rb") as file:
                while chunk := file.read(_CHUNK):
                    digest.update(chunk)
        except (OSError, EOFError, zlib.error) as error:
            raise DataError(f"{path}: not a valid gzip file ({error})") from None
        if digest.hexdigest() != expected:
            raise DataError(
                f"{path}: content checksum {digest.hexdigest()} differs from the official "
                f"{expected}; delete it and download it again"
            )

    return check


_CONLL_URL = "https://www.clips.uantwerpen.be/conll2000/chunking"
_NLTK_URL = "https://raw.githubusercontent.com/nltk/nltk_data/gh-pages/packages"

DATASETS: dict[str, DataSet] = {
    dataset.name: dataset
    for dataset in (
        DataSet(
            name="imdb",
            description="Large Movie Review Dataset v1.0 (Maas et al., 2011): sentiment",
            files=(
                DataFile(
                    "aclImdb_v1.tar.gz",
                    "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
                    # The official archive's checksum (cross-checked against several
                    # independent loaders that pin it).
                    sha256="c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe",
                    check=check_imdb_sizes,
                ),
            ),
            main="aclImdb_v1.tar.gz",
            alternatives=("aclImdb",),
            parts={"archive": "aclImdb_v1.tar.gz"},
        ),
        DataSet(
            name="conll2000",
            description="CoNLL-2000 chunking (WSJ; word POS chunk): POS tagging, chunking",
            files=(
                DataFile(
                    "conll2000/train.txt.gz",
                    f"{_CONLL_URL}/train.txt.gz",
                    check=gunzipped_sha256_check(
                        "82033cd7a72b209923a98007793e8f9de3abc1c8b79d646c50648eb949b87cea"
                    ),
                ),
                DataFile(
                    "conll2000/test.txt.gz",
                    f"{_CONLL_URL}/test.txt.gz",
                    check=gunzipped_sha256_check(
                        "73b7b1e565fa75a1e22fe52ecdf41b6624d6f59dacb591d44252bf4d692b1628"
                    ),
                ),
            ),
            main="conll2000",
            parts={"train": "conll2000/train.txt.gz", "test": "conll2000/test.txt.gz"},
        ),
        DataSet(
            name="brown",
            description="Brown corpus (NLTK package) + universal tag mapping: POS tagging",
            files=(
                DataFile(
                    "nltk/brown.zip",
                    f"{_NLTK_URL}/corpora/brown.zip",
                    sha256="9b275f9b3b95d7bd66ccfb7cd259f445a13bbe5d1f4107aba09fd3e8364bafa6",
                ),
                DataFile(
                    "nltk/universal_tagset.zip",
                    f"{_NLTK_URL}/taggers/universal_tagset.zip",
                    sha256="d490e1ae8f5625dcdfdda04be15c22a2aade8c2561a36a61edcdf0c7d6aa8352",
                ),
            ),
            main="nltk/brown.zip",
            parts={"brown": "nltk/brown.zip", "universal_tagset": "nltk/universal_tagset.zip"},
        ),
        DataSet(
            name="trec",
            description="TREC question classification (Li & Roth 2002; NLTK package qc)",
            files=(
                DataFile(
                    "nltk/qc.zip",
                    f"{_NLTK_URL}/corpora/qc.zip",
                    sha256="091fb01e50883014d150acb7d5013d787136968b3f955ae01725a65e7e80f304",
                ),
            ),
            main="nltk/qc.zip",
            parts={"qc": "nltk/qc.zip"},
        ),
        DataSet(
            name="conll2002",
            description="CoNLL-2002 named entities, Spanish and Dutch (NLTK package)",
            files=(
                DataFile(
                    "nltk/conll2002.zip",
                    f"{_NLTK_URL}/corpora/conll2002.zip",
                    sha256="64440e49236d0d393e08e0b266284966d68e2d2a82a50cc41b8e96d98c03b5c8",
                ),
            ),
            main="nltk/conll2002.zip",
            parts={"conll2002": "nltk/conll2002.zip"},
        ),
    )
}


def get_dataset(name: str) -> DataSet:
    try:
        return DATASETS[name]
    except KeyError:
        raise DataError(f"unknown data set {name!r}; known: {', '.join(DATASETS)}") from None


def locate(
    name: str, data_dir: str | os.PathLike[str] | None = None, part: str | None = None
) -> Path:
    """The path of data set ``name`` under the data root; DataError saying what to put where.

    Without ``part``: imdb → the archive (or an extracted ``aclImdb/`` folder), conll2000 →
    the ``conll2000/`` folder, brown → ``nltk/brown.zip``, trec → ``nltk/qc.zip``,
    conll2002 → ``nltk/conll2002.zip``; all the data set's files must be present. With
    ``part`` (imdb: ``archive``; conll2000: ``train``/``test``; brown:
    ``brown``/``universal_tagset``; trec: ``qc``; conll2002: ``conll2002``) → that one file.
    """
    dataset = get_dataset(name)
    root = data_root(data_dir)
    if part is not None:
        if part not in dataset.parts:
            raise DataError(f"data set {name!r} has no part {part!r}; parts: {list(dataset.parts)}")
        path = root / dataset.parts[part]
        if not path.exists():
            raise _missing_error(dataset, root, [path])
        return path
    if dataset.alternatives:  # e.g. the IMDb archive or its extracted folder: either will do
        for relative in (dataset.main, *dataset.alternatives):
            if (root / relative).exists():
                return root / relative
    missing = [root / f.path for f in dataset.files if not (root / f.path).exists()]
    if missing:
        raise _missing_error(dataset, root, missing)
    return root / dataset.main


def _missing_error(dataset: DataSet, root: Path, missing: list[Path]) -> DataError:
    sources = {root / f.path: f.source_url() for f in dataset.files}
    wanted = "; ".join(f"put {sources.get(p, p.name)} at {p}" for p in missing)
    return DataError(
        f"data set {dataset.name!r} is missing: {wanted} "
        f"(`lstmlab data fetch {dataset.name}` downloads it; the data root is set by "
        f"--data-dir or $LSTMLAB_DATA)"
    )


def sha256_of(path: Path) -> str:
    """The sha256 hex digest of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
