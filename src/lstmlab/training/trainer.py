"""The one training loop shared by every task.

The trainer knows nothing about any task. A task's training part
(:class:`lstmlab.tasks.base.TaskTraining`) makes the batches and turns each into a
:class:`~lstmlab.tasks.base.StepResult`: the *sum* of the loss over the batch's units
(reviews, real tokens, predicted words) and an open mapping of summable counts. The trainer
sums the counts over an epoch and over processes, and the task's ``metrics`` reduces them.
Dividing the loss by the unit count summed over all processes makes one step of N
processes exactly one step of a single process on the same global batch.

What a run folder gets (main process only):

    metrics.jsonl   one JSON line per epoch: train_* and val_* metrics, time, throughput
    last.pt         the state to resume from (written every epoch and on Ctrl-C): weights,
                    optimizer, RNG states, progress
    best.pt         the weights with the best validation metric so far (``train.select``,
                    or the task's own: highest accuracy, lowest perplexity, ...); no
                    optimizer state
"""

from __future__ import annotations

import json
import math
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader

from lstmlab.errors import CheckpointError, ConfigError, TrainingError
from lstmlab.progress import bar as progress_bar
from lstmlab.progress import write as progress_write
from lstmlab.tasks.base import Example, StepResult, TaskTraining
from lstmlab.training.checkpoint import load_checkpoint, require, save_checkpoint
from lstmlab.training.config import RunConfig
from lstmlab.training.device import check_precision
from lstmlab.training.distributed import DistContext, all_reduce_sum, on_main
from lstmlab.training.loader import remaining_batches, to_device
from lstmlab.training.optim import RunOptimizer
from lstmlab.training.tensorboard import TensorBoardLog

__all__ = ["Progress", "Totals", "Trainer", "record_key"]

# metrics.jsonl keeps its short names for accuracy: train_acc, val_acc.
SHORT_NAMES = {"accuracy": "acc"}


def record_key(split: str, metric: str) -> str:
    """The metrics.jsonl key of a metric: ("val", "accuracy") -> "val_acc"."""
    return f"{split}_{SHORT_NAMES.get(metric, metric)}"


class Totals(dict):
    """Running sums over an epoch: ``loss``, ``examples`` and the steps' counts."""

    def add(self, result: StepResult, examples: int) -> None:
        self["loss"] = self.get("loss", 0.0) + float(result.loss_sum.detach())
        self["examples"] = self.get("examples", 0.0) + examples
        for key, value in result.counts.items():
            self[key] = self.get(key, 0.0) + float(value)

    def reduced(self, ctx: DistContext, device: torch.device) -> Totals:
        """The sums over every process (each process has the same keys: the same code)."""
        keys = sorted(self)
        return Totals(zip(keys, all_reduce_sum([self[k] for k in keys], ctx, device), strict=True))


@dataclass
class Progress:
    """Where training stands; saved in ``last.pt`` so that ``resume`` continues exactly."""

    epoch: int = 0  # epochs completed
    batches_done: int = 0  # batches completed in the current epoch
    best_value: float | None = None  # the best validation value of the selection metric
    best_epoch: int = 0
    bad_epochs: int = 0
    history: list[dict[str, float]] = field(default_factory=list)
    partial: dict[str, float] = field(default_factory=dict)  # Totals of the current epoch

    @classmethod
    def from_record(cls, record: dict[str, Any], path: Path) -> Progress:
        """The progress saved in checkpoint ``path``; CheckpointError unless a run can have
        written it (a counter that is negative or not a whole number, a best epoch after
        the last one, a history of another length, an unknown entry)."""
        record = dict(record)
        if "best_val_acc" in record:  # checkpoints written before tasks chose their metric
            best = record.pop("best_val_acc")
            record["best_value"] = None if best == -math.inf else best
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(record) - names)

        def whole(key: str, low: int, high: int) -> bool:
            value = record.get(key, 0)
            return type(value) is int and low <= value <= high

        epoch = record.get("epoch", 0)
        best = record.get("best_value")
        valid = (
            not unknown
            and whole("epoch", 0, 2**31)
            and whole("batches_done", 0, 2**62)
            and whole("best_epoch", 0, epoch)
            and whole("bad_epochs", 0, epoch)
            and (best is None or (isinstance(best, float | int) and math.isfinite(best)))
            and isinstance(record.get("history", []), list)
            and len(record.get("history", [])) == epoch
            and isinstance(record.get("partial", {}), dict)
        )
        if not valid:
            what = f"unknown entries {', '.join(unknown)[:80]}" if unknown else "impossible counts"
            raise CheckpointError(
                f"{path} is a damaged lstmlab checkpoint: its training progress has {what} "
                f"(epoch {str(epoch)[:20]}); resume from a good copy or start the run again"
            )
        return cls(**record)


class _DataParallelView:
    """The model as a task's step sees it under data parallelism: calling it goes through
    DistributedDataParallel (so gradients are synchronised), every other attribute
    (``loss``, ``decode``, ``training``) is the model's own. Tasks never unwrap."""

    def __init__(self, wrapped: DistributedDataParallel) -> None:
        self._wrapped = wrapped

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._wrapped(*args, **kwargs)

    def train(self, mode: bool = True) -> _DataParallelView:
        self._wrapped.train(mode)  # the wrapper's flag and the model's
        return self

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wrapped.module, name)


def changed_setting(saved: dict[str, Any], now: dict[str, Any], section: str) -> str | None:
    """The first setting of ``section`` that differs: ``model.hidden_size was 8, now 16``."""
    for key in sorted(set(saved) | set(now)):
        if saved.get(key) != now.get(key):
            return f"{section}.{key} was {saved.get(key)!r}, now {now.get(key)!r}"
    return None


class Trainer:
    """Fit a model with a task's training part; evaluate; checkpoint; resume.

    Args:
        model: the module to train (already on ``device``).
        task: the task's training part (its step, batches and metrics).
        config: the resolved run configuration (its ``train`` section is used here).
        run_dir: the run folder, or None to write nothing (e.g. in a notebook).
        device: where batches go.
        ctx: the distributed context (single process by default).
        extra_state: saved in every checkpoint beside the model (the vocabularies).
    """

    def __init__(
        self,
        model: nn.Module,
        task: TaskTraining,
        config: RunConfig,
        run_dir: Path | None,
        *,
        device: torch.device | None = None,
        ctx: DistContext | None = None,
        extra_state: dict[str, Any] | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.model = model
        self.task = task
        self.config = config
        self.train_cfg = config.train
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.device = device or torch.device("cpu")
        self.ctx = ctx or DistContext()
        self.extra_state = extra_state or {}
        self.log = log or (lambda message: progress_write(message))
        self.progress = Progress()
        self.stop_requested = False
        self.step_hook: Callable[[Trainer], None] | None = None  # called after each step
        self.wrapped: Any = (
            _DataParallelView(
                DistributedDataParallel(
                    model, device_ids=[device.index] if device.type == "cuda" else None
                )
            )
            if self.ctx.enabled
            else model
        )
        self.select = self.train_cfg.select or task.select
        check_precision(self.train_cfg.precision, self.device)
        self.optimizer = RunOptimizer(model, self.train_cfg, self.device.type)
        self.tensorboard = TensorBoardLog.open(
            self.run_dir, self.train_cfg.tensorboard, self.ctx.is_main
        )

    # ------------------------------------------------------------- checkpoints
    def _state(self, resumable: bool = True) -> dict[str, Any]:
        """A checkpoint's content; ``resumable``: with what resuming needs besides the
        weights (optimizer moments, RNG states), which doubles or triples its size."""
        state = {
            "config": self.config.to_dict(),
            "model": self.model.state_dict(),
            "progress": {**self.progress.__dict__},
            **self.extra_state,
        }
        if resumable:
            state["optimizer"] = self.optimizer.state_dict()
            state["rng"] = {"torch": torch.get_rng_state()}
            if torch.cuda.is_available():
                state["rng"]["cuda"] = torch.cuda.get_rng_state_all()
        return state

    def save(self, name: str) -> Path | None:
        """Write ``name`` into the run folder; main process only.

        ``last.pt`` holds everything resuming needs; ``best.pt`` only the weights (with
        the configuration, progress and vocabularies): training never resumes from it, and
        Adam's two moments per parameter would triple it (179 MB instead of 60 MB for the
        lab's 14.8 M-parameter model).
        """
        if self.run_dir is None or not self.ctx.is_main:
            return None
        path = self.run_dir / name
        save_checkpoint(path, self.task.name, self._state(resumable=name == "last.pt"))
        return path

    def load_resume_state(self, path: Path) -> None:
        """Restore model, optimizer (with its schedule), RNG and progress from ``last.pt``.

        The main process reads the file and sends its content to the others.
        """
        record = on_main(lambda: load_checkpoint(path, self.task.name), self.ctx)
        require(
            record,
            path,
            {"config": dict, "model": dict, "optimizer": dict, "progress": dict, "rng": dict},
        )
        changed = changed_setting(
            record["config"].get("model") or {}, self.config.to_dict()["model"], "model"
        )
        if changed:
            raise CheckpointError(
                f"{path} was saved for another model ({changed}); --resume continues the "
                "saved model, only train.* settings may change"
            )
        progress = Progress.from_record(record["progress"], path)  # before restoring anything
        self.model.load_state_dict(record["model"])
        self.optimizer.load_state_dict(record["optimizer"])
        self.progress = progress
        torch.set_rng_state(record["rng"]["torch"])
        if "cuda" in record["rng"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(record["rng"]["cuda"])

    # ---------------------------------------------------------------- training
    def fit(
        self,
        train_examples: list[Example],
        val_examples: list[Example],
        resume_from: Path | None = None,
    ) -> list[dict[str, float]]:
        """Train for ``train.epochs`` epochs (or until early stopping); return the history."""
        cfg = self.train_cfg
        loader = self.task.make_loader(
            train_examples,
            cfg.batch_size * self.batch_multiplier,
            self.config,
            shuffle=True,
            seed=cfg.seed,
            bucket=cfg.bucket,
            ctx=self.ctx,
        )
        self.optimizer.start_schedule(cfg.epochs * len(loader))
        if resume_from:
            self.load_resume_state(resume_from)
        with self._deferred_interrupt():
            while self.progress.epoch < cfg.epochs and not self._early_stopped():
                self.optimizer.start_epoch(self.progress.epoch)
                self._train_epoch(loader)
                self._end_epoch(val_examples)
                self._stop_if_requested_at_epoch_end()
        return self.progress.history

    def _stop_if_requested_at_epoch_end(self) -> None:
        """A stop asked for during validation (or the epoch's last step): the epoch is
        already saved in ``last.pt``, so stop here, before another epoch or the test."""
        if not self._any_stop_requested():
            return
        where = f"; resume with --resume {self.run_dir}" if self.run_dir is not None else ""
        self.log(f"interrupted after epoch {self.progress.epoch}: state saved{where}")
        raise KeyboardInterrupt

    @property
    def batch_multiplier(self) -> int:
        """Global batch = batch_size x processes, unless keep_global_batch is set."""
        return 1 if self.train_cfg.keep_global_batch else self.ctx.world_size

    def _early_stopped(self) -> bool:
        patience = self.train_cfg.patience
        return patience > 0 and self.progress.bad_epochs >= patience

    def _train_epoch(self, loader: DataLoader) -> None:
        progress = self.progress
        loader.batch_sampler.set_epoch(progress.epoch)
        partial = dict(progress.partial)
        started = time.perf_counter() - partial.pop("seconds", 0.0)
        totals = Totals(partial)
        self.wrapped.train()
        # A context manager: the bar is cleared before an error is printed, too.
        with progress_bar(
            total=len(loader),
            initial=progress.batches_done,
            leave=False,
            desc=f"epoch {progress.epoch + 1}/{self.train_cfg.epochs} train",
            disable=not self.ctx.is_main,
            dynamic_ncols=True,
        ) as bar:
            for batch in remaining_batches(loader, progress.batches_done):
                result = self._train_step(batch)
                totals.add(result, batch["ids"].shape[0])
                progress.batches_done += 1
                if self.tensorboard is not None:
                    step = (progress.epoch * len(loader)) + progress.batches_done
                    mean = float(result.loss_sum.detach()) / max(result.counts["units"], 1)
                    self.tensorboard.log_step(step, mean, self.optimizer.lr)
                bar.update()
                shown = self.task.metrics(totals)
                bar.set_postfix({k: f"{v:.4f}" for k, v in list(shown.items())[:2]})
                if self.step_hook is not None:
                    self.step_hook(self)
                if self._any_stop_requested():
                    progress.partial = {**totals, "seconds": time.perf_counter() - started}
                    path = self.save("last.pt")
                    bar.close()
                    where = f"; resume with --resume {self.run_dir}" if path else ""
                    self.log(
                        f"interrupted after {progress.batches_done} batches of epoch "
                        f"{progress.epoch + 1}: state saved{where}"
                    )
                    raise KeyboardInterrupt
        progress.partial = {**totals, "seconds": time.perf_counter() - started}

    def _train_step(self, batch: dict[str, Tensor]) -> StepResult:
        batch = to_device(batch, self.device)
        with self._autocast():
            result = self.task.step(self.wrapped, batch)
        # The loss is a mean over the global batch's units; DDP averages gradients over
        # processes, so scale by the world size to get exactly the single-process gradient.
        (global_units,) = all_reduce_sum([float(result.counts["units"])], self.ctx, self.device)
        loss = result.loss_sum * (self.ctx.world_size / max(global_units, 1.0))
        self.optimizer.zero_grad()
        self.optimizer.backward(loss)
        self.optimizer.step()
        return result

    def _autocast(self) -> torch.autocast:
        """Mixed precision for a training step's forward pass (``train.precision``): torch
        runs matrix products in the low precision and keeps losses and sums in float32.
        Evaluation stays in float32, so a run's figures are those ``predict`` reproduces."""
        precision = self.train_cfg.precision
        return torch.autocast(
            self.device.type,
            dtype=getattr(torch, precision) if precision != "float32" else None,
            enabled=precision != "float32",
        )

    def _any_stop_requested(self) -> bool:
        """True on every process as soon as one of them was asked to stop."""
        (stops,) = all_reduce_sum([float(self.stop_requested)], self.ctx, self.device)
        return stops > 0

    def _end_epoch(self, val_examples: list[Example]) -> None:
        progress = self.progress
        partial = dict(progress.partial)
        seconds = partial.pop("seconds", 0.0)
        train = Totals(partial).reduced(self.ctx, self.device)
        val = self.evaluate(val_examples, desc="validate")
        train_metrics = self.task.metrics(train)
        self._check_finite(train_metrics, val)
        progress.epoch += 1
        progress.batches_done = 0
        progress.partial = {}
        record: dict[str, Any] = {
            "epoch": progress.epoch,
            **{record_key("train", k): v for k, v in train_metrics.items()},
            **{record_key("val", k): v for k, v in val.items() if k != "units"},
            "seconds": seconds,
            "train_examples_per_s": train.get("examples", 0.0) / max(seconds, 1e-9),
            "train_units_per_s": train.get("units", 0.0) / max(seconds, 1e-9),
            "lr": self.optimizer.lr,
        }
        progress.history.append(record)
        value = self.selected_value(val)
        improved = self._better(value, progress.best_value)
        if improved:
            progress.best_value, progress.best_epoch, progress.bad_epochs = (
                value,
                progress.epoch,
                0,
            )
            self.save("best.pt")
        else:
            progress.bad_epochs += 1
        self.save("last.pt")
        if self.ctx.is_main and self.run_dir is not None:
            with open(self.run_dir / "metrics.jsonl", "a", encoding="utf-8") as file:
                file.write(json.dumps(record) + "\n")
            if self.tensorboard is not None:
                self.tensorboard.log_epoch(record)
        self.log(
            f"epoch {progress.epoch:>2}/{self.train_cfg.epochs}  "
            f"train {_shown(train_metrics)}  val {_shown(val)}  "
            f"{seconds:6.1f}s ({record['train_examples_per_s']:.0f}/s)"
            + ("  *best" if improved else "")
        )

    def _check_finite(self, train: dict[str, float], val: dict[str, float]) -> None:
        """TrainingError if the epoch diverged (a NaN or infinite loss or selection metric).

        Such an epoch is never the best one, nor saved: ``best.pt`` and ``last.pt`` keep
        the last good epoch, from which ``--resume`` with a lower ``train.lr`` goes on. The
        sums are reduced over processes, so every process stops here alike.
        """
        values = {"train loss": train["loss"], "validation loss": val["loss"]}
        values[self.select.replace("val_", "validation ", 1)] = self.selected_value(val)
        bad = {name: value for name, value in values.items() if not math.isfinite(value)}
        if not bad:
            return
        kept = self.progress.epoch
        raise TrainingError(
            f"training diverged in epoch {kept + 1}: "
            + ", ".join(f"{name} {value}" for name, value in bad.items())
            + f"; lower train.lr (now {self.train_cfg.lr:g}) or set train.clip_grad"
            + (
                f"; last.pt keeps epoch {kept}: --resume {self.run_dir} --set train.lr=..."
                if kept and self.run_dir is not None
                else ""
            )
        )

    def selected_value(self, val: dict[str, float]) -> float:
        """The selection metric's value in validation metrics ``val``; ConfigError if the
        task does not measure it."""
        name = self.select.removeprefix("val_")
        if name not in val or name == "units":
            known = ", ".join(f"val_{k}" for k in val if k != "units")
            raise ConfigError(
                f"train.select is {self.select!r}, but the {self.task.name} task measures "
                f"{known}; choose one of them"
            )
        return val[name]

    def _better(self, value: float, best: float | None) -> bool:
        if best is None or math.isnan(best):
            return not math.isnan(value)
        return value > best if self.task.higher_is_better(self.select) else value < best

    # -------------------------------------------------------------- evaluation
    @torch.no_grad()
    def evaluate(
        self, examples: list[Example], desc: str = "evaluate", shard: bool = True
    ) -> dict[str, float]:
        """The task's metrics (mean loss, accuracy, ...) over ``examples``, with ``units``.

        With ``shard`` (all processes must call it) each process evaluates its share and the
        sums are reduced; without, this process evaluates everything on its own.
        """
        metrics, _ = self._evaluate(examples, desc, shard, keep_outputs=False)
        return metrics

    @torch.no_grad()
    def evaluate_with_outputs(
        self, examples: list[Example], desc: str = "evaluate"
    ) -> tuple[dict[str, float], list[Any]]:
        """:meth:`evaluate` on this process alone, and each example's output (the step's
        ``outputs``) in the examples' order: one pass gives the metrics and the report."""
        return self._evaluate(examples, desc, shard=False, keep_outputs=True)

    def _evaluate(
        self, examples: list[Example], desc: str, shard: bool, keep_outputs: bool
    ) -> tuple[dict[str, float], list[Any]]:
        ctx = self.ctx if shard else DistContext()
        loader = self.task.make_loader(
            examples,
            self.train_cfg.eval_batch_size * ctx.world_size,
            self.config,
            shuffle=False,
            seed=0,
            ctx=ctx,
        )
        self.model.eval()
        totals = Totals()
        outputs: list[Any] = [None] * len(examples) if keep_outputs else []
        batches = progress_bar(
            loader, desc=desc, leave=False, disable=not self.ctx.is_main, dynamic_ncols=True
        )
        for indices, batch in zip(loader.batch_sampler, batches, strict=True):
            batch = to_device(batch, self.device)
            result = self.task.step(self.model, batch)
            totals.add(result, batch["ids"].shape[0])
            if keep_outputs and result.outputs is not None:
                for index, output in zip(indices, result.outputs, strict=True):
                    outputs[index] = output
        totals = totals.reduced(ctx, self.device)
        return {**self.task.metrics(totals), "units": totals.get("units", 0.0)}, outputs

    def load_best(self) -> None:
        """Put the best checkpoint's weights back into the model (when one was written)."""
        if self.run_dir is not None and (self.run_dir / "best.pt").is_file():
            record = load_checkpoint(self.run_dir / "best.pt", self.task.name)
            require(record, self.run_dir / "best.pt", {"model": dict})
            self.model.load_state_dict(record["model"])

    # ------------------------------------------------------------ interruption
    def _deferred_interrupt(self) -> _DeferredInterrupt:
        return _DeferredInterrupt(self)


def _shown(metrics: dict[str, float]) -> str:
    """``loss 0.4123 acc 0.8012 perplexity 61.2`` for a log line."""
    return " ".join(
        f"{SHORT_NAMES.get(k, k)} {v:.4f}" if k in ("loss", "accuracy") else f"{k} {v:.4g}"
        for k, v in metrics.items()
        if k != "units"
    )


class _DeferredInterrupt:
    """Turn the first Ctrl-C or SIGTERM into a stop request honoured between two steps.

    An interrupt in the middle of ``optimizer.step()`` would leave half-updated weights;
    deferring it to the end of the step lets the trainer save a consistent state. SIGTERM
    (what ``kill``, schedulers and torchrun send) is treated like Ctrl-C. A second signal
    interrupts at once.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, trainer: Trainer) -> None:
        self.trainer = trainer
        self.previous: dict[int, Any] = {}

    def _handler(self, signum: int, frame: Any) -> None:
        if self.trainer.stop_requested:
            raise KeyboardInterrupt
        self.trainer.stop_requested = True
        if self.trainer.ctx.is_main:
            name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
            # progress_write clears the progress bar first, so the line does not land on it.
            progress_write(f"{name}: stopping after this step ({name} again to stop at once) ...")

    def __enter__(self) -> _DeferredInterrupt:
        try:
            for signum in self.SIGNALS:
                self.previous[signum] = signal.signal(signum, self._handler)
        except ValueError:  # not the main thread: leave signals alone
            pass
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, previous in self.previous.items():
            signal.signal(signum, signal.SIG_DFL if previous is None else previous)
        self.previous = {}
