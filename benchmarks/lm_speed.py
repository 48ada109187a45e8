"""Language-model training speed (tokens/s): hidden sizes x cells x CPU threads, one process.

What ``lstmlab train lm --preset best`` does per step, on the same fixed batches of IMDb
train + unsup text: the preset's model (30,000 words, embedding 256, adaptive softmax) with
``model.hidden_size`` H and ``model.cell`` C, the task's loss over a batch of 64 strips x 70
steps (carried state), Adam with the preset's clipping, ``torch.set_num_threads(N)``. Each
round runs ``--steps`` steps of every configuration one after the other (interleaved, so
load from other jobs hits all alike); the table gives the median tokens/s over the rounds
after ``--warmup`` rounds, and each configuration's ratio to torch's cell ("lstm") at the
same size and thread count (above 1: faster than torch's).

    LSTMLAB_DATA=../shared/data python benchmarks/lm_speed.py [--hidden 256 512]
        [--cells lstm lstmlab] [--threads 1 2] [--precisions float32 bfloat16]
        [--steps 8] [--rounds 3] [--warmup 1]

Run it alone on the machine (with --rounds 5 it took 412 s on the 2-core CPU; the
table is in BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from typing import Any

import torch
from torch import nn

from lstmlab.tasks import get_task


def fixed_batches(documents: int, steps: int) -> tuple[Any, list[dict], Any, dict]:
    """The ``best`` preset's configuration, ``steps`` batches of its first ``documents``
    training reviews, the task's training part and the vocabulary."""
    spec = get_task("lm")
    config = spec.resolve_config("best", [f"data.max_documents={documents}"])
    training = spec.trainer()
    prepared = training.prepare(config, None)
    loader = training.make_loader(
        prepared.train, config.train.batch_size, config, shuffle=False, seed=0
    )
    loader.batch_sampler.set_epoch(0)
    batches = list(itertools.islice(iter(loader), steps))
    return config, batches, training, prepared.vocabs


def make_model(config, training, vocabs, hidden: int, cell: str) -> tuple[nn.Module, Any]:
    """The preset's model with ``hidden`` units of ``cell``, seeded, and its Adam."""
    config.model.hidden_size, config.model.cell = hidden, cell
    torch.manual_seed(0)
    model = training.build_model(config, vocabs).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=config.train.lr)
    return model, optimizer


def train_steps(
    model, optimizer, training, batches, clip: float, precision: str = "float32"
) -> tuple[float, int]:
    """Seconds for one training step on each batch, and the tokens predicted; the forward
    pass under autocast in ``precision`` unless float32 (as ``train.precision`` does)."""
    tokens = 0
    low = precision != "float32"
    dtype = getattr(torch, precision) if low else None
    start = time.perf_counter()
    for batch in batches:
        with torch.autocast("cpu", dtype=dtype, enabled=low):
            result = training.step(model, batch)
        units = result.counts["units"]
        optimizer.zero_grad(set_to_none=True)
        (result.loss_sum / units).backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        tokens += units
    return time.perf_counter() - start, tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--cells", nargs="+", default=["lstm", "lstmlab"])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--precisions", nargs="+", default=["float32"], choices=["float32", "bfloat16"]
    )
    parser.add_argument("--steps", type=int, default=8, help="steps per round (default 8)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (default 3)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds (default 1)")
    parser.add_argument("--documents", type=int, default=2000, help="reviews read (2000)")
    args = parser.parse_args()
    if "lstm" not in args.cells:
        parser.error("--cells must include lstm: the ratios are against torch's cell")

    started = time.perf_counter()
    config, batches, training, vocabs = fixed_batches(args.documents, args.steps)
    shape = tuple(batches[0]["ids"].shape)
    print(
        f"{len(batches)} fixed batches of {shape[0]} x {shape[1]} tokens; torch {torch.__version__}"
    )
    configs = list(itertools.product(args.hidden, args.cells, args.threads, args.precisions))
    models = {c: make_model(config, training, vocabs, c[0], c[1]) for c in configs}
    rates: dict[tuple, list[float]] = {c: [] for c in configs}
    for round_index in range(args.warmup + args.rounds):
        for hidden, cell, threads, precision in configs:
            torch.set_num_threads(threads)
            model, optimizer = models[(hidden, cell, threads, precision)]
            model.carried = None  # each round starts its strips from zeros
            seconds, tokens = train_steps(
                model, optimizer, training, batches, config.train.clip_grad, precision
            )
            if round_index >= args.warmup:
                rates[(hidden, cell, threads, precision)].append(tokens / seconds)
        print(f"round {round_index + 1}/{args.warmup + args.rounds} done", flush=True)

    median = {c: statistics.median(r) for c, r in rates.items()}
    reference = args.precisions[0]
    print(
        "\n| hidden | cell | threads | precision | tokens/s (median) | min-max "
        f"| vs lstm {reference} |"
    )
    print("| ---: | --- | ---: | --- | ---: | --- | ---: |")
    for key in configs:
        hidden, cell, threads, precision = key
        rate = median[key]
        low, high = min(rates[key]), max(rates[key])
        ratio = rate / median[(hidden, "lstm", threads, reference)]
        print(
            f"| {hidden} | {cell} | {threads} | {precision} | {rate:,.0f} | {low:,.0f}-{high:,.0f} "
            f"| {ratio:.2f} |"
        )
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
