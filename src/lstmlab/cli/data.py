"""``lstmlab data list`` and ``lstmlab data fetch NAME``: what data is here, and getting it."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from tqdm import tqdm

from lstmlab.data.download import fetch_dataset
from lstmlab.data.imdb import count_reviews, read_imdb_splits
from lstmlab.data.paths import check_data_root, data_root
from lstmlab.data.registry import DATASETS, MIRROR_ENV_VAR, locate
from lstmlab.data.tagged import read_brown, read_conll
from lstmlab.errors import DataError

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
    fetching.add_argument("--no-progress", action="store_true", help="no progress bar")
    fetching.set_defaults(func=run_fetch)


def run_list(args: argparse.Namespace) -> int:
    print(f"data root: {check_data_root(data_root(args.data_dir))}")
    for name in tqdm(DATASETS, desc="checking", leave=False):
        try:
            path = locate(name, args.data_dir)
        except DataError as missing:  # says which file to put where
            tqdm.write(f"{name:<10} missing   {missing}")
            continue
        try:
            splits = SPLIT_SUMMARIES[name](path)
        except DataError as error:
            splits = f"UNREADABLE: {error}"
        tqdm.write(f"{name:<10} present   {path}  {_format_size(_size_of(path))}  {splits}")
    return 0


def run_fetch(args: argparse.Namespace) -> int:
    paths = fetch_dataset(
        args.name, args.data_dir, mirror=args.mirror, progress=not args.no_progress
    )
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


def _imdb_splits(path: Path) -> str:
    if path.is_dir():  # an extracted folder: counting the files means reading them
        counts = {s: len(r) for s, r in read_imdb_splits(path, ("train", "test", "unsup")).items()}
    else:
        counts = {split: sum(by_class.values()) for split, by_class in count_reviews(path).items()}
    return ", ".join(f"{split} {n:,}" for split, n in counts.items())


def _conll_splits(folder: Path) -> str:
    parts = []
    for split in ("train", "test"):
        sentences = read_conll(folder / f"{split}.txt.gz")
        tokens = sum(len(s) for s in sentences)
        parts.append(f"{split} {len(sentences):,} sentences / {tokens:,} tokens")
    return ", ".join(parts)


def _brown_splits(zip_path: Path) -> str:
    sentences = read_brown(zip_path)
    return f"{len(sentences):,} sentences / {sum(len(s) for s in sentences):,} tokens"


def _trec_splits(zip_path: Path) -> str:
    from lstmlab.data.trec import SPLITS, read_trec

    return ", ".join(f"{split} {len(read_trec(zip_path, split)):,} questions" for split in SPLITS)


def _conll2002_splits(zip_path: Path) -> str:
    from lstmlab.data.tagged import CONLL2002_LANGUAGES, CONLL2002_SPLITS, read_conll2002

    return "; ".join(
        f"{language} "
        + ", ".join(
            f"{split} {len(read_conll2002(zip_path, language, split)):,}"
            for split in CONLL2002_SPLITS
        )
        + " sentences"
        for language in CONLL2002_LANGUAGES
    )


# Cheap counts of what each data set holds, for ``data list``.
SPLIT_SUMMARIES: dict[str, Callable[[Path], str]] = {
    "imdb": _imdb_splits,
    "conll2000": _conll_splits,
    "brown": _brown_splits,
    "trec": _trec_splits,
    "conll2002": _conll2002_splits,
}
