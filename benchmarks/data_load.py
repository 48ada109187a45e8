"""Time loading the encoded IMDb: first load (read, tokenize, encode, write cache), then cached.

    LSTMLAB_DATA=../shared/data .venv/bin/python benchmarks/data_load.py

Each load runs in a fresh process (as a training run would), against an empty temporary
cache folder, so the first load really builds the cache. Times cover the
``load_imdb_encoded`` call only (not the Python/torch import).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time

from lstmlab.data.imdb_encoded import load_imdb_encoded


def load_once(cache_dir: str, tokenizer: str) -> None:
    start = time.perf_counter()
    data = load_imdb_encoded(cache_dir=cache_dir, tokenizer=tokenizer, progress=False)
    seconds = time.perf_counter() - start
    tokens = sum(data.train.lengths()) + sum(data.test.lengths())
    print(f"{seconds:.2f} s  ({len(data.vocab):,} types, {tokens:,} tokens)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokenizer", default="review")
    parser.add_argument("--child-cache-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_cache_dir:
        load_once(args.child_cache_dir, args.tokenizer)
        return
    with tempfile.TemporaryDirectory() as cache_dir:
        for label in ("first load (builds the cache)", "second load (from the cache)"):
            command = [sys.executable, __file__, "--tokenizer", args.tokenizer]
            result = subprocess.run(
                [*command, "--child-cache-dir", cache_dir], capture_output=True, text=True
            )
            if result.returncode != 0:
                sys.exit(result.stderr)
            print(f"{label}: {result.stdout.strip()}")


if __name__ == "__main__":
    main()
