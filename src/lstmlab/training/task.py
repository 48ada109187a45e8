"""What a task is: everything the shared runner, trainer, command line and API need from it.

A task (sentiment classification, POS tagging, language modelling, or your own) is one
subclass of :class:`Task` in one module, registered with
:func:`lstmlab.tasks.register_task`. It declares, in one place:

- its name, a one-line help text, and its ``data`` and ``model`` config dataclasses
  (the ``train`` section, :class:`~lstmlab.training.config.TrainConfig`, is shared);
- how to prepare data (:meth:`Task.prepare`) and build the model (:meth:`Task.build_model`);
- its training step (:meth:`Task.step`: summed loss, units, correct units of one batch)
  and how batches are made (:meth:`Task.make_loader`, length-bucketed by default);
- its epoch metrics and the one that selects the best checkpoint (:attr:`Task.selection`,
  e.g. highest accuracy, or lowest perplexity);
- its final report, its ``evaluate`` summary, and its prediction command (``predict``,
  ``tag``, ``generate``) for the command line and the notebook API.

Presets live in ``lstmlab/presets/<task name>/*.toml``.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor, nn
from torch.utils.data import DataLoader

from lstmlab.training.config import RunConfig
from lstmlab.training.distributed import DistContext

if TYPE_CHECKING:
    from lstmlab.training.trainer import Totals

Example = dict[str, Any]


@dataclass
class StepResult:
    """What one batch contributes: ``loss_sum`` (scalar) over ``units`` units."""

    loss_sum: Tensor
    units: int
    correct: int


@dataclass
class Prepared:
    """A task's data, ready for the trainer."""

    train: list[Example]
    val: list[Example]
    test: list[Example]
    state: dict[str, Any] = field(default_factory=dict)  # vocabularies etc., JSON-able
    info: dict[str, Any] = field(default_factory=dict)  # sizes to print and record


@dataclass(frozen=True)
class Selection:
    """Which validation metric picks the best checkpoint, and whether higher is better."""

    metric: str = "accuracy"
    mode: str = "max"  # "max" or "min"

    def better(self, value: float, best: float | None) -> bool:
        if best is None or math.isnan(best):
            return not math.isnan(value)
        return value > best if self.mode == "max" else value < best


class Task:
    """Base class of every task; subclasses set the class attributes and override methods."""

    name: str = ""
    help: str = ""  # one line for ``lstmlab train --help``
    data_cls: type = object
    model_cls: type = object
    selection: Selection = Selection()
    # The command that uses a trained model (``lstmlab predict``/``tag``/``generate``).
    predict_command: str = ""
    predict_help: str = ""
    empty_text_allowed: bool = False  # may the prediction command get an empty text?

    # ------------------------------------------------------------------ training
    def prepare(self, config: RunConfig, data_dir: str | None) -> Prepared:
        """Read and encode the data: train, validation and test examples, vocabularies."""
        raise NotImplementedError

    def build_model(self, config: RunConfig, state: dict[str, Any]) -> nn.Module:
        """The model, built from ``config.model`` and the prepared ``state``."""
        raise NotImplementedError

    def step(self, model: nn.Module, batch: dict[str, Tensor]) -> StepResult:
        """Summed loss, unit count and correct units of one batch (training or evaluation)."""
        raise NotImplementedError

    def make_loader(
        self,
        examples: list[Example],
        batch_size: int,
        *,
        shuffle: bool,
        seed: int,
        bucket: bool = True,
        ctx: DistContext | None = None,
    ) -> DataLoader:
        """Batches of ``examples`` (global ``batch_size``, sharded over ``ctx``'s processes)."""
        from lstmlab.training.trainer import make_loader

        return make_loader(examples, batch_size, shuffle=shuffle, seed=seed, bucket=bucket, ctx=ctx)

    def init_weights(
        self, model: nn.Module, config: RunConfig, state: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """Set a fresh model's starting weights (not called on resume), e.g. from another run
        or from pretrained word vectors for ``state``'s vocabulary.

        Returns records to keep in the run folder, ``{name: JSON-able}`` written as
        ``<name>.json`` (e.g. the vectors' coverage), or None.
        """
        return None

    def param_groups(self, model: nn.Module) -> list[list[nn.Parameter]] | None:
        """Parameter groups from the bottom of the model to its top, or None for one group.

        With groups, ``train.lr_decay`` gives each group below the top a learning rate
        that many times smaller than the group above it (discriminative learning rates),
        and ``train.gradual_unfreezing`` trains only the top group in the first epoch, the
        top two in the second, and so on (see :class:`~lstmlab.training.optim.RunOptimizer`).
        """
        return None

    def epoch_metrics(self, totals: Totals) -> dict[str, float]:
        """Metrics of an epoch's (or an evaluation's) summed results."""
        return {"loss": totals.mean_loss, "accuracy": totals.accuracy}

    # -------------------------------------------------------------- evaluation
    def report(
        self,
        model: nn.Module,
        examples: list[Example],
        state: dict[str, Any],
        run_dir: Path | None,
        device: torch.device,
    ) -> dict[str, Any]:
        """Task metrics on ``examples`` beyond loss and accuracy; with a run folder, plots."""
        return {}

    def labelled_examples(
        self, config: RunConfig, state: dict[str, Any], path: Path
    ) -> list[Example]:
        """Examples from a user's labelled file, encoded with a trained run's vocabularies."""
        raise NotImplementedError

    def summary_lines(self, metrics: dict[str, Any]) -> list[str]:
        """Human-readable lines for ``lstmlab evaluate``."""
        return [
            f"{key:<10} {value:.4f}" for key, value in metrics.items() if isinstance(value, float)
        ]

    # ------------------------------------------------------------ command line
    def add_train_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Task-specific ``lstmlab train TASK`` options (data files, corpus ...)."""

    def train_overrides(self, args: argparse.Namespace) -> list[str]:
        """``--set`` items for the task-specific options given."""
        return []

    def add_predict_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Options of the task's prediction command."""

    def run_predict(self, trained: Any, texts: list[str], args: argparse.Namespace) -> None:
        """Print the prediction command's results for ``texts`` with a loaded run."""
        raise NotImplementedError

    # Notebook API: a method ``api_NAME(trained, ...)`` becomes ``lstmlab.load(run).NAME(...)``
    # for runs of this task (e.g. ``api_predict``, ``api_tag``, ``api_generate``).


def file_overrides(args: argparse.Namespace, names: tuple[str, ...]) -> list[str]:
    """``data.<name>=<absolute path>`` for each file option given on the command line."""
    return [
        f"data.{name}={Path(getattr(args, name)).resolve()!s}"
        for name in names
        if getattr(args, name, None)
    ]
