"""``train.precision``: mixed-precision training steps under torch.autocast, float32
evaluation, float16 loss scaling saved with the optimizer (so a resume keeps it)."""

import pytest
import torch
from torch import nn

from lstmlab.cli.main import main
from lstmlab.errors import ConfigError
from lstmlab.training.config import TrainConfig
from lstmlab.training.device import cpu_has_bfloat16
from lstmlab.training.optim import RunOptimizer
from lstmlab.training.trainer import Trainer

# torch's CPU LSTM (oneDNN) has no bfloat16 kernel on a CPU without AVX512-BF16/AMX
# (AVX2-only): there the trainer refuses bfloat16, which the last test checks.
needs_bfloat16 = pytest.mark.skipif(
    not cpu_has_bfloat16(), reason="torch's CPU LSTM has no bfloat16 kernel on this CPU"
)


def linear_output_dtypes(model):
    """Record the dtype of every output of the model's final linear layer."""
    seen = []
    model.out.register_forward_hook(lambda module, args, output: seen.append(output.dtype))
    return seen


@needs_bfloat16
def test_bfloat16_training_steps_and_float32_evaluation(
    tiny_config, adapter, make_examples, TinyClassifier
):
    tiny_config.train.precision = "bfloat16"
    tiny_config.train.epochs = 8
    torch.manual_seed(0)
    trainer = Trainer(TinyClassifier(), adapter, tiny_config, None)
    seen = linear_output_dtypes(trainer.model)
    history = trainer.fit(make_examples(64, 1), make_examples(16, 2))
    steps = 8 * 8  # 8 batches an epoch
    # Every training step's matrix products ran in bfloat16, every validation batch's in
    # float32; the weights stayed float32 and the model still learned.
    assert seen.count(torch.bfloat16) == steps
    assert seen.count(torch.float32) == len(seen) - steps > 0
    assert all(p.dtype == torch.float32 for p in trainer.model.parameters())
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert not trainer.optimizer.scaler.is_enabled()  # bfloat16 needs no loss scaling


def test_float32_runs_no_step_under_autocast(tiny_config, adapter, make_examples, TinyClassifier):
    torch.manual_seed(0)
    trainer = Trainer(TinyClassifier(), adapter, tiny_config, None)
    seen = linear_output_dtypes(trainer.model)
    trainer.fit(make_examples(16, 1), make_examples(8, 2))
    assert set(seen) == {torch.float32}


def test_float16_on_a_cpu_is_refused_in_one_line(tiny_config, adapter, TinyClassifier):
    tiny_config.train.precision = "float16"
    with pytest.raises(ConfigError, match="float16 needs a CUDA device; on a CPU use bfloat16"):
        Trainer(TinyClassifier(), adapter, tiny_config, None)


def scaled_step(optimizer, model):
    """One float16 step of a linear layer (CPU autocast has float16 linear kernels)."""
    with torch.autocast("cpu", dtype=torch.float16):
        loss = model(torch.ones(4, 3)).float().pow(2).mean()
    optimizer.zero_grad()
    optimizer.backward(loss)
    optimizer.step()


def test_float16_scales_the_loss_and_saves_the_scale():
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    before = model.weight.detach().clone()
    optimizer = RunOptimizer(model, TrainConfig(precision="float16", clip_grad=1.0, lr=0.1))
    assert optimizer.scaler.is_enabled()
    scaled_step(optimizer, model)
    optimizer.scaler.update(new_scale=1024.0)  # as if earlier steps had overflowed
    scaled_step(optimizer, model)
    assert not torch.equal(model.weight, before)  # a finite gradient: the step was taken
    state = optimizer.state_dict()
    assert state["scaler"]["scale"] == 1024.0
    # An overflowing gradient skips the step and halves the scale (torch's GradScaler).
    model.weight.data[0, 0] = float("inf")
    kept = model.weight.detach().clone()
    scaled_step(optimizer, model)
    torch.testing.assert_close(model.weight, kept, equal_nan=True)
    assert optimizer.scaler.get_scale() == 512.0
    # A resumed optimizer gets the saved scale back.
    again = RunOptimizer(nn.Linear(3, 2), TrainConfig(precision="float16"))
    again.load_state_dict(state)
    assert again.scaler.get_scale() == 1024.0
    # float32 runs save the (disabled) scaler too; loading an older state without it works.
    plain = RunOptimizer(nn.Linear(3, 2), TrainConfig())
    plain.load_state_dict({k: v for k, v in plain.state_dict().items() if k != "scaler"})


def test_bfloat16_is_refused_in_one_line_where_the_cpu_lacks_it(
    monkeypatch, tiny_config, adapter, TinyClassifier
):
    monkeypatch.setattr("lstmlab.training.device.cpu_has_bfloat16", lambda: False)
    tiny_config.train.precision = "bfloat16"
    with pytest.raises(ConfigError, match="bfloat16 needs a CPU with bfloat16 instructions"):
        Trainer(TinyClassifier(), adapter, tiny_config, None)


@pytest.mark.parametrize(
    ("precision", "message"),
    [("float16", "float16 needs a CUDA device"), ("bfloat16", "bfloat16 needs a CPU with")],
)
def test_the_cli_refuses_a_precision_before_reading_any_data(
    monkeypatch, tmp_path, capsys, precision, message
):
    # The training file does not exist: the precision's refusal must come first (it used
    # to come after data preparation, seconds to minutes in), and no run folder is left.
    monkeypatch.setattr("lstmlab.training.device.cpu_has_bfloat16", lambda: False)
    argv = ["train", "classify", "--train", str(tmp_path / "missing.csv")]
    argv += ["--out", str(tmp_path / "run"), "--device", "cpu"]
    assert main([*argv, "--set", f"train.precision={precision}"]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "missing.csv" not in err and len(err.splitlines()) == 1
    assert not (tmp_path / "run").exists()
