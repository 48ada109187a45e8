"""The task registry: a task defined in this file alone trains, evaluates and predicts
through the command line and the notebook API, with no edit anywhere else."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import Tensor, nn

import lstmlab
from lstmlab.cli.main import main
from lstmlab.errors import ConfigError
from lstmlab.tasks import get_task, register_task, task_names, unregister_task
from lstmlab.training.task import Prepared, Selection, StepResult, Task


@dataclass
class ParityData:
    examples: int = 200


@dataclass
class ParityModel:
    hidden_size: int = 8


class ParityNet(nn.Module):
    """Is the first id odd? (an LSTM that must remember its first input)."""

    def __init__(self, hidden_size: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(10, 4, padding_idx=0)
        self.lstm = nn.LSTM(4, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, 2)

    def forward(self, ids: Tensor, lengths: Tensor) -> Tensor:
        output, _ = self.lstm(self.embedding(ids))
        return self.out(output[torch.arange(len(ids)), lengths - 1])


def parity_examples(n: int, seed: int) -> list[dict[str, Any]]:
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(1, 10, (n, 4), generator=generator)
    return [{"ids": row, "label": int(row[0]) % 2} for row in ids]


class ParityTask(Task):
    name = "parity"
    help = "a test-only task: is the first digit odd?"
    data_cls = ParityData
    model_cls = ParityModel
    selection = Selection("loss", "min")  # a task picks its own metric and direction
    predict_command = "guess-parity"
    predict_help = "say whether the first digit is odd"

    def prepare(self, config, data_dir) -> Prepared:
        n = config.data.examples
        return Prepared(
            train=parity_examples(n, 1),
            val=parity_examples(n // 4, 2),
            test=parity_examples(n // 4, 3),
            state={"digits": list(range(10))},
            info={"train": n},
        )

    def build_model(self, config, state) -> nn.Module:
        return ParityNet(config.model.hidden_size)

    def step(self, model, batch) -> StepResult:
        logits = model(batch["ids"], batch["lengths"])
        loss = F.cross_entropy(logits, batch["label"], reduction="sum")
        return StepResult(
            loss, len(batch["label"]), int((logits.argmax(-1) == batch["label"]).sum())
        )

    def labelled_examples(self, config, state, path: Path):
        digits = [[int(c) for c in line] for line in path.read_text().split()]
        return [{"ids": torch.tensor(d), "label": d[0] % 2} for d in digits]

    def run_predict(self, trained, texts: list[str], args: argparse.Namespace) -> None:
        for text in texts:
            print(self.api_guess(trained, text))

    def api_guess(self, trained, text: str) -> str:
        ids = torch.tensor([[int(c) for c in text]])
        logits = trained.model(ids, torch.tensor([ids.size(1)]))
        return "odd" if int(logits.argmax()) == 1 else "even"


@pytest.fixture
def parity_task():
    task = register_task(ParityTask())
    yield task
    unregister_task("parity")


def test_a_registered_task_runs_through_cli_and_api(parity_task, tmp_path, capsys) -> None:
    assert "parity" in task_names()
    run = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "parity",
                "--out",
                str(run),
                "--set",
                "train.epochs=8",
                "--set",
                "train.lr=0.03",
                "--set",
                "data.examples=400",
            ]
        )
        == 0
    )
    metrics = json.loads((run / "test_metrics.json").read_text())
    assert metrics["test_accuracy"] > 0.9
    assert "best_val_loss" in metrics  # the task's selection metric
    capsys.readouterr()

    assert main(["guess-parity", str(run), "3456", "8123"]) == 0
    assert capsys.readouterr().out.split() == ["odd", "even"]
    assert lstmlab.load(run).guess("7000") == "odd"

    digits = tmp_path / "digits.txt"
    digits.write_text("1234\n2345\n3456\n")
    assert main(["evaluate", str(run), "--file", str(digits), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["accuracy"] == 1.0

    again = lstmlab.train("parity", out=tmp_path / "api-run", train={"epochs": 1})
    assert "test_accuracy" in again


def test_train_help_lists_tasks_presets_and_settings(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = capsys.readouterr().out
    for name in task_names():
        assert name in out
    with pytest.raises(SystemExit):
        main(["train", "sentiment", "--help"])
    out = capsys.readouterr().out
    assert "lab, pretrained, task1" in out.replace("best, ", "")
    assert "pooling='last'" in out and "epochs=5" in out


def test_unknown_task_is_a_one_line_error() -> None:
    with pytest.raises(ConfigError, match="unknown task 'nope'; choose one of sentiment"):
        get_task("nope")


def test_a_run_config_json_is_a_preset(tmp_path, capsys) -> None:
    train, test = tmp_path / "train.tsv", tmp_path / "test.tsv"
    train.write_text("pos\ta good film\nneg\ta bad film\n" * 20)
    test.write_text("pos\tgood\nneg\tbad\n")
    first = tmp_path / "first"
    assert (
        main(
            [
                "train",
                "sentiment",
                "--train",
                str(train),
                "--test",
                str(test),
                "--out",
                str(first),
                "--set",
                "train.epochs=1",
                "--set",
                "model.hidden_size=5",
            ]
        )
        == 0
    )
    second = tmp_path / "second"
    assert (
        main(
            [
                "train",
                "sentiment",
                "--preset",
                str(first / "config.json"),
                "--out",
                str(second),
                "--set",
                "train.epochs=1",
            ]
        )
        == 0
    )
    one, two = (json.loads((run / "config.json").read_text()) for run in (first, second))
    assert one == two
    assert main(["train", "pos", "--preset", str(first / "config.json")]) == 2
    assert "is a sentiment run's, not a pos one" in capsys.readouterr().err
