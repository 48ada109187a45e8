"""Is the leave-one-out evidence faithful? Remove the top-k evidence words vs k random words.

    flock /tmp/lstmlab-heavy.lock .venv/bin/python benchmarks/evidence_faithfulness.py \
        runs/<sentiment-run> --reviews 200

On a seeded sample of the run's *test* reviews (encoded and truncated as the run reads
them), for each review and each k: the drop in the predicted label's probability when the
k tokens with the most evidence for that label are removed, against the mean drop over 5
draws of k random tokens (:func:`lstmlab.inspect.evidence.faithfulness`). A faithful
explanation makes the first drop much larger.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import torch

import lstmlab
from lstmlab.inspect import inspector_for
from lstmlab.inspect.evidence import faithfulness
from lstmlab.tasks import get_task


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a sentiment run folder")
    parser.add_argument("--reviews", type=int, default=200)
    parser.add_argument("--k", type=int, nargs="+", default=[1, 3, 5, 10])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--data-dir")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    inspector = inspector_for(lstmlab.load(args.run))
    test = get_task("sentiment").prepare(inspector.config, args.data_dir).test
    chosen = random.Random(0).sample(range(len(test)), min(args.reviews, len(test)))
    reviews = [test[i]["ids"] for i in chosen]
    lengths = sorted(r.numel() for r in reviews)
    print(
        f"{args.run}: {len(reviews)} test reviews, median {lengths[len(lengths) // 2]} "
        f"tokens (as the run reads them)"
    )
    print(f"{'k':>3}  {'top-k drop':>10}  {'random drop':>11}  {'top-k larger':>12}")
    start = time.perf_counter()
    results = faithfulness(inspector.probabilities, reviews, ks=args.k, draws=5, seed=0)
    for k, result in results.items():
        print(
            f"{k:>3}  {result.top_k_drop:10.3f}  {result.random_drop:11.3f}  "
            f"{result.top_k_wins:11.1%}  ({result.reviews} reviews)"
        )
    print(f"{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
