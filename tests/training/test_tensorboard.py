"""train.tensorboard: per-epoch scalars in the run folder; lstmlab.train's result history."""

from __future__ import annotations

import json
import sys

import pytest

import lstmlab
from lstmlab.errors import ConfigError
from lstmlab.training.tensorboard import TensorBoardLog, tag
from tiny_runs import reviews


@pytest.fixture(scope="module")
def review_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tb")
    for name, n, seed in (("train.tsv", 60, 1), ("test.tsv", 20, 2)):
        (folder / name).write_text("".join(f"{y}\t{x}\n" for y, x in reviews(n, seed)))
    return folder


def train(files, out, **train_settings):
    return lstmlab.train(
        "sentiment",
        out=out,
        train={"epochs": 2, "threads": 1, **train_settings},
        data={"train_file": str(files / "train.tsv"), "test_file": str(files / "test.tsv")},
        model={"embedding_dim": 4, "hidden_size": 4},
    )


def test_tensorboard_scalars_per_epoch(review_files, tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    result = train(review_files, tmp_path / "run", tensorboard=True)
    events = EventAccumulator(str(tmp_path / "run" / "tensorboard"))
    events.Reload()
    tags = set(events.Tags()["scalars"])
    assert {
        "loss/train",
        "loss/validation",
        "accuracy/train",
        "accuracy/validation",
        "learning_rate",
        "throughput/examples_per_s",
    } <= tags
    losses = events.Scalars("loss/validation")
    assert [point.step for point in losses] == [1, 2]
    assert losses[-1].value == pytest.approx(result.history[-1]["val_loss"], rel=1e-6)

    # Per step: the loss and learning rate of every training step (60 reviews: 54 train in
    # batches of 64, so one step an epoch, two in all).
    steps = events.Scalars("step/loss")
    assert [point.step for point in steps] == [1, 2]
    assert [p.value for p in events.Scalars("step/learning_rate")] == pytest.approx(
        [record["lr"] for record in result.history]
    )
    assert steps[0].value == pytest.approx(result.history[0]["train_loss"], rel=1e-5)
    # At the end: the test metrics, and the settings as hyperparameters.
    test = events.Scalars("test/accuracy")
    assert [p.step for p in test] == [2] and test[0].value == pytest.approx(result["test_accuracy"])
    plugins = events.PluginTagToContent("hparams")
    assert plugins, "no hparams written"


def test_train_returns_metrics_history_and_run_dir(review_files, tmp_path):
    result = train(review_files, tmp_path / "run")
    saved = json.loads((tmp_path / "run" / "test_metrics.json").read_text())
    assert result["test_accuracy"] == saved["test_accuracy"]
    assert dict(result) == saved
    assert [record["epoch"] for record in result.history] == [1, 2]
    assert {"train_loss", "val_acc", "lr"} <= set(result.history[0])
    assert result.run_dir == tmp_path / "run"
    assert "2 epochs" in repr(result)
    assert not (tmp_path / "run" / "tensorboard").exists()


def test_tensorboard_missing_is_a_config_error(review_files, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # import fails
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    with pytest.raises(ConfigError, match=r"pip install 'lstmlab\[tensorboard\]'"):
        train(review_files, tmp_path / "run", tensorboard=True)
    with pytest.raises(ConfigError):
        TensorBoardLog.open(None, True, is_main=False)
    assert TensorBoardLog.open(tmp_path, False, is_main=True) is None


def test_tags():
    assert tag("train_loss") == "loss/train"
    assert tag("val_perplexity") == "perplexity/validation"
    assert tag("lr") == "learning_rate"
