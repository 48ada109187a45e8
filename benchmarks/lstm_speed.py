"""Forward+backward time of lstmlab.nn.LSTM against torch.nn.LSTM, in one process.

Each round times torch.nn.LSTM, lstmlab's fast path and lstmlab's reference path one after the
other on the same input (interleaved, so a noisy shared machine slows all three alike), and the
table reports the median over rounds after warm-up, and each lstmlab path's ratio to torch.

    python benchmarks/lstm_speed.py [--rounds 15] [--warmup 3] [--threads N] [--no-flush-denormal]
"""

from __future__ import annotations

import argparse
import statistics
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


def forward_backward_seconds(lstm: nn.Module, inputs: torch.Tensor) -> float:
    """Wall time of one forward and backward pass (loss = sum of the output)."""
    start = time.perf_counter()
    output, _ = lstm(inputs)
    output.sum().backward()
    return time.perf_counter() - start


def contenders(size: Size) -> dict[str, nn.Module]:
    """torch.nn.LSTM and both lstmlab paths, all with the same weights."""
    torch_lstm = nn.LSTM(
        size.input_size, size.hidden_size, size.num_layers, bidirectional=size.bidirectional
    )
    fast = LSTM.from_torch(torch_lstm)
    reference = LSTM.from_torch(torch_lstm)
    reference.implementation = "reference"
    return {"torch": torch_lstm, "fast": fast, "reference": reference}


def median_times(size: Size, rounds: int, warmup: int, progress: Callable[[], None]) -> dict:
    """Median forward+backward seconds per contender, measured in interleaved rounds."""
    modules = contenders(size)
    inputs = torch.randn(size.seq_len, size.batch, size.input_size, requires_grad=True)
    times: dict[str, list[float]] = {name: [] for name in modules}
    for round_index in range(warmup + rounds):
        for name, module in modules.items():
            seconds = forward_backward_seconds(module, inputs)
            if round_index >= warmup:
                times[name].append(seconds)
        progress()
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="timed rounds (default 15)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed rounds first (default 3)")
    parser.add_argument("--threads", type=int, help="torch.set_num_threads (default: torch's)")
    parser.add_argument(
        "--no-flush-denormal", action="store_true", help="leave denormal flushing off"
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    # Long sequences drive some backward-pass values into denormals, which are very slow on
    # x86 CPUs; flushing them to zero changes nothing visible at float32 precision.
    flush = not args.no_flush_denormal and torch.set_flush_denormal(True)
    torch.manual_seed(0)

    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"flush_denormal={'on' if flush else 'off'}, median of {args.rounds} rounds "
        f"after {args.warmup} warm-up, forward+backward, float32"
    )
    header = f"{'size':<32} {'torch.nn.LSTM':>14} {'lstmlab fast':>19} {'lstmlab reference':>19}"
    print(header)
    print("-" * len(header))
    with tqdm(total=len(SIZES) * (args.rounds + args.warmup), desc="timing", leave=False) as bar:
        for size in SIZES:
            median = median_times(size, args.rounds, args.warmup, lambda: bar.update())
            base = median["torch"]
            cells = [
                f"{median[name] * 1e3:8.1f} ms {median[name] / base:5.2f}x"
                for name in ("fast", "reference")
            ]
            tqdm.write(f"{size!s:<32} {base * 1e3:11.1f} ms {cells[0]:>19} {cells[1]:>19}")


if __name__ == "__main__":
    main()
