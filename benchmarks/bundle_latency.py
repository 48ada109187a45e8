"""An exported bundle vs its PyTorch run: size on disk, and per-review latency at batch 1 and 64.

    flock /tmp/lstmlab-heavy.lock env LSTMLAB_DATA=../shared/data \\
        .venv/bin/python benchmarks/bundle_latency.py runs/<sentiment run> --threads 1

Exports the run (ONNX) into a temporary folder unless ``--bundle DIR`` names one. Both
sides do the whole job a user's call does: tokenize, encode, truncate, run the model,
softmax -- ``lstmlab.load(run).predict(texts)`` against
``lstmlab.runtime.load_bundle(bundle).predict(texts)`` -- on IMDb test reviews drawn with
a fixed seed. Latency per review = a call's wall time / the reviews in it; the median of
``--repeats`` passes is shown. Both sides get ``--threads`` threads.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

import lstmlab
from lstmlab.data.imdb import read_imdb
from lstmlab.data.registry import locate
from lstmlab.export import export_run
from lstmlab.runtime import load_bundle


def per_review_ms(predict, texts: list[str], batch: int, repeats: int) -> float:
    """Median over ``repeats`` passes of (wall time of the calls / reviews), in ms."""
    passes = []
    for _ in range(repeats):
        start = time.perf_counter()
        for i in range(0, len(texts), batch):
            predict(texts[i : i + batch])
        passes.append((time.perf_counter() - start) / len(texts) * 1000)
    return statistics.median(passes)


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.iterdir() if f.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--bundle", type=Path, help="an exported bundle of RUN_DIR")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--reviews", type=int, default=640, help="reviews per pass")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    reviews = read_imdb(locate("imdb"), "test")
    texts = [r.text for r in random.Random(args.seed).sample(reviews, args.reviews)]
    with tempfile.TemporaryDirectory() as tmp:
        bundle_dir = args.bundle
        if bundle_dir is None:
            bundle_dir = Path(tmp) / "bundle"
            export_run(args.run_dir, bundle_dir, "onnx")
        trained = lstmlab.load(args.run_dir)
        bundle = load_bundle(bundle_dir, threads=args.threads)

        expected = np.array([r["p_pos"] for r in trained.predict(texts)])
        got = np.array([r["p_pos"] for r in bundle.predict(texts)])
        print(
            f"{len(texts)} IMDb test reviews; max |p_pos(ONNX) - p_pos(PyTorch)| = "
            f"{np.abs(got - expected).max():.1e}; labels agree on "
            f"{np.mean((got > 0.5) == (expected > 0.5)):.1%}"
        )
        sizes = {
            name: (bundle_dir / name).stat().st_size for name in ("model.onnx", "model.safetensors")
        }
        print(
            f"bundle {folder_size(bundle_dir) / 1e6:.1f} MB (model.onnx "
            f"{sizes['model.onnx'] / 1e6:.1f} MB, model.safetensors "
            f"{sizes['model.safetensors'] / 1e6:.1f} MB); the run's best.pt "
            f"{(args.run_dir / 'best.pt').stat().st_size / 1e6:.1f} MB"
        )
        print(
            "\n| batch | PyTorch ms/review | ONNX Runtime ms/review | speed-up |"
            "\n| --- | --- | --- | --- |"
        )
        for batch in (1, 64):
            # Batch 1 is slow: time a quarter of the reviews for it.
            sample = texts[: len(texts) // 4] if batch == 1 else texts
            torch_ms = per_review_ms(trained.predict, sample, batch, args.repeats)
            onnx_ms = per_review_ms(bundle.predict, sample, batch, args.repeats)
            print(f"| {batch} | {torch_ms:.2f} | {onnx_ms:.2f} | {torch_ms / onnx_ms:.2f}x |")


if __name__ == "__main__":
    main()
