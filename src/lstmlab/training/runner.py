"""A whole training run, the same for every task: data, model, trainer, test, run folder.

A task is described by its :class:`~lstmlab.tasks.spec.TaskSpec` and training part
(:class:`~lstmlab.tasks.base.TaskTraining`; see ``lstmlab.tasks``); this module does
everything else, so every task shares one path:

    run folder/
        config.json          the resolved configuration (what --resume reads back)
        <name>.json          vocabularies and label sets (one file each)
        metrics.jsonl        one line per epoch
        best.pt, last.pt     checkpoints
        loss.png, accuracy.png, confusion.png
        test_metrics.json    the single final evaluation on test (one pass, best weights)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn

from lstmlab.data.textfile import read_text
from lstmlab.errors import CheckpointError, ConfigError
from lstmlab.tasks.base import Prepared
from lstmlab.tasks.spec import TaskSpec
from lstmlab.text import echo
from lstmlab.training.checkpoint import load_checkpoint, require
from lstmlab.training.config import RunConfig, TrainConfig
from lstmlab.training.device import (
    check_precision,
    configure_cpu,
    resolve_device,
    seed_everything,
)
from lstmlab.training.distributed import (
    DistContext,
    init_distributed,
    launched_by_torchrun,
    on_main,
    shutdown_distributed,
    surfaced_peer_failures,
    wait_for_all,
)
from lstmlab.training.plots import plot_history
from lstmlab.training.rundir import (
    default_run_dir,
    prepare_run_dir,
    release_run_dir,
    remove_if_unused,
    write_run_file,
)
from lstmlab.training.trainer import Trainer

__all__ = [
    "Prepared",
    "default_run_dir",
    "load_trained",
    "read_run_config",
    "run_task_name",
    "train_run",
]


def run_task_name(run_dir: Path) -> str:
    """The task a run folder was trained for (from its config.json)."""
    return _read_saved_config(run_dir).get("task", "")


def _read_saved_config(run_dir: Path) -> dict[str, Any]:
    path = Path(run_dir) / "config.json"
    if not Path(run_dir).is_dir():
        raise CheckpointError(f"run folder {run_dir} does not exist")
    if not path.is_file():
        raise CheckpointError(f"{run_dir} is not an lstmlab run folder (no config.json)")
    try:
        saved = json.loads(read_text(path))
    except (json.JSONDecodeError, RecursionError) as error:  # RecursionError: [[[[...
        raise CheckpointError(f"{path} is corrupt: {error}") from None
    if not isinstance(saved, dict) or not isinstance(saved.get("task"), str):
        raise CheckpointError(f"{path} is not an lstmlab run configuration")
    return saved


def read_run_config(spec: TaskSpec, run_dir: Path) -> RunConfig:
    """The configuration a run folder was started with."""
    saved = _read_saved_config(run_dir)
    if saved.get("task") != spec.name:
        raise CheckpointError(f"{run_dir} is a {saved.get('task')} run, not a {spec.name} run")
    return spec.config_from_dict(saved)


def train_run(
    spec: TaskSpec,
    config: RunConfig,
    run_dir: Path,
    *,
    data_dir: str | None = None,
    resume: bool = False,
    trainer_hook: Any = None,
) -> dict[str, Any]:
    """Train ``spec``'s model as ``config`` says; return the test metrics."""
    cfg = config.train
    ctx = init_distributed(resolve_device(cfg.device)) if launched_by_torchrun() else DistContext()
    try:
        with surfaced_peer_failures():
            metrics = _train_run(spec, config, Path(run_dir), data_dir, resume, ctx, trainer_hook)
            # The main process evaluates on test alone; the others wait for it here, so that
            # no process tears down its process group while a peer is still connected (gloo
            # then aborted a finished process now and then: "terminate called without an
            # active exception"). The wait is bounded by LSTMLAB_DIST_TIMEOUT.
            wait_for_all(ctx)
            return metrics
    except BaseException:
        remove_if_unused(Path(run_dir))  # a run that failed before writing leaves no folder
        raise
    finally:
        release_run_dir(Path(run_dir))
        shutdown_distributed()


def _train_run(
    spec: TaskSpec,
    config: RunConfig,
    run_dir: Path,
    data_dir: str | None,
    resume: bool,
    ctx: DistContext,
    trainer_hook: Any,
) -> dict[str, Any]:
    cfg = config.train
    say = echo if ctx.is_main else (lambda *args, **kwargs: None)
    device = resolve_device(cfg.device, ctx.local_rank)
    check_precision(cfg.precision, device)  # before the run folder and the data
    configure_cpu(cfg.threads)
    resume_path = run_dir / "last.pt"
    # Only the main process looks at (and makes) the run folder, before any data is loaded
    # (other processes may be on other machines); a run stopped before its first
    # checkpoint has no last.pt and starts again from scratch.
    resume = on_main(lambda: _check_run(run_dir, resume, cfg, ctx.world_size), ctx)

    say(
        f"lstmlab: {spec.name} run in {run_dir} on {device}"
        + (f" x {ctx.world_size} processes" if ctx.enabled else "")
        + f", {torch.get_num_threads()} CPU thread"
        + ("s" if torch.get_num_threads() != 1 else "")
        + (f", {cfg.precision} mixed precision" if cfg.precision != "float32" else "")
    )
    started = time.perf_counter()
    training = spec.trainer()
    prepared = training.prepare(config, data_dir)
    say(
        "data: "
        + ", ".join(
            f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in prepared.info.items()
        )
        + f" ({time.perf_counter() - started:.1f}s)"
    )
    seed_everything(cfg.seed)
    model = training.build_model(config, prepared.vocabs)
    if not resume:
        records = training.init_weights(model, config, prepared.vocabs) or {}
        if ctx.is_main:  # e.g. pretrained_vectors.json: the vectors' coverage
            for name, record in records.items():
                write_run_file(run_dir / f"{name}.json", json.dumps(record, indent=2) + "\n")
    model = model.to(device)
    n_params = sum(p.numel() for p in model.parameters())
    say(f"model: {type(model).__name__}, {n_params:,} parameters")
    global_batch = cfg.batch_size * (1 if cfg.keep_global_batch else ctx.world_size)
    if ctx.enabled:
        say(
            f"data-parallel: {ctx.world_size} processes, global batch {global_batch} "
            f"({global_batch / ctx.world_size:g} per process), learning rate {cfg.lr}"
            + (
                ""
                if cfg.keep_global_batch
                else "; --set train.keep_global_batch=true keeps the global batch at batch_size"
            )
        )

    if ctx.is_main:
        _write_run_files(run_dir, config, prepared)
    trainer = Trainer(
        model,
        training,
        config,
        run_dir,
        device=device,
        ctx=ctx,
        extra_state={"vocabs": prepared.vocabs},
        log=say,
    )
    trainer.step_hook = trainer_hook
    history = trainer.fit(prepared.train, prepared.val, resume_from=resume_path if resume else None)

    metrics: dict[str, Any] = {}
    if ctx.is_main and not prepared.test:  # a task's test split may be optional
        selected = trainer.select.removeprefix("val_")
        metrics = {
            "best_epoch": trainer.progress.best_epoch,
            f"best_val_{selected}": trainer.progress.best_value,
            "train_seconds": sum(r["seconds"] for r in history),
        }
        plot_history(history, run_dir, trainer.progress.best_epoch)
        (run_dir / "test_metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
        say(f"no test data: best epoch {metrics['best_epoch']}; results in {run_dir}")
    elif ctx.is_main:  # the single final evaluation, on the best weights, by one process
        trainer.load_best()
        # One pass over the test set gives the metrics and each example's output for the
        # task's report (confusion matrix, per-tag scores ...).
        test, outputs = trainer.evaluate_with_outputs(prepared.test, desc="test")
        selected = trainer.select.removeprefix("val_")
        metrics = {
            **{f"test_{k}": v for k, v in test.items() if k != "units"},
            "best_epoch": trainer.progress.best_epoch,
            f"best_val_{selected}": trainer.progress.best_value,
            "train_seconds": sum(r["seconds"] for r in history),
            "world_size": ctx.world_size,
            "global_batch_size": global_batch,
        }
        metrics.update(training.report(prepared.test, outputs, prepared.vocabs, run_dir))
        plot_history(history, run_dir, trainer.progress.best_epoch)
        (run_dir / "test_metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
        if trainer.tensorboard is not None:
            trainer.tensorboard.log_test(metrics, config.to_dict(), trainer.progress.epoch)
            trainer.tensorboard.close()
        say(
            f"test: {selected} {metrics[f'test_{selected}']:.4f} (best epoch "
            f"{metrics['best_epoch']}); results in {run_dir}"
        )
    return metrics


def _check_run(run_dir: Path, resume: bool, cfg: TrainConfig, world_size: int) -> bool:
    """Check the settings, then check and make the run folder; True: resume from last.pt."""
    if cfg.keep_global_batch and cfg.batch_size < world_size:
        raise ConfigError(
            f"train.batch_size {cfg.batch_size} is the global batch "
            f"(keep_global_batch) and cannot be shared by {world_size} processes"
        )
    return prepare_run_dir(run_dir, resume)


def _write_run_files(run_dir: Path, config: RunConfig, prepared: Prepared) -> None:
    write_run_file(run_dir / "config.json", json.dumps(config.to_dict(), indent=2) + "\n")
    for name, content in prepared.vocabs.items():
        write_run_file(run_dir / f"{name}.json", json.dumps(content) + "\n")


def load_trained(
    spec: TaskSpec, run_dir: Path, device: torch.device | None = None
) -> tuple[RunConfig, nn.Module, dict]:
    """The best model of a finished (or interrupted) run, in eval mode, with its
    configuration and vocabularies."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise CheckpointError(f"run folder {run_dir} does not exist")
    path = run_dir / "best.pt"
    if not path.is_file() and (run_dir / "last.pt").is_file():
        path = run_dir / "last.pt"
        print(
            f"lstmlab: note: {run_dir} has no best.pt (the run stopped before its first "
            "epoch ended); using last.pt",
            file=sys.stderr,
        )
    if not path.is_file():
        raise CheckpointError(f"{run_dir} holds no checkpoint (best.pt or last.pt)")
    record = load_checkpoint(path, spec.name)
    if "vocabs" not in record and "state" in record:  # written before vocabs had their name
        record["vocabs"] = record.pop("state")
    require(record, path, {"config": dict, "model": dict, "vocabs": dict})
    config = spec.config_from_dict(record["config"])
    vocabs = record["vocabs"]
    model = spec.trainer().build_model(config, vocabs)
    try:
        model.load_state_dict(record["model"])
    except RuntimeError as error:
        raise CheckpointError(
            f"{path} does not fit its model: {str(error).splitlines()[0]}"
        ) from None
    model.to(device or torch.device("cpu")).eval()
    return config, model, vocabs
