"""``--threads N`` of the prediction commands reaches torch before the model is loaded."""

from __future__ import annotations

import pytest
import torch

import lstmlab.api
from lstmlab.cli.main import main

COMMANDS = {
    "predict": ("sentiment_run", ["a wonderful film"]),
    "tag": ("pos_run", ["The cat sat on the mat ."]),
    "generate": ("lm_run", ["the cat", "--tokens", "3"]),
    "explain": ("sentiment_run", ["a wonderful film"]),
    "evaluate": ("pos_run", ["--file", "{run}/../test.txt"]),
}


@pytest.fixture
def threads_at_load(monkeypatch) -> list[int]:
    """torch's thread count each time a run is loaded; torch's own count restored after."""
    seen: list[int] = []
    load = lstmlab.api.load

    def recording_load(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return load(*args, **kwargs)

    monkeypatch.setattr(lstmlab.api, "load", recording_load)
    before = torch.get_num_threads()
    yield seen
    torch.set_num_threads(before)


@pytest.mark.parametrize("command", COMMANDS)
def test_threads_reach_torch_before_the_model_loads(command, request, threads_at_load, capsys):
    fixture, rest = COMMANDS[command]
    run = request.getfixturevalue(fixture)
    rest = [item.format(run=run) for item in rest]
    assert torch.get_num_threads() != 3
    assert main([command, str(run), *rest, "--threads", "3"]) == 0
    assert threads_at_load == [3]
    assert capsys.readouterr().out  # it answered


def test_without_threads_torch_keeps_its_count(sentiment_run, threads_at_load, capsys):
    before = torch.get_num_threads()
    assert main(["predict", str(sentiment_run), "a dull film"]) == 0
    assert threads_at_load == [before]


@pytest.mark.parametrize("value", ["-1", "100000"])
def test_threads_out_of_range_is_a_one_line_error(value, sentiment_run, threads_at_load, capsys):
    assert main(["predict", str(sentiment_run), "a dull film", "--threads", value]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lstmlab: error: --threads must be between 0") and err.count("\n") == 1
    assert threads_at_load == []  # refused before loading anything
