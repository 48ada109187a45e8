"""``lstmlab explain``: real numbers equal torch.nn.LSTM's, the plot is a PNG, bad input exits 2."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from lstmlab.cli.main import main

CLASSIC = [[0.3, 1.9, 4.5], [0.4, 0.1, 0.23], [0.7, 0.91, 0.43], [0.34, 0.01, 0.002]]
PRINTED = 2e-6  # the table prints 6 decimals; float32 rounding adds a little


def expected_steps(sequence, hidden_size, seed):
    """The worked example computed here, from the equations, with torch.nn.LSTM's weights.

    Returns per step ``(i, f, g, o, c, h)`` each of shape (hidden_size,), and torch's outputs.
    """
    torch.manual_seed(seed)
    lstm = nn.LSTM(input_size=len(sequence[0]), hidden_size=hidden_size, batch_first=True)
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.randn(lstm.weight_ih_l0.shape))
        lstm.bias_ih_l0.zero_()
        lstm.bias_hh_l0.zero_()
        x = torch.tensor(sequence).unsqueeze(0)
        torch_output = lstm(x)[0][0]
    w_ih, w_hh = lstm.weight_ih_l0.detach().double(), lstm.weight_hh_l0.detach().double()
    h = c = torch.zeros(hidden_size, dtype=torch.float64)
    steps = []
    for x_t in torch.tensor(sequence, dtype=torch.float64):
        i, f, g, o = (w_ih @ x_t + w_hh @ h).split(hidden_size)
        i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
        c = f * c + i * g
        h = o * c.tanh()
        steps.append(torch.stack([i, f, g, o, c, h]))
    return torch.stack(steps), torch_output  # (T, 6, hidden), (T, hidden)


def table_rows(text):
    """The step table: per printed row, [unit, i, f, g, o, c_t, h_t, torch h_t, |diff|]."""
    lines = text.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("---")) + 1
    rows = []
    for line in lines[start:]:
        if not line.strip():
            break
        rows.append([float(token) for token in line.split()[-9:]])
    return torch.tensor(rows, dtype=torch.float64)


def check_output(text, sequence, hidden_size, seed):
    steps, torch_output = expected_steps(sequence, hidden_size, seed)
    rows = table_rows(text)
    assert rows.shape == (len(sequence) * hidden_size, 9)
    for t in range(len(sequence)):
        for unit in range(hidden_size):
            row = rows[t * hidden_size + unit]
            assert row[0] == unit
            torch.testing.assert_close(row[1:7], steps[t, :, unit], rtol=0, atol=PRINTED)
            assert abs(row[7] - float(torch_output[t, unit])) <= PRINTED
            assert row[8] <= 1e-6  # lstmlab and torch agree


def test_default_runs_the_classic_example(capsys):
    assert main(["explain"]) == 0
    out = capsys.readouterr().out
    check_output(out, CLASSIC, hidden_size=1, seed=20)
    # The weights, split per gate: the i row holds weight_ih_l0[0] from torch.randn after seed 20.
    torch.manual_seed(20)
    lstm = nn.LSTM(3, 1, batch_first=True)
    first_row = torch.randn(lstm.weight_ih_l0.shape)[0]
    i_line = next(line for line in out.splitlines() if line.startswith("i "))
    printed = [float(token) for token in i_line.split()[2:5]]
    assert printed == pytest.approx(first_row.tolist(), abs=1e-4)


def test_own_sizes_seed_and_inline_sequence(capsys):
    sequence = [[0.5, -1.0], [2.0, 0.25], [0.0, 1.5]]
    assert (
        main(["explain", "--hidden-size", "3", "--seed", "7", "--sequence", json.dumps(sequence)])
        == 0
    )
    check_output(capsys.readouterr().out, sequence, hidden_size=3, seed=7)


@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_sequence_from_file(tmp_path, capsys, suffix):
    sequence = [[1.0, 0.5, -0.5, 2.0], [0.1, 0.2, 0.3, 0.4]]
    path = tmp_path / f"sequence{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(sequence))
    else:
        path.write_text("# x1,x2,x3,x4\n" + "\n".join(",".join(map(str, r)) for r in sequence))
    assert main(["explain", "--sequence", str(path), "--hidden-size", "2"]) == 0
    check_output(capsys.readouterr().out, sequence, hidden_size=2, seed=20)


def test_plot_writes_a_png(tmp_path, capsys):
    path = tmp_path / "gates.png"
    assert main(["explain", "--hidden-size", "2", "--plot", str(path)]) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(path) in capsys.readouterr().out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--sequence", "[[1, 2, 3], [4, 5"], "not valid JSON"),
        (["--sequence", "[[1, 2, 3], [4, 5]]"], "step 1 has 2 values"),
        (["--sequence", '[[1, "a", 3]]'], "not a number"),
        (["--sequence", "[]"], "non-empty"),
        (["--sequence", "[[1, 2, 3]]", "--input-size", "4"], "--input-size is 4"),
        (["--sequence", "no/such/file.csv"], "not found"),
        (["--hidden-size", "0"], "--hidden-size"),
        (["--plot", "no/such/dir/plot.png"], "cannot write the plot"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, arguments, message):
    assert main(["explain", *arguments]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("lstmlab: error:")
    assert message in err


def test_malformed_csv_names_the_line(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("1,2,3\n4,five,6\n")
    assert main(["explain", "--sequence", str(path)]) == 2
    assert f"{path}:2" in capsys.readouterr().err
