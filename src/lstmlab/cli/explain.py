"""``lstmlab explain``: the lab's worked example, every gate at every step, checked against PyTorch.

With no arguments it runs the classic example: ``torch.manual_seed(20)``, an
``nn.LSTM(input_size=3, hidden_size=1, batch_first=True)`` whose ``weight_ih_l0`` is replaced
by ``torch.randn`` of its shape and whose biases are zero, fed a four-step sequence. It prints
the weights split per gate, then for each step the gates and states computed by
:class:`lstmlab.nn.LSTM` beside ``torch.nn.LSTM``'s output for that step.

``lstmlab explain RUN TEXT`` looks inside a trained run instead (:mod:`lstmlab.cli.explain_run`).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

from lstmlab.cli.predict import add_threads, use_threads
from lstmlab.data.textfile import quote, read_text
from lstmlab.errors import ConfigError, DataError

if TYPE_CHECKING:  # torch is imported when the example runs: `explain --help` needs none
    from torch import Tensor, nn

    from lstmlab.nn import LSTMGates

CLASSIC_SEQUENCE = [[0.3, 1.9, 4.5], [0.4, 0.1, 0.23], [0.7, 0.91, 0.43], [0.34, 0.01, 0.002]]
MAX_SIZE = 256  # largest --input-size / --hidden-size: every unit gets table rows
MAX_STEPS = 1000  # longest sequence shown
RANDOM_SEQUENCE_LENGTH = 4  # steps drawn when --input-size differs from the classic example's
GATES = ("i", "f", "g", "o")
EQUATIONS = """\
  i_t = sigmoid(W_ii x_t + W_hi h_(t-1) + b_i)    input gate: how much to write
  f_t = sigmoid(W_if x_t + W_hf h_(t-1) + b_f)    forget gate: how much of c_(t-1) to keep
  g_t =    tanh(W_ig x_t + W_hg h_(t-1) + b_g)    candidate values to write
  o_t = sigmoid(W_io x_t + W_ho h_(t-1) + b_o)    output gate: how much of the cell to show
  c_t = f_t * c_(t-1) + i_t * g_t                 h_t = o_t * tanh(c_t)"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "explain",
        help="show an LSTM's gates step by step (the lab's worked example, or a trained run)",
        description="Without RUN: run a small LSTM on a short sequence and print every gate "
        "and state at every step, computed by lstmlab's LSTM and checked against "
        "torch.nn.LSTM. With RUN TEXT: run a trained model on TEXT through the transparent "
        "LSTM and print, per token, the most active units' gates and states.",
    )
    parser.add_argument("run", nargs="?", metavar="RUN", help="a trained run folder (optional)")
    parser.add_argument("texts", nargs="*", metavar="TEXT", help="with RUN: the text to explain")
    parser.add_argument("--input-size", type=int, help="features per step (default: 3)")
    parser.add_argument("--hidden-size", type=int, help="LSTM units (default: 1)")
    parser.add_argument("--seed", type=int, help="torch.manual_seed (default: 20)")
    parser.add_argument(
        "--sequence",
        help="the input: inline JSON such as '[[0.1,0.2,0.3],[0.4,0.5,0.6]]', or a .json/.csv "
        "file with one step per row (default: the classic four-step sequence)",
    )
    parser.add_argument("--plot", type=Path, metavar="FILE.png", help="draw the gates as heatmaps")
    add_threads(parser)
    from lstmlab.cli.explain_run import add_run_arguments

    add_run_arguments(parser)
    parser.set_defaults(func=run_explain)


def run_explain(args: argparse.Namespace) -> int:
    use_threads(args)
    if args.run is not None:
        from lstmlab.cli.explain_run import explain_run

        return explain_run(args)
    if args.texts:
        raise ConfigError("TEXT needs a RUN: lstmlab explain RUN TEXT")
    args.hidden_size = 1 if args.hidden_size is None else args.hidden_size
    args.seed = 20 if args.seed is None else args.seed
    sequence = read_sequence(args.sequence) if args.sequence is not None else None
    input_size = _input_size(args.input_size, sequence)
    if not 1 <= args.hidden_size <= MAX_SIZE:
        raise ConfigError(
            f"--hidden-size must be between 1 and {MAX_SIZE} (a table row per "
            f"unit), got {args.hidden_size}"
        )
    if not -(2**63) <= args.seed < 2**64:
        raise ConfigError(f"--seed must fit in 64 bits, got {args.seed}")
    import torch

    from lstmlab.nn import LSTM, LSTMGates

    torch_lstm = build_worked_example(input_size, args.hidden_size, args.seed)
    if sequence is None:
        sequence = (
            CLASSIC_SEQUENCE
            if input_size == len(CLASSIC_SEQUENCE[0])
            else torch.rand(RANDOM_SEQUENCE_LENGTH, input_size).tolist()
        )
    inputs = torch.tensor(sequence, dtype=torch.float32).unsqueeze(0)  # (1, T, input_size)
    with torch.no_grad():
        _, _, all_gates = LSTM.from_torch(torch_lstm).forward_with_gates(inputs)
        torch_outputs, _ = torch_lstm(inputs)
    gates = LSTMGates(*(tensor[0] for tensor in all_gates["l0"]))  # each (T, hidden_size)

    print(
        f"LSTM(input_size={input_size}, hidden_size={args.hidden_size}), seed {args.seed}, "
        f"{len(sequence)} steps, biases zero\n"
    )
    print(EQUATIONS + "\n")
    print(format_weights(torch_lstm) + "\n")
    table, largest_difference = format_steps(inputs[0], gates, torch_outputs[0])
    print(table + "\n")
    print(f"largest |h_t - torch.nn.LSTM h_t|: {largest_difference:.3g}")
    if args.plot is not None:
        plot_gates(gates, args.plot)
        print(f"gate heatmaps written to {args.plot}")
    return 0


def build_worked_example(input_size: int, hidden_size: int, seed: int) -> nn.LSTM:
    """The lab's setup: seeded LSTM, ``weight_ih_l0`` from ``randn``, zero biases."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    lstm = nn.LSTM(input_size=input_size, hidden_size=hidden_size, batch_first=True)
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.randn(lstm.weight_ih_l0.shape))
        lstm.bias_ih_l0.zero_()
        lstm.bias_hh_l0.zero_()
    return lstm


# --- reading the sequence --------------------------------------------------------------------


def read_sequence(source: str) -> list[list[float]]:
    """Inline JSON (starting with ``[``) or a .json / .csv file -> ``T`` rows of numbers."""
    if source.lstrip().startswith("["):
        try:
            return _validated(json.loads(source), "--sequence", ConfigError)
        except json.JSONDecodeError as error:
            raise ConfigError(f"--sequence is not valid JSON: {error.msg}") from None
        except RecursionError:
            raise ConfigError("--sequence is nested too deeply to be a sequence") from None
    path = Path(source)
    if not path.exists():
        raise DataError(f"sequence file not found: {path}")
    text = read_text(path)  # UTF-8 only: a binary file is one error line
    if path.suffix.lower() == ".json":
        try:
            return _validated(json.loads(text), str(path), DataError)
        except json.JSONDecodeError as error:
            raise DataError(f"{path}: not valid JSON: {error.msg} (line {error.lineno})") from None
        except RecursionError:
            raise DataError(f"{path}: nested too deeply to be a sequence") from None
    return _read_csv(text, path)


def _read_csv(text: str, path: Path) -> list[list[float]]:
    """One step per line, values separated by commas; blank lines and ``#`` comments ignored."""
    rows = []
    for line_number, line in enumerate(text.split("\n"), start=1):
        try:  # one line at a time: a quote never runs on into the next line
            row = next(csv.reader([line]), [])
        except csv.Error as error:  # e.g. a field over csv's size limit
            raise DataError(f"{path}:{line_number}: not a row of numbers ({error})") from None
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        try:
            rows.append([float(value) for value in row])
        except ValueError:
            raise DataError(f"{path}:{line_number}: not a row of numbers: {quote(line)}") from None
    return _validated(rows, str(path), DataError)


def _validated(value: object, origin: str, error: type[Exception]) -> list[list[float]]:
    """Check a parsed sequence is a non-empty list of equally long lists of finite numbers."""
    if not isinstance(value, list) or not value:
        raise error(f"{origin}: expected a non-empty list of steps, e.g. [[0.1, 0.2], [0.3, 0.4]]")
    for step, row in enumerate(value):
        if not isinstance(row, list) or not row:
            raise error(f"{origin}: step {step} is not a non-empty list of numbers")
        for number in row:
            if isinstance(number, bool) or not isinstance(number, int | float):
                raise error(f"{origin}: step {step} holds {number!r}, which is not a number")
            if not math.isfinite(number):
                raise error(f"{origin}: step {step} holds {number}, which is not finite")
        if len(row) != len(value[0]):
            raise error(
                f"{origin}: step {step} has {len(row)} values but step 0 has {len(value[0])}"
            )
    return [[float(number) for number in row] for row in value]


def _input_size(requested: int | None, sequence: list[list[float]] | None) -> int:
    if requested is not None and not 1 <= requested <= MAX_SIZE:
        raise ConfigError(f"--input-size must be between 1 and {MAX_SIZE}, got {requested}")
    if sequence is None:
        return requested or len(CLASSIC_SEQUENCE[0])
    width = len(sequence[0])
    if width > MAX_SIZE or len(sequence) > MAX_STEPS:
        raise ConfigError(
            f"the sequence has {len(sequence)} steps of {width} values; explain "
            f"shows at most {MAX_STEPS} steps of {MAX_SIZE}"
        )
    if requested is not None and requested != width:
        raise ConfigError(
            f"the sequence has {width} values per step but --input-size is {requested}"
        )
    return width


# --- printing --------------------------------------------------------------------------------


def _numbers(values: Tensor | list[float], width: int = 8, digits: int = 4) -> str:
    return " ".join(f"{float(value):{width}.{digits}f}" for value in values)


def format_weights(lstm: nn.LSTM) -> str:
    """``weight_ih_l0`` and ``weight_hh_l0`` split into i, f, g, o blocks, one row per unit."""
    hidden = lstm.hidden_size
    weight_ih, weight_hh = lstm.weight_ih_l0.detach(), lstm.weight_hh_l0.detach()
    bias = (lstm.bias_ih_l0 + lstm.bias_hh_l0).detach()
    x_width = 9 * lstm.input_size - 1
    lines = [
        "Weights per gate (rows of weight_ih_l0 | weight_hh_l0, bias = bias_ih + bias_hh):",
        f"gate unit  {'W_x (weight_ih)':<{x_width}}   {'W_h (weight_hh)':<{9 * hidden - 1}}   bias",
    ]
    for gate_index, gate in enumerate(GATES):
        for unit in range(hidden):
            row = gate_index * hidden + unit
            lines.append(
                f"{gate if unit == 0 else '':<4} {unit:>4}  {_numbers(weight_ih[row])}   "
                f"{_numbers(weight_hh[row])}   {float(bias[row]):7.4f}"
            )
    return "\n".join(lines)


def format_steps(inputs: Tensor, gates: LSTMGates, torch_outputs: Tensor) -> tuple[str, float]:
    """The per-step table, one row per (step, unit), and the largest difference from PyTorch.

    Args:
        inputs: ``(T, input_size)``.
        gates: lstmlab's gates and states, each ``(T, hidden_size)``.
        torch_outputs: ``torch.nn.LSTM``'s output ``(T, hidden_size)``.
    """
    differences = (gates.h - torch_outputs).abs()
    x_width = 7 * inputs.size(1) - 1
    columns = ["i", "f", "g", "o", "c_t", "h_t", "torch h_t"]
    header = f"{'t':>3}  {'x_t':<{x_width}}  {'unit':>4} " + "".join(f"{c:>10}" for c in columns)
    lines = [header + f"{'|diff|':>10}", "-" * (len(header) + 10)]
    for t in range(inputs.size(0)):
        for unit in range(gates.h.size(1)):
            step = f"{t:>3}" if unit == 0 else "   "
            x_t = _numbers(inputs[t], width=6, digits=3) if unit == 0 else ""
            values = [tensor[t, unit] for tensor in (*gates, torch_outputs)]
            lines.append(
                f"{step}  {x_t:<{x_width}}  {unit:>4} {_numbers(values, width=10, digits=6)}"
                f"{float(differences[t, unit]):10.1e}"
            )
    return "\n".join(lines), float(differences.max())


# --- plotting --------------------------------------------------------------------------------


def plot_gates(gates: LSTMGates, path: Path) -> None:
    """Heatmaps of c, h, i, f, g, o (units x time steps), one panel each, saved as PNG."""
    from lstmlab.inspect.heatmap import plot_heatmaps

    plot_heatmaps(
        gates,
        [f"t={t}" for t in range(gates.h.size(0))],
        path,
        "the worked example: every gate and state",
    )
