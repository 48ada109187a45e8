"""The one training loop shared by every task.

The trainer knows nothing about any task. A task (:class:`lstmlab.training.task.Task`)
makes the batches and turns each into a :class:`StepResult` — the *sum* of the loss over
the batch's units
(reviews or real tokens), how many units there were and how many were predicted right.
Dividing by the unit count summed over all processes makes one step of N processes
exactly one step of a single process on the same global batch.

What a run folder gets (main process only):

    metrics.jsonl   one JSON line per epoch
    last.pt         the state to resume from (written every epoch and on Ctrl-C): weights,
                    optimizer, RNG states, progress
    best.pt         the weights with the best validation metric so far (the task's selection:
                    highest accuracy, lowest perplexity, ...); no optimizer state
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

from lstmlab.data.batching import BucketBatchSampler, collate
from lstmlab.errors import CheckpointError, ConfigError, TrainingError
from lstmlab.progress import bar as progress_bar
from lstmlab.progress import write as progress_write
from lstmlab.training.checkpoint import load_checkpoint, require, save_checkpoint
from lstmlab.training.config import RunConfig
from lstmlab.training.distributed import DistContext, all_reduce_sum, on_main
from lstmlab.training.optim import RunOptimizer
from lstmlab.training.task import Example, StepResult, Task
from lstmlab.training.tensorboard import TensorBoardLog

__all__ = ["Example", "StepResult", "Trainer", "make_loader", "to_device"]


@dataclass
class Totals:
    """Running sums over an epoch, reduced over processes."""

    loss: float = 0.0
    units: float = 0.0
    correct: float = 0.0
    examples: float = 0.0

    def add(self, result: StepResult, examples: int) -> None:
        self.loss += float(result.loss_sum.detach())
        self.units += result.units
        self.correct += result.correct
        self.examples += examples

    def reduced(self, ctx: DistContext, device: torch.device) -> Totals:
        return Totals(
            *all_reduce_sum([self.loss, self.units, self.correct, self.examples], ctx, device)
        )

    @property
    def mean_loss(self) -> float:
        return self.loss / max(self.units, 1)

    @property
    def accuracy(self) -> float:
        return self.correct / max(self.units, 1)


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


def make_loader(
    examples: list[Example],
    batch_size: int,
    *,
    shuffle: bool,
    seed: int,
    bucket: bool = True,
    ctx: DistContext | None = None,
) -> DataLoader:
    """The one batching path: length-bucketed batches of ``examples`` (sharded over ranks).

    ``batch_size`` is the global batch size. Without bucketing, batches are plain random
    draws (a bucket of one batch), as in the lab's pipeline.
    """
    ctx = ctx or DistContext()
    try:
        sampler = BucketBatchSampler(
            [len(example["ids"]) for example in examples],
            batch_size,
            shuffle=shuffle,
            seed=seed,
            num_replicas=ctx.world_size,
            rank=ctx.rank,
            **({} if bucket else {"bucket_factor": 1}),
        )
    except ValueError as error:  # e.g. fewer sequences than processes
        raise ConfigError(f"cannot batch {len(examples)} examples: {error}") from None
    # A private generator: otherwise every new iterator draws from torch's global RNG,
    # and a resumed run would see different dropout masks than an uninterrupted one.
    return DataLoader(
        examples, batch_sampler=sampler, collate_fn=collate, generator=torch.Generator()
    )


def remaining_batches(loader: DataLoader, done: int) -> DataLoader:
    """The epoch's batches after the first ``done`` (a resumed epoch), collated lazily."""
    if done == 0:
        return loader
    batches = list(loader.batch_sampler)[done:]  # the sampler's order is fixed by its epoch
    return DataLoader(
        loader.dataset,
        batch_sampler=batches,
        collate_fn=loader.collate_fn,
        generator=torch.Generator(),
    )


def to_device(batch: dict[str, Tensor], device: torch.device) -> dict[str, Tensor]:
    # Lengths stay on the CPU: pack_padded_sequence wants them there.
    return {k: v if k == "lengths" else v.to(device, non_blocking=True) for k, v in batch.items()}


class Trainer:
    """Fit a model with one task adapter; evaluate; checkpoint; resume.

    Args:
        model: the module to train (already on ``device``).
        task: the task (its step, batches, metrics and selection).
        config: the resolved run configuration (its ``train`` section is used here).
        run_dir: the run folder, or None to write nothing (e.g. in a notebook).
        device: where batches go.
        ctx: the distributed context (single process by default).
        extra_state: saved in every checkpoint beside the model (vocabularies, labels).
    """

    def __init__(
        self,
        model: nn.Module,
        task: Task,
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
        self.wrapped = (
            DistributedDataParallel(
                model, device_ids=[device.index] if device.type == "cuda" else None
            )
            if self.ctx.enabled
            else model
        )
        self.optimizer = RunOptimizer(model, self.train_cfg, task.param_groups(model))
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
        if record["config"].get("model") != self.config.to_dict()["model"]:
            raise CheckpointError(f"{path} was saved for another model configuration")
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
        return self.progress.history

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
        totals = Totals(**partial)
        self.wrapped.train()
        selected = self.task.selection.metric
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
                    mean = float(result.loss_sum.detach()) / max(result.units, 1)
                    self.tensorboard.log_step(step, mean, self.optimizer.lr)
                bar.update()
                shown = self.task.epoch_metrics(totals)
                bar.set_postfix({k: f"{shown[k]:.4f}" for k in ("loss", selected)})
                if self.step_hook is not None:
                    self.step_hook(self)
                if self._any_stop_requested():
                    progress.partial = {**totals.__dict__, "seconds": time.perf_counter() - started}
                    path = self.save("last.pt")
                    bar.close()
                    where = f"; resume with --resume {self.run_dir}" if path else ""
                    self.log(
                        f"interrupted after {progress.batches_done} batches of epoch "
                        f"{progress.epoch + 1}: state saved{where}"
                    )
                    raise KeyboardInterrupt
        progress.partial = {**totals.__dict__, "seconds": time.perf_counter() - started}

    def _train_step(self, batch: dict[str, Tensor]) -> StepResult:
        batch = to_device(batch, self.device)
        result = self.task.step(self.wrapped, batch)
        # The loss is a mean over the global batch's units; DDP averages gradients over
        # processes, so scale by the world size to get exactly the single-process gradient.
        (global_units,) = all_reduce_sum([float(result.units)], self.ctx, self.device)
        loss = result.loss_sum * (self.ctx.world_size / max(global_units, 1.0))
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return result

    def _any_stop_requested(self) -> bool:
        """True on every process as soon as one of them was asked to stop."""
        (stops,) = all_reduce_sum([float(self.stop_requested)], self.ctx, self.device)
        return stops > 0

    def _end_epoch(self, val_examples: list[Example]) -> None:
        progress = self.progress
        partial = dict(progress.partial)
        seconds = partial.pop("seconds", 0.0)
        train = Totals(**partial).reduced(self.ctx, self.device)
        val = self.evaluate(val_examples, desc="validate")
        train_metrics = self.task.epoch_metrics(train)
        self._check_finite(train_metrics, val)
        progress.epoch += 1
        progress.batches_done = 0
        progress.partial = {}
        record = {
            "epoch": progress.epoch,
            "train_loss": train_metrics["loss"],
            "train_acc": train_metrics["accuracy"],
            "val_loss": val["loss"],
            "val_acc": val["accuracy"],
            **{f"train_{k}": v for k, v in train_metrics.items() if k not in ("loss", "accuracy")},
            **{f"val_{k}": v for k, v in val.items() if k not in ("loss", "accuracy", "units")},
            "seconds": seconds,
            "train_examples_per_s": train.examples / max(seconds, 1e-9),
            "train_units_per_s": train.units / max(seconds, 1e-9),
            "lr": self.optimizer.lr,
        }
        progress.history.append(record)
        selection = self.task.selection
        value = val[selection.metric]
        improved = selection.better(value, progress.best_value)
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
        extra = "".join(
            f" {k} {v:.4g}" for k, v in val.items() if k not in ("loss", "accuracy", "units")
        )
        self.log(
            f"epoch {progress.epoch:>2}/{self.train_cfg.epochs}  "
            f"train loss {record['train_loss']:.4f} acc {record['train_acc']:.4f}  "
            f"val loss {record['val_loss']:.4f} acc {record['val_acc']:.4f}{extra}  "
            f"{seconds:6.1f}s ({record['train_examples_per_s']:.0f}/s)"
            + ("  *best" if improved else "")
        )

    def _check_finite(self, train: dict[str, float], val: dict[str, float]) -> None:
        """TrainingError if the epoch diverged (a NaN or infinite loss or selection metric).

        Such an epoch is never the best one, nor saved: ``best.pt`` and ``last.pt`` keep
        the last good epoch, from which ``--resume`` with a lower ``train.lr`` goes on. The
        sums are reduced over processes, so every process stops here alike.
        """
        metric = self.task.selection.metric
        values = {"train loss": train["loss"], "validation loss": val["loss"]}
        values[f"validation {metric}"] = val[metric]
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

    # -------------------------------------------------------------- evaluation
    @torch.no_grad()
    def evaluate(
        self, examples: list[Example], desc: str = "evaluate", shard: bool = True
    ) -> dict[str, float]:
        """The task's metrics (mean loss, accuracy, ...) over ``examples``, with ``units``.

        With ``shard`` (all processes must call it) each process evaluates its share and the
        sums are reduced; without, this process evaluates everything on its own.
        """
        ctx = self.ctx if shard else DistContext()
        loader = self.task.make_loader(
            examples,
            self.train_cfg.eval_batch_size * ctx.world_size,
            shuffle=False,
            seed=0,
            ctx=ctx,
        )
        self.wrapped.eval()
        totals = Totals()
        for batch in progress_bar(
            loader, desc=desc, leave=False, disable=not self.ctx.is_main, dynamic_ncols=True
        ):
            batch = to_device(batch, self.device)
            totals.add(self.task.step(self.model, batch), batch["ids"].shape[0])
        totals = totals.reduced(ctx, self.device)
        return {**self.task.epoch_metrics(totals), "units": totals.units}

    def load_best(self) -> None:
        """Put the best checkpoint's weights back into the model (when one was written)."""
        if self.run_dir is not None and (self.run_dir / "best.pt").is_file():
            record = load_checkpoint(self.run_dir / "best.pt", self.task.name)
            self.model.load_state_dict(record["model"])

    # ------------------------------------------------------------ interruption
    def _deferred_interrupt(self) -> _DeferredInterrupt:
        return _DeferredInterrupt(self)


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
