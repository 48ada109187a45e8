"""Benchmark: lstmlab's IMDb pipeline against the LSTM lab's basic pipeline, in one run.

    LSTMLAB_DATA=../shared/data .venv/bin/python benchmarks/imdb_lab_pipeline.py --epochs 10

Every row trains the lab's basic model (embedding 300, one LSTM of 32 units, Adam 5e-4,
batch 64, whitespace tokens with min_freq 5, reviews cut to their first 128 tokens) on
IMDb's training reviews, one after the other, each in a fresh Python process (process-wide
settings such as huge pages are fixed at a process's first large allocation), with the
same thread count:

1. ``lab pipeline (as written)``: every review padded/truncated to 128 ids in one tensor,
   a shuffled ``DataLoader`` over a ``TensorDataset``, ``h_n[-1]`` of the padded batch as
   the review's summary (it reads the padding), all 25,000 reviews, torch's defaults.
2. ``lab pipeline + lstmlab's process settings``: the same, with the two process-wide
   settings ``lstmlab train`` makes (denormals flushed to zero, huge pages for large
   tensors): how much of the gap those alone close.
3. ``lstmlab --preset lab``: the same model, pooling and optimizer through lstmlab's data
   path and trainer (22,500 reviews: 10 % are held out for validation).
4. the same model with ``last`` pooling, which never reads padding, and length-bucketed
   batches: the honest variant.

It prints, for each, the median seconds per training epoch, reviews per second, and
test accuracy after the last epoch (lstmlab: of the best validation epoch), plus the
throughput ratio against the lab pipeline as written.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm

from lstmlab.data.imdb import read_imdb_splits
from lstmlab.data.registry import locate
from lstmlab.tasks import get_task
from lstmlab.training.device import configure_cpu
from lstmlab.training.runner import train_run

MAX_LEN, MIN_FREQ, BATCH, LR = 128, 5, 64, 5e-4


class LabModel(nn.Module):
    """The lab's basic classifier: embedding 300 -> LSTM 32 -> h_n[-1] -> linear."""

    def __init__(self, vocab_size: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, 300, padding_idx=0)
        self.lstm = nn.LSTM(300, 32, batch_first=True)
        self.fc = nn.Linear(32, 2)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        _, (hidden, _) = self.lstm(self.embedding(ids))
        return self.fc(hidden[-1])


def lab_encode(texts: list[str], index: dict[str, int]) -> torch.Tensor:
    """Whitespace tokens -> ids, padded or truncated to MAX_LEN (0 = pad, 1 = unknown)."""
    rows = torch.zeros(len(texts), MAX_LEN, dtype=torch.long)
    for row, text in enumerate(texts):
        ids = [index.get(token, 1) for token in text.split()[:MAX_LEN]]
        rows[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
    return rows


def run_lab_pipeline(epochs: int) -> dict[str, float]:
    """The lab's pipeline, timed per epoch; returns seconds per epoch and test accuracy."""
    torch.manual_seed(0)
    splits = read_imdb_splits(locate("imdb"), ("train", "test"), progress=True)
    counts = Counter(token for r in splits["train"] for token in r.text.split())
    index = {w: i + 2 for i, w in enumerate(w for w, c in counts.items() if c >= MIN_FREQ)}
    train_x = lab_encode([r.text for r in splits["train"]], index)
    train_y = torch.tensor([r.label for r in splits["train"]])
    test_x = lab_encode([r.text for r in splits["test"]], index)
    test_y = torch.tensor([r.label for r in splits["test"]])
    loader = DataLoader(TensorDataset(train_x, train_y), batch_size=BATCH, shuffle=True)
    model = LabModel(len(index) + 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    seconds = []
    for epoch in range(epochs):
        model.train()
        started = time.perf_counter()
        for ids, labels in tqdm(loader, desc=f"lab epoch {epoch + 1}", leave=False):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(ids), labels)
            loss.backward()
            optimizer.step()
        seconds.append(time.perf_counter() - started)
        print(f"lab pipeline epoch {epoch + 1}: {seconds[-1]:.1f}s", flush=True)
    model.eval()
    with torch.no_grad():
        predicted = torch.cat([model(x).argmax(-1) for x in test_x.split(256)])
    return {
        "seconds": statistics.median(seconds),
        "reviews": len(train_y),
        "test_accuracy": float((predicted == test_y).float().mean()),
    }


def run_lstmlab(epochs: int, overrides: list[str], threads: int) -> dict[str, float]:
    spec = get_task("sentiment")
    config = spec.resolve_config(
        "lab", [f"train.epochs={epochs}", f"train.threads={threads}", *overrides]
    )
    with tempfile.TemporaryDirectory() as folder:
        metrics = train_run(spec, config, Path(folder) / "run")
        history = [
            json.loads(line)
            for line in (Path(folder) / "run" / "metrics.jsonl").read_text().splitlines()
        ]
    reviews = history[0]["train_examples_per_s"] * history[0]["seconds"]
    return {
        "seconds": statistics.median(r["seconds"] for r in history),
        "reviews": round(reviews),
        "test_accuracy": metrics["test_accuracy"],
    }


ROWS = {
    "lab pipeline (as written)": ("lab", []),
    "lab pipeline + lstmlab's process settings": ("lab-tuned", []),
    "lstmlab --preset lab": ("lstmlab", []),
    "lstmlab lab model, last pooling, bucketed": (
        "lstmlab",
        ["train.bucket=true", "model.pooling=last"],
    ),
}


def run_row(kind: str, epochs: int, overrides: list[str], threads: int) -> dict[str, float]:
    """One pipeline, in this process."""
    torch.set_num_threads(threads)
    if kind == "lab":
        return run_lab_pipeline(epochs)
    if kind == "lab-tuned":
        configure_cpu(threads)
        return run_lab_pipeline(epochs)
    return run_lstmlab(epochs, overrides, threads)


def run_in_fresh_process(name: str, args: argparse.Namespace) -> dict[str, float]:
    """Run one row in a child Python process; its last stdout line is the JSON result."""
    print(f"== {name}", flush=True)
    command = [
        sys.executable,
        __file__,
        "--row",
        name,
        "--epochs",
        str(args.epochs),
        "--threads",
        str(args.threads),
    ]
    env = {k: v for k, v in os.environ.items() if k != "THP_MEM_ALLOC_ENABLE"}
    child = subprocess.run(command, stdout=subprocess.PIPE, text=True, env=env, check=True)
    lines = child.stdout.strip().splitlines()
    print("\n".join(lines[:-1]), flush=True)
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--row", choices=list(ROWS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.row:  # a child process: run one row, print its result as the last line
        kind, overrides = ROWS[args.row]
        print(json.dumps(run_row(kind, args.epochs, overrides, args.threads)), flush=True)
        return
    results = {name: run_in_fresh_process(name, args) for name in ROWS}
    reference = results["lab pipeline (as written)"]
    reference_rate = reference["reviews"] / reference["seconds"]
    print(
        f"\ntorch {torch.__version__}, {args.threads} threads, {args.epochs} epochs, "
        "median epoch time"
    )
    print("| pipeline | s/epoch | reviews/s | throughput vs lab | test accuracy |")
    print("|---|---:|---:|---:|---:|")
    for name, result in results.items():
        rate = result["reviews"] / result["seconds"]
        print(
            f"| {name} | {result['seconds']:.1f} | {rate:.0f} | {rate / reference_rate:.2f}x "
            f"| {result['test_accuracy']:.4f} |"
        )


if __name__ == "__main__":
    main()
