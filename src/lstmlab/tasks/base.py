"""Base classes of a task's torch parts: training (:class:`TaskTraining`) and export
(:class:`TaskExport`), plus :class:`TorchBackend`, the PyTorch side of a predictor.

The trainer (:mod:`lstmlab.training.trainer`) calls only what :class:`TaskTraining`
declares. A step returns an *open* mapping of summable counts (``units`` — what the loss is
a sum over — plus anything else: ``correct``, true positives per class, ...); the trainer
sums them over batches and processes and hands the totals to :meth:`TaskTraining.metrics`,
which reduces them to the epoch's metrics (loss, accuracy, perplexity, macro-F1 ...).
``train.select`` names the validation metric that picks the best checkpoint (default: the
task's :attr:`TaskTraining.select`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import Tensor, nn
from torch.utils.data import DataLoader

from lstmlab.errors import ConfigError
from lstmlab.tasks.vectors import init_pretrained
from lstmlab.training.config import RunConfig
from lstmlab.training.distributed import DistContext
from lstmlab.training.loader import make_loader

if TYPE_CHECKING:
    from lstmlab.export.graphs import GraphSpec
    from lstmlab.tasks.spec import TaskSpec

Example = dict[str, Any]


@dataclass
class StepResult:
    """What one batch contributes.

    ``loss_sum``: the loss summed over the batch's ``counts["units"]`` units (a scalar
    tensor). ``counts``: summable numbers (``units`` required). ``outputs``: in evaluation,
    each example's prediction in the batch's order (what :meth:`TaskTraining.report`
    reads), or None.
    """

    loss_sum: Tensor
    counts: dict[str, float]
    outputs: list[Any] | None = None


@dataclass
class Prepared:
    """A task's data, ready for the trainer."""

    train: list[Example]
    val: list[Example]
    test: list[Example]
    vocabs: dict[str, Any] = field(default_factory=dict)  # vocabularies, label sets: JSON-able
    info: dict[str, Any] = field(default_factory=dict)  # sizes to print and record


class TaskTraining:
    """The training part of a task. Subclasses set the class attributes and the methods.

    Args:
        spec: the task's :class:`~lstmlab.tasks.spec.TaskSpec`.
    """

    model_config: type = object  # the [model] settings dataclass
    select: str = "val_accuracy"  # the default train.select
    lower_is_better: frozenset[str] = frozenset({"loss", "perplexity"})
    # (the model's word embedding, the setting its width must equal) that the default
    # init_weights fills from ``model.pretrained_vectors``; None: no pretrained vectors.
    pretrained_embedding: tuple[str, str] | None = None

    def __init__(self, spec: TaskSpec) -> None:
        self.spec = spec
        self.name = spec.name

    # ------------------------------------------------------------------ data and model
    def prepare(self, config: RunConfig, data_dir: str | None) -> Prepared:
        """Read and encode the data: train, validation and test examples, vocabularies."""
        raise NotImplementedError

    def build_model(self, config: RunConfig, vocabs: dict[str, Any]) -> nn.Module:
        """The model, built from ``config.model`` and the vocabularies' sizes."""
        raise NotImplementedError

    def init_weights(
        self, model: nn.Module, config: RunConfig, vocabs: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Set a fresh model's starting weights (never on resume), e.g. pretrained vectors.

        Returns records to keep in the run folder, ``{name: JSON-able}`` written as
        ``<name>.json``, or None. By default: the embedding :attr:`pretrained_embedding`
        names, from ``model.pretrained_vectors`` when that is set.
        """
        if self.pretrained_embedding is None:
            return None
        attribute, dim_setting = self.pretrained_embedding
        return init_pretrained(getattr(model, attribute), config, vocabs, dim_setting)

    def make_loader(
        self,
        examples: list[Example],
        batch_size: int,
        config: RunConfig,
        *,
        shuffle: bool,
        seed: int,
        bucket: bool = True,
        ctx: DistContext | None = None,
    ) -> DataLoader:
        """Batches of ``examples`` (global ``batch_size``, sharded over ``ctx``'s processes);
        length-bucketed by default. ``config`` is the run's (e.g. an LM's ``data.bptt``)."""
        return make_loader(examples, batch_size, shuffle=shuffle, seed=seed, bucket=bucket, ctx=ctx)

    # ---------------------------------------------------------------------- the step
    def step(self, model: nn.Module, batch: dict[str, Tensor]) -> StepResult:
        """Summed loss and counts of one batch; in eval mode also each example's output.

        ``model`` is the model itself (under data parallelism, calling it goes through the
        DistributedDataParallel wrapper; its other methods, ``loss`` and ``decode``, are
        the model's).
        """
        raise NotImplementedError

    def metrics(self, totals: Mapping[str, float]) -> dict[str, float]:
        """The metrics of an epoch's (or an evaluation's) summed counts.

        By default the mean loss per unit and, when the step counts ``correct``, accuracy.
        """
        units = max(totals.get("units", 0.0), 1.0)
        metrics = {"loss": totals.get("loss", 0.0) / units}
        if "correct" in totals:
            metrics["accuracy"] = totals["correct"] / units
        return metrics

    def higher_is_better(self, metric: str) -> bool:
        """Whether a larger value of ``metric`` (``val_loss``, ``accuracy`` ...) is better."""
        name = metric.removeprefix("val_").removeprefix("train_")
        return name not in self.lower_is_better

    # -------------------------------------------------------------------- evaluation
    def report(
        self,
        examples: list[Example],
        outputs: list[Any],
        vocabs: dict[str, Any],
        run_dir: Path | None,
    ) -> dict[str, Any]:
        """Task metrics beyond the step's, from each example's output (in their order) of
        the one evaluation pass; with a run folder, plots."""
        return {}

    def average_outputs(
        self,
        examples: list[list[Example]],
        outputs: list[list[Any]],
        vocabs: list[dict[str, Any]],
    ) -> list[Any]:
        """Several runs' outputs on the same data (each run's examples, encoded with its own
        vocabularies, and its outputs) averaged into one ensemble's outputs."""
        raise ConfigError(f"the {self.name} task cannot evaluate runs as an ensemble")

    def output_metrics(self, examples: list[Example], outputs: list[Any]) -> dict[str, float]:
        """The step's metrics (``loss``, ``accuracy`` ...) from outputs alone, as an
        ensemble's averaged outputs give them."""
        raise ConfigError(f"the {self.name} task cannot evaluate runs as an ensemble")

    def labelled_examples(
        self, config: RunConfig, vocabs: dict[str, Any], path: Path
    ) -> list[Example]:
        """Examples from a user's labelled file, encoded with a trained run's vocabularies."""
        raise NotImplementedError(f"the {self.name} task cannot read labelled files")

    def summary_lines(self, metrics: dict[str, Any]) -> list[str]:
        """Human-readable lines for ``lstmlab evaluate``."""
        return [
            f"{key:<10} {value:.4f}" for key, value in metrics.items() if isinstance(value, float)
        ]


class TaskExport:
    """The export part of a task: its graph, what the runtime does around it, card text."""

    graph: GraphSpec | None = None  # None: only --format safetensors
    use: str = ""  # the model card's "Intended use"
    limits: tuple[str, ...] = ()  # its "Limits" (``{data}``, ``{max_len}``, ``{truncate}``)

    def preprocess(self, config: RunConfig, model: nn.Module) -> dict[str, Any]:
        """What the runtime does around the graph, for ``bundle.json``'s ``preprocess``."""
        return {}

    def check_exportable(self, config: RunConfig, fmt: str) -> None:
        """ConfigError (one line) if this run cannot be exported as ``fmt``: its settings
        ask for inputs the task's graph does not have."""

    def describe_data(self, config: RunConfig) -> str:
        """One line naming the training data."""
        data = config.data
        if getattr(data, "train_file", ""):
            test = getattr(data, "test_file", "") or "-"
            return f"the user's files {data.train_file} (train) and {test} (test)"
        return f"{config.task} data (see config.json)"

    def card_fields(self, config: RunConfig) -> dict[str, str]:
        """Values for the ``{...}`` fields of :attr:`limits`."""
        return {"data": self.describe_data(config)}


class TorchBackend:
    """A predictor's PyTorch backend: numpy feeds -> the model's output as numpy."""

    def __init__(self, model: nn.Module) -> None:
        self.model = model

    @torch.no_grad()
    def run(self, feeds: dict[str, np.ndarray]) -> np.ndarray:
        device = next(self.model.parameters()).device
        # Lengths stay on the CPU: pack_padded_sequence wants them there.
        inputs = {
            name: torch.from_numpy(value)
            if name == "lengths"
            else torch.from_numpy(value).to(device)
            for name, value in feeds.items()
        }
        self.model.eval()
        return self.model(**inputs).float().cpu().numpy()
