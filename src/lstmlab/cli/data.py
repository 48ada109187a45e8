"""``lstmlab data list`` and ``lstmlab data fetch NAME``: what data is here, and getting it."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from lstmlab.data.download import fetch_dataset
from lstmlab.data.imdb import (
    EXPECTED_SIZES,
    LABELS,
    SPLITS,
    count_reviews,
    read_imdb_splits,
)
from lstmlab.data.paths import check_data_root, data_root
from lstmlab.data.registry import DATASETS, MIRROR_ENV_VAR, locate
from lstmlab.data.tagged import read_brown, read_conll
from lstmlab.errors import DataError
from lstmlab.progress import bar as progress_bar
from lstmlab.progress import write as progress_write

DATA_DIR_HELP = (
    "data root (default: $LSTMLAB_DATA, else $XDG_CACHE_HOME/lstmlab or ~/.cache/lstmlab)"
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "data", help="list or download the data sets", description="List or download data sets."
    )
    commands = parser.add_subparsers(dest="data_command", metavar="ACTION", required=True)

    listing = commands.add_parser("list", help="show each data set: present or not, where, size")
    listing.add_argument("--data-dir", help=DATA_DIR_HELP)
    listing.set_defaults(func=run_list)

    fetching = commands.add_parser(
        "fetch",
        help="download a data set, verify it, move it into place",
        description=f"Download data set NAME from its official source (or from "
        f"${MIRROR_ENV_VAR}/<path> when set), verify its checksum, and move it into place. "
        "Files already present and valid are kept.",
    )
    fetching.add_argument("name", choices=sorted(DATASETS), metavar="NAME", help="data set name")
    fetching.add_argument("--data-dir", help=DATA_DIR_HELP)
    fetching.add_argument("--mirror", help=f"base URL to download from (default ${MIRROR_ENV_VAR})")
    fetching.set_defaults(func=run_fetch)


def run_list(args: argparse.Namespace) -> int:
    """One line per data set; exit 2 when one present is damaged or unreadable."""
    print(f"data root: {check_data_root(data_root(args.data_dir))}")
    damaged = 0
    for name in progress_bar(DATASETS, desc="checking", leave=False):
        try:
            path = locate(name, args.data_dir)
        except DataError as missing:  # says which file to put where
            progress_write(f"{name:<10} missing   {missing}")
            continue
        try:
            splits, counts = SPLIT_SUMMARIES[name](path)
        except DataError as error:
            damaged += 1
            splits = f"UNREADABLE: {error}"
        else:
            short = _shortfall(counts, COMPLETE.get(name, {}))
            if short:
                damaged += 1
                splits = (
                    f"DAMAGED: {splits}; a complete copy holds {short} (garbage inside it, "
                    f"or renamed or missing members): delete it and run `lstmlab data fetch "
                    f"{name}`"
                )
        state = "damaged" if splits.startswith(("DAMAGED", "UNREADABLE")) else "present"
        progress_write(f"{name:<10} {state:<9} {path}  {_format_size(_size_of(path))}  {splits}")
    return 2 if damaged else 0


def _shortfall(counts: dict[str, int], complete: dict[str, int]) -> str:
    """The counts a complete copy holds where ``counts`` differ ("" when all agree)."""
    return ", ".join(
        f"{key} {expected:,}" for key, expected in complete.items() if counts.get(key) != expected
    )


def run_fetch(args: argparse.Namespace) -> int:
    # Its bar follows the one switch (``--no-progress``, $LSTMLAB_NO_PROGRESS).
    paths = fetch_dataset(args.name, args.data_dir, mirror=args.mirror)
    for path in paths:
        print(f"{args.name}: {path} ({_format_size(path.stat().st_size)}) verified")
    return 0


def _size_of(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _format_size(n_bytes: int) -> str:
    size = float(n_bytes)
    for unit in ("B", "KiB", "MiB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def _imdb_key(split: str, klass: str) -> str:
    return split if klass == split else f"{split} {klass}"  # "train pos", "unsup"


def _imdb_splits(path: Path) -> tuple[str, dict[str, int]]:
    if path.is_dir():  # an extracted folder: counting the files means reading them
        by_split = read_imdb_splits(path, SPLITS, check_sizes=False)
        counts = {
            _imdb_key(split, klass): sum(1 for review in reviews if review.label == LABELS[klass])
            for split, reviews in by_split.items()
            for klass in EXPECTED_SIZES[split]
        }
    else:
        counts = {
            _imdb_key(split, klass): n
            for split, by_class in count_reviews(path).items()
            for klass, n in by_class.items()
        }
    totals = {split: sum(n for k, n in counts.items() if k.startswith(split)) for split in SPLITS}
    return ", ".join(f"{split} {n:,}" for split, n in totals.items()), counts


def _conll_splits(folder: Path) -> tuple[str, dict[str, int]]:
    parts, counts = [], {}
    for split in ("train", "test"):
        sentences = read_conll(folder / f"{split}.txt.gz")
        tokens = sum(len(s) for s in sentences)
        parts.append(f"{split} {len(sentences):,} sentences / {tokens:,} tokens")
        counts[f"{split} sentences"] = len(sentences)
        counts[f"{split} tokens"] = tokens
    return ", ".join(parts), counts


def _brown_splits(zip_path: Path) -> tuple[str, dict[str, int]]:
    sentences = read_brown(zip_path)
    tokens = sum(len(s) for s in sentences)
    return f"{len(sentences):,} sentences / {tokens:,} tokens", {
        "sentences": len(sentences),
        "tokens": tokens,
    }


def _trec_splits(zip_path: Path) -> tuple[str, dict[str, int]]:
    from lstmlab.data.trec import SPLITS as TREC_SPLITS
    from lstmlab.data.trec import read_trec

    counts = {f"{split} questions": len(read_trec(zip_path, split)) for split in TREC_SPLITS}
    return ", ".join(f"{key.split()[0]} {n:,} questions" for key, n in counts.items()), counts


def _conll2002_splits(zip_path: Path) -> tuple[str, dict[str, int]]:
    from lstmlab.data.tagged import CONLL2002_LANGUAGES, CONLL2002_SPLITS, read_conll2002

    counts = {
        f"{language} {split}": len(read_conll2002(zip_path, language, split))
        for language in CONLL2002_LANGUAGES
        for split in CONLL2002_SPLITS
    }
    text = "; ".join(
        f"{language} "
        + ", ".join(f"{split} {counts[f'{language} {split}']:,}" for split in CONLL2002_SPLITS)
        + " sentences"
        for language in CONLL2002_LANGUAGES
    )
    return text, counts


# What each data set holds, for ``data list``: a line of text and the counts behind it.
SPLIT_SUMMARIES: dict[str, Callable[[Path], tuple[str, dict[str, int]]]] = {
    "imdb": _imdb_splits,
    "conll2000": _conll_splits,
    "brown": _brown_splits,
    "trec": _trec_splits,
    "conll2002": _conll2002_splits,
}

# What a complete copy of each data set holds (the official distributions' counts). A copy
# that differs is damaged: garbage inside a .tar.gz ends tar's reading early without an
# error, and a renamed member is not counted, so neither can pass for a complete copy.
COMPLETE: dict[str, dict[str, int]] = {
    "imdb": {
        _imdb_key(split, klass): n
        for split, by_class in EXPECTED_SIZES.items()
        for klass, n in by_class.items()
    },
    "conll2000": {
        "train sentences": 8_936,
        "train tokens": 211_727,
        "test sentences": 2_012,
        "test tokens": 47_377,
    },
    "brown": {"sentences": 57_340, "tokens": 1_161_192},
    "trec": {"train questions": 5_452, "test questions": 500},
    "conll2002": {
        "esp train": 8_323,
        "esp validation": 1_915,
        "esp test": 1_517,
        "ned train": 15_806,
        "ned validation": 2_895,
        "ned test": 5_195,
    },
}
