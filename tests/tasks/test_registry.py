"""The task registry: a task defined in this file alone — config, codec, training,
predictor, export and inspector parts — trains, evaluates, predicts, exports, runs without
torch and is looked inside, through the command line, the API and the page's JSON API,
with no edit anywhere else. It is also the smallest complete example of a task package
(see the README's "Adding a task")."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import Tensor, nn

import lstmlab
from lstmlab.cli.main import main
from lstmlab.errors import ConfigError
from lstmlab.export.graphs import GraphSpec
from lstmlab.inspect.tasks import Inspector
from lstmlab.tasks import Command, TaskSpec, get_task, register_task, task_names, unregister_task
from lstmlab.tasks.base import Prepared, StepResult, TaskExport, TaskTraining
from lstmlab.tasks.codec import Encoded, pad_ids, softmax
from lstmlab.tasks.predictor import Predictor


@dataclass
class ParityData:  # the config part: the [data] settings
    examples: int = 200

    def validate(self) -> None:
        if self.examples < 8:
            raise ConfigError("data.examples must be >= 8")


@dataclass
class ParityModel:  # the [model] settings
    hidden_size: int = 8


class ParityNet(nn.Module):
    """Is the first digit odd? (an LSTM that must remember its first input)."""

    def __init__(self, hidden_size: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(11, 4, padding_idx=0)
        self.lstm = nn.LSTM(4, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, 2)

    def lstm_inputs(self, ids: Tensor) -> Tensor:
        return self.embedding(ids)

    def forward(self, ids: Tensor, lengths: Tensor) -> Tensor:
        output, _ = self.lstm(self.lstm_inputs(ids))  # [B, T, H]
        last = (lengths - 1).view(-1, 1, 1).expand(-1, 1, output.size(2))
        return self.out(output.gather(1, last).squeeze(1))  # each row's last real step


class DigitCodec:  # the codec part: text -> ids, logits -> answers (no torch)
    labels = ("even", "odd")

    def __init__(self, data: Any, vocabs: dict[str, Any]) -> None:
        self.digits = vocabs["digits"]

    def encode(self, text: str) -> Encoded:
        digits = [c for c in text if c.isdigit()]
        return Encoded(digits, {"ids": [int(c) + 1 for c in digits]})  # 0 is the pad id

    def pad(self, items: list[Encoded]) -> dict[str, np.ndarray]:
        ids, lengths = pad_ids([item.features["ids"] for item in items])
        return {"ids": ids, "lengths": lengths}

    def unpad(self, output: np.ndarray, row: int, item: Encoded) -> np.ndarray:
        return output[row]

    def answer(self, logits: np.ndarray) -> str:
        return self.labels[int(np.argmax(logits))]


def parity_examples(n: int, seed: int) -> list[dict[str, Any]]:
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(1, 11, (n, 4), generator=generator)
    return [{"ids": row, "label": int(row[0] - 1) % 2} for row in ids]


class ParityTraining(TaskTraining):  # the training part
    model_config = ParityModel
    select = "val_loss"  # a task picks its own selection metric (lower is better)

    def prepare(self, config, data_dir) -> Prepared:
        n = config.data.examples
        return Prepared(
            train=parity_examples(n, 1),
            val=parity_examples(n // 4, 2),
            test=parity_examples(n // 4, 3),
            vocabs={"digits": list(range(10))},
            info={"train": n},
        )

    def build_model(self, config, vocabs) -> nn.Module:
        return ParityNet(config.model.hidden_size)

    def step(self, model, batch) -> StepResult:
        logits = model(batch["ids"], batch["lengths"])
        loss = F.cross_entropy(logits, batch["label"], reduction="sum")
        wrong_odd = int(((logits.argmax(-1) == 0) & (batch["label"] == 1)).sum())
        counts = {
            "units": len(batch["label"]),
            "correct": int((logits.argmax(-1) == batch["label"]).sum()),
            "odd": int(batch["label"].sum()),
            "missed_odd": wrong_odd,
        }
        return StepResult(loss, counts)

    def metrics(self, totals):  # an open mapping: any metric of summable counts
        metrics = super().metrics(totals)
        metrics["odd_recall"] = 1 - totals["missed_odd"] / max(totals["odd"], 1)
        return metrics

    def labelled_examples(self, config, vocabs, path):
        codec = DigitCodec(config.data, vocabs)
        rows = [codec.encode(line).features["ids"] for line in path.read_text().split()]
        return [{"ids": torch.tensor(ids), "label": (ids[0] - 1) % 2} for ids in rows]


class ParityPredictor(Predictor):  # the predictor part: lstmlab.load(run).guess(...)
    def guess(self, texts: str | list[str]) -> Any:
        batch = [texts] if isinstance(texts, str) else texts
        encoded = [self.codec.encode(text) for text in batch]
        logits = self.run_rows(encoded, [len(e) for e in encoded])
        answers = [self.codec.answer(row) for row in logits]
        return answers[0] if isinstance(texts, str) else answers

    def command_output(self, texts, *, as_json, **options):
        for text, answer in zip(texts, self.guess(texts), strict=True):
            yield (json.dumps({"text": text, "answer": answer}) if as_json else answer) + "\n"


class ParityExport(TaskExport):  # the export part: the graph and the card
    graph = GraphSpec(
        ("ids", "lengths"),
        ("logits",),
        {"ids": {0: "batch", 1: "length"}, "lengths": {0: "batch"}, "logits": {0: "batch"}},
    )
    use = "Says whether a number's first digit is odd."


class ParityInspector(Inspector):  # the inspector part: explain RUN and the page
    panel = "classes"

    def predict(self, text: str, evidence: bool = True) -> dict[str, Any]:
        encoded = self.encode(text)
        ids = encoded.example["ids"].unsqueeze(0)
        p = softmax(self.model(ids, torch.tensor([ids.size(1)])).detach().numpy()[0])
        label = int(np.argmax(p))
        labels = DigitCodec.labels
        return self.answer(
            label=labels[label],
            probability=float(p[label]),
            probabilities=dict(zip(labels, map(float, p), strict=True)),
            tokens=encoded.tokens,
        )


MODULE = __name__  # the parts' module: a plugin names its own package
PARITY = TaskSpec(
    name="parity",
    help="a test-only task: is the first digit odd?",
    config=f"{MODULE}:ParityData",
    codec=f"{MODULE}:DigitCodec",
    training=f"{MODULE}:ParityTraining",
    predictor=f"{MODULE}:ParityPredictor",
    export=f"{MODULE}:ParityExport",
    inspector=f"{MODULE}:ParityInspector",
    command=Command("guess-parity", "say whether the first digit is odd", example='"3456"'),
)


@pytest.fixture
def parity_task():
    task = register_task(PARITY)
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
    assert "test_accuracy" in again and "test_odd_recall" in again  # its own metric
    assert "val_odd_recall" in again.history[0]

    # Typed predictor: hasattr and dir tell what it offers.
    model = lstmlab.load(run)
    assert hasattr(model, "guess") and not hasattr(model, "tag") and "guess" in dir(model)
    with pytest.raises(ConfigError, match="this is a parity model; it offers guess"):
        model.tag("1")

    # Export, and the bundle in the ONNX runtime (its predictor over ONNX Runtime).
    pytest.importorskip("onnxruntime")
    from lstmlab.runtime import load_bundle

    assert main(["export", str(run), "--out", str(tmp_path / "bundle")]) == 0
    card = (tmp_path / "bundle" / "README.md").read_text()
    assert "Says whether a number's first digit is odd." in card and "guess-parity" in card
    assert load_bundle(tmp_path / "bundle").guess(["3456", "8123"]) == ["odd", "even"]
    capsys.readouterr()
    assert main(["guess-parity", str(tmp_path / "bundle"), "7000"]) == 0
    assert capsys.readouterr().out.split() == ["odd"]

    # Inside the model: explain RUN and the page's JSON API.
    assert main(["explain", str(run), "3456", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["prediction"]["label"] == "odd" and len(report["tokens"]) == 4
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from lstmlab.serve import load_app

    client = TestClient(load_app([run]), base_url="http://127.0.0.1")
    assert client.get("/api/runs").json()["runs"][0]["panel"] == "classes"
    answer = client.post("/api/runs/run/predict", json={"text": "3456"}).json()
    assert answer["label"] == "odd" and answer["panel"] == "classes"


# A task package's __init__ (its parts are this file's), for the tests that install one.
TASK_PACKAGE = """
from lstmlab.tasks import TaskSpec

TASK = TaskSpec(
    name="{name}",
    help="{help}",
    config="test_registry:ParityData",
    training="test_registry:ParityTraining",
    predictor="test_registry:ParityPredictor",
    codec="test_registry:DigitCodec",
    {order}
)
"""
PLUGIN = TASK_PACKAGE.format(name="plugged", help="a task from another installed package", order="")


def test_a_task_from_an_entry_point_appears_in_every_command(tmp_path, monkeypatch, capsys):
    """An installed package's task (entry point group ``lstmlab.tasks``) is found."""
    from lstmlab.tasks import registry

    site = tmp_path / "site"
    (site / "parity_plugin").mkdir(parents=True)
    (site / "parity_plugin" / "__init__.py").write_text(PLUGIN)
    info = site / "parity_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: parity-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[lstmlab.tasks]\nplugged = parity_plugin\n")
    monkeypatch.syspath_prepend(str(site))
    sys.modules.setdefault("test_registry", sys.modules[__name__])
    try:
        registry.reload_plugins()
        assert "plugged" in task_names()
        with pytest.raises(SystemExit):
            main(["train", "--help"])
        assert "plugged" in capsys.readouterr().out
        run = tmp_path / "run"
        assert main(["train", "plugged", "--out", str(run), "--set", "train.epochs=1"]) == 0
        assert lstmlab.load(run).task == "plugged"
    finally:
        unregister_task("plugged")
        monkeypatch.undo()
        registry.reload_plugins()
    assert "plugged" not in task_names()


def test_a_package_under_lstmlab_tasks_is_a_built_in_task(tmp_path, monkeypatch, capsys):
    """A built-in task is its package alone: the registry lists lstmlab/tasks/'s packages."""
    import lstmlab.tasks as package
    from lstmlab.tasks import all_tasks, registry

    help = "a built-in task: a package under lstmlab/tasks/"
    packages = {
        "early": TASK_PACKAGE.format(name="early", help=help, order="order=15,"),
        "late": TASK_PACKAGE.format(name="late", help=help, order=""),  # the default: last
        "helpers": "HELP = 1\n",  # a subpackage without a TASK is no task
    }
    for name, text in packages.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(text)
    monkeypatch.setattr(package, "__path__", [*package.__path__, str(tmp_path)])
    sys.modules.setdefault("test_registry", sys.modules[__name__])
    try:
        registry.reload_plugins()
        names = task_names()
        assert names.index("sentiment") < names.index("early") < names.index("pos")
        assert all(names.index(t.name) < names.index("late") for t in all_tasks() if t.order < 100)
        assert "helpers" not in names
        with pytest.raises(SystemExit):
            main(["train", "--help"])
        assert "early" in capsys.readouterr().out
    finally:
        for name in packages:
            unregister_task(name)
            sys.modules.pop(f"lstmlab.tasks.{name}", None)
        monkeypatch.undo()
        registry.reload_plugins()
    assert "early" not in task_names()


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


def test_builtin_tasks_declare_the_model_settings_their_training_builds_from() -> None:
    # The torch-free ``model`` part (read by `train --help` and the settings checks) must
    # be the very class the training part builds the model from.
    from lstmlab.tasks.registry import builtin_tasks

    for spec in builtin_tasks():
        name = spec.name
        assert spec.model, name
        assert spec.model_config is spec.trainer().model_config, name


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
