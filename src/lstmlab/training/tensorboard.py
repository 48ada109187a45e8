"""TensorBoard logs of a run (``--set train.tensorboard=true``), as Keras and HF users expect:

- every training step: its loss and learning rate (``step/loss``, ``step/learning_rate``);
- every epoch: each number of its ``metrics.jsonl`` record (``loss/train``,
  ``loss/validation``, ``accuracy/...``, throughput, ``learning_rate``), at step = epoch;
- at the end: the test metrics (``test/...``) and the run's settings with them as
  hyperparameters (TensorBoard's HPARAMS tab compares runs by them).

Written into ``<run folder>/tensorboard/`` with :mod:`torch.utils.tensorboard`; open them
with ``tensorboard --logdir runs/``. TensorBoard is an optional extra
(``pip install 'lstmlab[tensorboard]'``); asking for it without it is a one-line error
before training starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lstmlab.errors import ConfigError

FOLDER = "tensorboard"
# metrics.jsonl keys -> TensorBoard tags (train and validation curves share a chart).
RENAMED = {
    "train_acc": "accuracy/train",
    "val_acc": "accuracy/validation",
    "train_examples_per_s": "throughput/examples_per_s",
    "train_units_per_s": "throughput/units_per_s",
    "seconds": "time/epoch_seconds",
    "lr": "learning_rate",
}


class TensorBoardLog:
    """A run's TensorBoard event file: :meth:`log_epoch` writes one epoch's record."""

    def __init__(self, run_dir: Path) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            raise ConfigError(
                "train.tensorboard needs TensorBoard: pip install "
                "'lstmlab[tensorboard]' (or pip install tensorboard)"
            ) from None
        self.writer = SummaryWriter(log_dir=str(Path(run_dir) / FOLDER))

    @classmethod
    def open(cls, run_dir: Path | None, enabled: bool, is_main: bool) -> TensorBoardLog | None:
        """The run's log when ``enabled`` (main process only, a run folder given), else None."""
        if not enabled:
            return None
        if run_dir is None or not is_main:  # other processes write nothing, but check alike
            _check_installed()
            return None
        return cls(run_dir)

    def log_step(self, step: int, loss: float, lr: float) -> None:
        """One training step's mean loss and learning rate, at ``step`` (from 1, all epochs)."""
        self.writer.add_scalar("step/loss", loss, step)
        self.writer.add_scalar("step/learning_rate", lr, step)

    def log_test(self, metrics: dict[str, Any], config: dict[str, Any], epoch: int) -> None:
        """The final test metrics (at step ``epoch``) and the run's settings as hparams."""
        numbers = {
            f"test/{key.removeprefix('test_')}": float(value)
            for key, value in metrics.items()
            if isinstance(value, int | float) and not isinstance(value, bool)
        }
        for key, value in numbers.items():
            self.writer.add_scalar(key, value, epoch)
        settings = {
            f"{section}.{key}": value if isinstance(value, int | float | str | bool) else str(value)
            for section in ("data", "model", "train")
            for key, value in config.get(section, {}).items()
        }
        # The hparams summaries alone, in this run's own event file (add_hparams would
        # write the metrics again, at step 0, into a run of its own).
        from torch.utils.tensorboard.summary import hparams

        writer = self.writer._get_file_writer()
        for summary in hparams(settings, numbers):
            writer.add_summary(summary)
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()

    def log_epoch(self, record: dict[str, Any]) -> None:
        """Every number of an epoch's ``metrics.jsonl`` record, at step = epoch."""
        epoch = int(record["epoch"])
        for key, value in record.items():
            if key != "epoch" and isinstance(value, int | float) and not isinstance(value, bool):
                self.writer.add_scalar(tag(key), value, epoch)
        self.writer.flush()


def tag(key: str) -> str:
    """``train_loss`` -> ``loss/train``, ``val_perplexity`` -> ``perplexity/validation``."""
    if key in RENAMED:
        return RENAMED[key]
    for prefix, split in (("train_", "train"), ("val_", "validation")):
        if key.startswith(prefix):
            return f"{key[len(prefix) :]}/{split}"
    return key


def _check_installed() -> None:
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        raise ConfigError(
            "train.tensorboard needs TensorBoard: pip install "
            "'lstmlab[tensorboard]' (or pip install tensorboard)"
        ) from None
