"""Forward+backward time of lstmlab.nn.LSTM against torch.nn.LSTM, in one process.

Each round times torch.nn.LSTM and lstmlab's paths one after the other on the same input
(interleaved, so a noisy shared machine slows all alike): "fast" (the default: the time loop
compiled to C++), "fast-python" (the same algorithm, its loop in Python: what "fast" falls back
to) and "reference" (one readable step at a time). The table reports the median over rounds
after warm-up, and each lstmlab path's ratio to torch. First, the fast path's one-off costs are
timed in fresh processes: building the extension into an empty cache, and loading it from the
cache (the first call of every later process).

    python benchmarks/lstm_speed.py [--rounds 15] [--warmup 3] [--threads N] [--large]
        [--skip reference] [--no-first-call] [--no-flush-denormal]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import NamedTuple

import torch
from torch import nn
from tqdm import tqdm

from lstmlab.nn import LSTM


class Size(NamedTuple):
    batch: int
    seq_len: int
    input_size: int
    hidden_size: int
    num_layers: int = 1
    bidirectional: bool = False

    def __str__(self) -> str:
        text = f"B={self.batch} T={self.seq_len} I={self.input_size} H={self.hidden_size}"
        if self.num_layers > 1:
            text += f" L={self.num_layers}"
        return text + (" bi" if self.bidirectional else "")


SIZES = [
    Size(64, 128, 300, 32),
    Size(64, 200, 128, 64, num_layers=2, bidirectional=True),
    Size(32, 50, 128, 64, bidirectional=True),
]
LARGE = Size(64, 400, 256, 256)
PATHS = ("fast", "fast-python", "reference")


def forward_backward_seconds(lstm: nn.Module, inputs: torch.Tensor) -> float:
    """Wall time of one forward and backward pass (loss = sum of the output)."""
    start = time.perf_counter()
    output, _ = lstm(inputs)
    output.sum().backward()
    return time.perf_counter() - start


def contenders(size: Size, paths: list[str]) -> dict[str, nn.Module]:
    """torch.nn.LSTM and the lstmlab ``paths``, all with the same weights."""
    torch_lstm = nn.LSTM(
        size.input_size, size.hidden_size, size.num_layers, bidirectional=size.bidirectional
    )
    modules: dict[str, nn.Module] = {"torch": torch_lstm}
    for path in paths:
        modules[path] = LSTM.from_torch(torch_lstm)
        modules[path].implementation = path
    return modules


def median_times(
    size: Size, paths: list[str], rounds: int, warmup: int, progress: Callable[[], None]
) -> dict:
    """Median forward+backward seconds per contender, measured in interleaved rounds."""
    modules = contenders(size, paths)
    inputs = torch.randn(size.seq_len, size.batch, size.input_size, requires_grad=True)
    times: dict[str, list[float]] = {name: [] for name in modules}
    for round_index in range(warmup + rounds):
        for name, module in modules.items():
            seconds = forward_backward_seconds(module, inputs)
            if round_index >= warmup:
                times[name].append(seconds)
        progress()
    return {name: statistics.median(values) for name, values in times.items()}


FIRST_CALL = """
import time, torch
start = time.perf_counter()
from lstmlab.nn import kernel
assert kernel.recurrence_ops() is not None, "the extension did not build"
print(time.perf_counter() - start)
"""


def first_call_seconds() -> tuple[float, float]:
    """Seconds to build the extension into an empty cache, then to load it from that cache.

    Each in a fresh process (after ``import torch``), as a user's first and later runs.
    """
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, TORCH_EXTENSIONS_DIR=cache)
        run = [sys.executable, "-c", FIRST_CALL]
        build, load = (
            float(subprocess.run(run, env=env, check=True, capture_output=True, text=True).stdout)
            for _ in range(2)
        )
    return build, load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="timed rounds (default 15)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed rounds first (default 3)")
    parser.add_argument("--threads", type=int, help="torch.set_num_threads (default: torch's)")
    parser.add_argument(
        "--no-flush-denormal", action="store_true", help="leave denormal flushing off"
    )
    parser.add_argument(
        "--large", action="store_true", help=f"also time {LARGE} (without the reference path)"
    )
    parser.add_argument("--skip", nargs="*", default=[], choices=PATHS, help="lstmlab paths")
    parser.add_argument("--no-first-call", action="store_true", help="skip the build timing")
    args = parser.parse_args()
    paths = [path for path in PATHS if path not in args.skip]
    sizes = [*SIZES, LARGE] if args.large else SIZES
    if args.threads:
        torch.set_num_threads(args.threads)
    # Long sequences drive some backward-pass values into denormals, which are very slow on
    # x86 CPUs; flushing them to zero changes nothing visible at float32 precision.
    flush = not args.no_flush_denormal and torch.set_flush_denormal(True)
    torch.manual_seed(0)

    if not args.no_first_call:
        build, load = first_call_seconds()
        print(f"fast path, first call: {build:.1f} s to build the extension into an empty cache")
        print(f"(once per machine), {load:.2f} s to load it from the cache (once per process)")
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"flush_denormal={'on' if flush else 'off'}, median of {args.rounds} rounds "
        f"after {args.warmup} warm-up, forward+backward, float32"
    )
    header = f"{'size':<30} {'torch.nn.LSTM':>13}" + "".join(f" {path:>19}" for path in paths)
    print(header)
    print("-" * len(header))
    with tqdm(total=len(sizes) * (args.rounds + args.warmup), desc="timing", leave=False) as bar:
        for size in sizes:
            # The reference path at the large size would only lengthen the run.
            timed = [path for path in paths if size != LARGE or path != "reference"]
            median = median_times(size, timed, args.rounds, args.warmup, lambda: bar.update())
            base = median["torch"]
            cells = [
                f"{median[p] * 1e3:8.1f} ms {median[p] / base:5.2f}x" if p in median else "-"
                for p in paths
            ]
            row = f"{size!s:<30} {base * 1e3:10.1f} ms" + "".join(f" {c:>19}" for c in cells)
            tqdm.write(row)


if __name__ == "__main__":
    main()
