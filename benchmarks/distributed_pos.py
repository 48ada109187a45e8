"""Benchmark: one POS epoch on CoNLL-2000, one process against two under ``torchrun``.

    LSTMLAB_DATA=/work/shared/data .venv/bin/python benchmarks/distributed_pos.py

Runs, one after the other (each a real ``lstmlab train pos`` command):

    1 process  x 1 thread
    1 process  x 2 threads
    2 processes x 1 thread, the same global batch (train.keep_global_batch=true)
    2 processes x 1 thread, twice the global batch (batch_size per process)

and prints a Markdown table: the epoch's training seconds (from metrics.jsonl: training
only, no start-up, data loading or validation), training sentences per second, the speed-up
against each single-process run, validation accuracy and the command's wall time. Last, it
times one gloo all-reduce of a gradient the size of the model between 2 processes here
(what data parallelism adds to every step).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.distributed as dist


@dataclass
class Setup:
    label: str
    processes: int
    threads: int
    keep_global_batch: bool = True


SETUPS = [
    Setup("1 process x 1 thread", 1, 1),
    Setup("1 process x 2 threads", 1, 2),
    Setup("2 processes x 1 thread, same global batch", 2, 1),
    Setup("2 processes x 1 thread, global batch x 2", 2, 1, keep_global_batch=False),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def command(setup: Setup, out: Path, preset: str, batch_size: int) -> list[str]:
    launcher = [sys.executable]
    if setup.processes > 1:
        launcher += [
            "-m",
            "torch.distributed.run",
            "--nproc_per_node",
            str(setup.processes),
            "--master_addr",
            "127.0.0.1",
            "--master_port",
            str(free_port()),
        ]
    return [
        *launcher,
        "-m",
        "lstmlab",
        "train",
        "pos",
        "--preset",
        preset,
        "--out",
        str(out),
        "--threads",
        str(setup.threads),
        "--set",
        "train.epochs=1",
        "--set",
        f"train.batch_size={batch_size}",
        "--set",
        f"train.keep_global_batch={str(setup.keep_global_batch).lower()}",
    ]


def run(setup: Setup, out: Path, preset: str, batch_size: int) -> dict[str, float]:
    """Train one epoch as ``setup`` says; the child's own output (and progress bar) shows."""
    argv = command(setup, out, preset, batch_size)
    print(f"\n### {setup.label}\n$ {' '.join(argv)}", flush=True)
    started = time.perf_counter()
    subprocess.run(argv, check=True, env={**os.environ, "OMP_NUM_THREADS": str(setup.threads)})
    wall = time.perf_counter() - started
    (epoch,) = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    return {
        "seconds": epoch["seconds"],
        "per_s": epoch["train_examples_per_s"],
        "val_acc": epoch["val_acc"],
        "wall": wall,
    }


def table(results: dict[str, dict[str, float]]) -> str:
    one_thread = results[SETUPS[0].label]["seconds"]
    two_threads = results[SETUPS[1].label]["seconds"]
    lines = [
        "| setup | epoch train s | sentences/s | speed-up vs 1x1 | vs 1x2 threads "
        "| val acc | wall s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, r in results.items():
        lines.append(
            f"| {label} | {r['seconds']:.1f} | {r['per_s']:.0f} "
            f"| {one_thread / r['seconds']:.2f} | {two_threads / r['seconds']:.2f} "
            f"| {r['val_acc']:.4f} | {r['wall']:.0f} |"
        )
    return "\n".join(lines)


def parameter_count(run_dir: Path) -> int:
    state = torch.load(run_dir / "last.pt", weights_only=True)["model"]
    return sum(tensor.numel() for tensor in state.values())


def _all_reduce_worker(
    rank: int, numel: int, port: int, repeats: int, results: multiprocessing.Queue
) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2)
    gradient = torch.ones(numel)
    dist.all_reduce(gradient)  # warm-up: connections, buffers
    dist.barrier()
    started = time.perf_counter()
    for _ in range(repeats):
        dist.all_reduce(gradient)
    if rank == 0:
        results.put((time.perf_counter() - started) / repeats)
    dist.destroy_process_group()


def all_reduce_seconds(numel: int, repeats: int = 20) -> float:
    """Mean time of one all-reduce of ``numel`` float32 between 2 gloo processes on 127.0.0.1."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    port = free_port()
    workers = [
        context.Process(target=_all_reduce_worker, args=(rank, numel, port, repeats, results))
        for rank in (0, 1)
    ]
    for worker in workers:
        worker.start()
    seconds = results.get(timeout=300)
    for worker in workers:
        worker.join()
    return seconds


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="lab", help="POS preset (default: lab)")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=32,
        help="global batch (per process for the 'x 2' run); default 32",
    )
    args = parser.parse_args()
    if not os.environ.get("LSTMLAB_DATA"):
        sys.exit("set LSTMLAB_DATA to the folder holding conll2000/")
    print(f"{os.cpu_count()} CPUs; load average before: {load_average()}")
    results = {}
    with tempfile.TemporaryDirectory(prefix="lstmlab-bench-") as folder:
        for index, setup in enumerate(SETUPS):
            out = Path(folder) / f"run{index}"
            results[setup.label] = run(setup, out, args.preset, args.batch_size)
        numel = parameter_count(out)
    print(f"\nload average after: {load_average()}\n")
    print(table(results))
    seconds = all_reduce_seconds(numel)
    same_batch = results[SETUPS[2].label]
    steps = same_batch["per_s"] * same_batch["seconds"] / args.batch_size
    print(
        f"\none gloo all-reduce of the {numel:,}-parameter gradient (float32, "
        f"{numel * 4 / 2**20:.1f} MiB) between 2 processes: {seconds * 1e3:.1f} ms; "
        f"x {steps:.0f} steps of the same-global-batch epoch = {seconds * steps:.1f} s"
    )


if __name__ == "__main__":
    main()
