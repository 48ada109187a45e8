import json

import pytest
import torch

from lstmlab.training.trainer import Trainer


@pytest.fixture
def fresh_trainer(TinyClassifier):
    def make(config, adapter, run_dir):
        torch.manual_seed(0)
        return Trainer(TinyClassifier(), adapter, config, run_dir)

    return make


def parameters(model):
    return {name: p.detach().clone() for name, p in model.state_dict().items()}


def test_fit_writes_metrics_and_checkpoints(
    tmp_path, tiny_config, adapter, fresh_trainer, make_examples
):
    trainer = fresh_trainer(tiny_config, adapter, tmp_path)
    history = trainer.fit(make_examples(40, 1), make_examples(10, 2))
    assert [record["epoch"] for record in history] == [1, 2, 3]
    lines = (tmp_path / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["epoch"] for line in lines] == [1, 2, 3]
    assert (tmp_path / "best.pt").is_file() and (tmp_path / "last.pt").is_file()
    # Only last.pt carries what resuming needs; best.pt is weights (Adam: a third the size).
    best_record = torch.load(tmp_path / "best.pt", weights_only=True)
    last_record = torch.load(tmp_path / "last.pt", weights_only=True)
    assert "optimizer" not in best_record and "rng" not in best_record
    assert "optimizer" in last_record and "rng" in last_record
    assert best_record["model"].keys() == last_record["model"].keys()
    # best.pt holds the weights of the epoch with the best validation accuracy: evaluated
    # again, they give exactly that epoch's figure.
    best = max(history, key=lambda record: record["val_acc"])
    assert trainer.progress.best_epoch == best["epoch"]
    trainer.load_best()
    assert trainer.evaluate(make_examples(10, 2))["accuracy"] == best["val_acc"]


def test_training_reduces_loss(tmp_path, tiny_config, adapter, fresh_trainer, make_examples):
    tiny_config.train.epochs = 8
    trainer = fresh_trainer(tiny_config, adapter, None)
    history = trainer.fit(make_examples(64, 1), make_examples(16, 2))
    assert history[-1]["train_loss"] < history[0]["train_loss"]


@pytest.mark.parametrize("stop_after", [1, 7, 10])  # mid-epoch and at an epoch boundary
def test_interrupt_and_resume_equals_uninterrupted(
    tmp_path, tiny_config, adapter, stop_after, fresh_trainer, make_examples, TinyClassifier
):
    train, val = make_examples(40, 1), make_examples(10, 2)  # 5 batches an epoch
    straight = fresh_trainer(tiny_config, adapter, tmp_path / "straight")
    straight_history = straight.fit(train, val)

    interrupted = fresh_trainer(tiny_config, adapter, tmp_path / "resumed")
    steps = []

    def stop_at(trainer):
        steps.append(1)
        if len(steps) == stop_after:
            trainer.stop_requested = True

    interrupted.step_hook = stop_at
    with pytest.raises(KeyboardInterrupt):
        interrupted.fit(train, val)

    resumed = Trainer(TinyClassifier(), adapter, tiny_config, tmp_path / "resumed")
    resumed_history = resumed.fit(train, val, resume_from=tmp_path / "resumed" / "last.pt")
    for name, value in parameters(straight.model).items():
        torch.testing.assert_close(parameters(resumed.model)[name], value, rtol=0, atol=0)
    for a, b in zip(straight_history, resumed_history, strict=True):
        assert a["train_loss"] == pytest.approx(b["train_loss"], rel=1e-12)
        assert a["val_acc"] == b["val_acc"]


def test_a_stop_asked_during_validation_ends_after_that_epoch(
    tmp_path, tiny_config, adapter, fresh_trainer, make_examples, TinyClassifier, capsys
):
    """A signal that lands while the epoch is validated is honoured when validation ends:
    the epoch is saved, no further epoch trains, and resuming trains the rest."""
    train, val = make_examples(40, 1), make_examples(10, 2)
    trainer = fresh_trainer(tiny_config, adapter, tmp_path / "run")
    evaluate = trainer.evaluate

    def evaluate_then_stop(*args, **kwargs):
        result = evaluate(*args, **kwargs)
        trainer.stop_requested = True  # as the signal handler does
        return result

    trainer.evaluate = evaluate_then_stop
    with pytest.raises(KeyboardInterrupt):
        trainer.fit(train, val)
    assert [r["epoch"] for r in trainer.progress.history] == [1]
    assert "interrupted after epoch 1: state saved; resume with --resume" in capsys.readouterr().out
    resumed = Trainer(TinyClassifier(), adapter, tiny_config, tmp_path / "run")
    history = resumed.fit(train, val, resume_from=tmp_path / "run" / "last.pt")
    assert [r["epoch"] for r in history] == [1, 2, 3]


def test_early_stopping(tmp_path, tiny_config, adapter, fresh_trainer, make_examples):
    tiny_config.train.epochs = 30
    tiny_config.train.patience = 1
    tiny_config.train.lr = 1e-9  # nothing improves, so training stops after two epochs
    trainer = fresh_trainer(tiny_config, adapter, None)
    history = trainer.fit(make_examples(16, 1), make_examples(16, 2))
    assert len(history) == 2


def test_loss_is_mean_over_units(tiny_config, adapter, fresh_trainer, make_examples):
    trainer = fresh_trainer(tiny_config, adapter, None)
    examples = make_examples(20, 4)
    result = trainer.evaluate(examples)
    assert result["units"] == 20
    model = trainer.model.eval()
    with torch.no_grad():
        one_by_one = [
            torch.nn.functional.cross_entropy(
                model(e["ids"][None], torch.tensor([len(e["ids"])])), torch.tensor([e["label"]])
            )
            for e in examples
        ]
    assert result["loss"] == pytest.approx(float(torch.stack(one_by_one).mean()), rel=1e-5)


def test_schedule_decays_learning_rate(tiny_config, adapter, fresh_trainer, make_examples):
    tiny_config.train.schedule = "linear"
    tiny_config.train.warmup_steps = 2
    trainer = fresh_trainer(tiny_config, adapter, None)
    history = trainer.fit(make_examples(16, 1), make_examples(8, 2))
    rates = [record["lr"] for record in history]
    assert rates == sorted(rates, reverse=True) and rates[-1] < tiny_config.train.lr * 0.05


def test_too_few_examples_for_the_processes_is_a_config_error(make_examples):
    from lstmlab.errors import ConfigError
    from lstmlab.training.distributed import DistContext
    from lstmlab.training.loader import make_loader

    with pytest.raises(ConfigError, match="cannot batch 1 examples"):
        make_loader(
            make_examples(1, 0), 4, shuffle=True, seed=0, ctx=DistContext(rank=0, world_size=2)
        )


def test_sigterm_stops_like_ctrl_c(
    tmp_path, tiny_config, adapter, fresh_trainer, make_examples, capsys
):
    import os
    import signal

    previous = signal.getsignal(signal.SIGTERM)
    trainer = fresh_trainer(tiny_config, adapter, tmp_path)
    steps = []

    def terminate_at_step_2(trainer):
        steps.append(1)
        if len(steps) == 2:
            os.kill(os.getpid(), signal.SIGTERM)  # what kill and schedulers send

    trainer.step_hook = terminate_at_step_2
    with pytest.raises(KeyboardInterrupt):
        trainer.fit(make_examples(40, 1), make_examples(10, 2))
    assert trainer.progress.batches_done == 2 and (tmp_path / "last.pt").is_file()
    out = capsys.readouterr().out
    # Its own line (tqdm.write clears the bar first), then the "state saved" line.
    assert "\nSIGTERM: stopping after this step" in "\n" + out
    assert "interrupted after 2 batches of epoch 1: state saved" in out
    assert signal.getsignal(signal.SIGTERM) == previous  # handler restored


def test_a_diverged_epoch_is_never_best_nor_saved(
    tmp_path, tiny_config, adapter, fresh_trainer, make_examples
):
    from lstmlab.errors import TrainingError

    trainer = fresh_trainer(tiny_config, adapter, tmp_path)
    train, val = make_examples(40, 1), make_examples(10, 2)

    def poison(trainer):  # epoch 2's weights turn to NaN, as with train.lr=1e308
        if trainer.progress.epoch == 1 and trainer.progress.batches_done == 1:
            with torch.no_grad():
                trainer.model.out.weight.fill_(float("nan"))

    trainer.step_hook = poison
    with pytest.raises(TrainingError, match=r"diverged in epoch 2: train loss nan"):
        trainer.fit(train, val)
    assert trainer.progress.best_epoch == 1
    for name in ("best.pt", "last.pt"):  # epoch 1's good state, as it was
        record = torch.load(tmp_path / name, weights_only=True)
        assert record["progress"]["epoch"] == 1
        assert torch.isfinite(record["model"]["out.weight"]).all()
    assert len((tmp_path / "metrics.jsonl").read_text().splitlines()) == 1


@pytest.mark.parametrize(
    ("change", "value"),
    [("epoch", -5), ("epoch", 1.5), ("batches_done", -1), ("best_epoch", 7), ("bogus", 1)],
)
def test_impossible_progress_in_last_pt_is_refused(
    tmp_path, tiny_config, adapter, fresh_trainer, make_examples, change, value
):
    from lstmlab.errors import CheckpointError

    train, val = make_examples(40, 1), make_examples(10, 2)
    fresh_trainer(tiny_config, adapter, tmp_path).fit(train, val)
    record = torch.load(tmp_path / "last.pt", weights_only=True)
    record["progress"][change] = value
    torch.save(record, tmp_path / "last.pt")
    with pytest.raises(CheckpointError, match="damaged lstmlab checkpoint"):
        fresh_trainer(tiny_config, adapter, tmp_path).fit(
            train, val, resume_from=tmp_path / "last.pt"
        )


def test_resume_refuses_another_model_configuration_in_one_line(
    tmp_path, tiny_config, adapter, fresh_trainer, make_examples, TinyClassifier
):
    import dataclasses

    from lstmlab.errors import CheckpointError

    tiny_config.train.epochs = 1
    fresh_trainer(tiny_config, adapter, tmp_path).fit(make_examples(16, 1), make_examples(8, 2))
    changed = dataclasses.replace(
        tiny_config, model=dataclasses.replace(tiny_config.model, hidden_size=99)
    )
    resumed = Trainer(TinyClassifier(), adapter, changed, tmp_path)
    with pytest.raises(CheckpointError) as caught:
        resumed.load_resume_state(tmp_path / "last.pt")
    message = str(caught.value)
    assert "\n" not in message
    assert "model.hidden_size was 64, now 99" in message and "only train.* settings" in message


def test_the_test_metrics_come_from_the_best_checkpoint(tmp_path, capsys):
    """A run whose last epoch is worse than its best: the test is scored on best.pt."""
    import lstmlab
    import lstmlab.training.runner as runner
    from lstmlab.api import read_history
    from lstmlab.cli.main import main
    from lstmlab.tasks import get_task
    from tiny_runs import reviews

    for name, n, seed in (("train.tsv", 200, 1), ("test.tsv", 60, 2)):
        (tmp_path / name).write_text("".join(f"{y}\t{x}\n" for y, x in reviews(n, seed)))

    def spoil_the_second_epoch(trainer):  # large random weights: a much worse epoch 2
        if trainer.progress.epoch == 1 and trainer.progress.batches_done == 1:
            with torch.no_grad():
                for parameter in trainer.model.parameters():
                    parameter.copy_(torch.randn_like(parameter) * 3)

    spec = get_task("sentiment")
    config = spec.resolve_config(
        None,
        [
            f"data.train_file={tmp_path / 'train.tsv'}",
            f"data.test_file={tmp_path / 'test.tsv'}",
            "train.epochs=2",
            "train.lr=0.01",
            "train.select=val_loss",
            "model.hidden_size=8",
            "model.embedding_dim=8",
        ],
    )
    run = tmp_path / "run"
    metrics = runner.train_run(spec, config, run, trainer_hook=spoil_the_second_epoch)
    history = read_history(run)
    assert metrics["best_epoch"] == 1 and history[1]["val_loss"] > history[0]["val_loss"]
    assert metrics["best_val_loss"] == history[0]["val_loss"]
    capsys.readouterr()
    assert main(["evaluate", str(run), "--file", str(tmp_path / "test.tsv"), "--json"]) == 0
    best = json.loads(capsys.readouterr().out)  # evaluate reads best.pt
    assert metrics["test_loss"] == pytest.approx(best["loss"], rel=1e-6)
    assert metrics["test_accuracy"] == best["accuracy"]
    # The last epoch's weights score the test set differently (far worse).
    trained = lstmlab.load(run)
    trained.model.load_state_dict(torch.load(run / "last.pt", weights_only=True)["model"])
    training = spec.trainer()
    examples = training.labelled_examples(config, trained.vocabs, tmp_path / "test.tsv")
    last = Trainer(trained.model, training, config, None).evaluate(examples)
    assert last["loss"] > metrics["test_loss"] + 0.1
