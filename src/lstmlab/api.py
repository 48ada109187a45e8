"""The Python API for notebooks: train a run, load it back, use it.

    import lstmlab

    result = lstmlab.train("pos", preset="lab", out="runs/pos-lab", **{"train.epochs": 2})
    result["test_accuracy"], result.history             # test metrics, one dict per epoch
    tagger = lstmlab.load("runs/pos-lab")
    tagger.tag("The cat sat on the mat .")        # [("The", "DT"), ("cat", "NN"), ...]

    classifier = lstmlab.load("runs/sentiment-best")
    classifier.predict(["A moving, funny film."])  # [{"label": "pos", "probability": ...}]

    lm = lstmlab.load("runs/lm-best")
    lm.generate("This movie", tokens=30, seed=0)   # "This movie is ..."

Settings use the command line's ``section.key`` names (``train.lr``, ``model.pooling``),
as keyword arguments (``**{"train.epochs": 2}``) or as nested dicts
(``train={"epochs": 2}``). What a loaded run can do depends on its task: each task's
``api_*`` methods (see :class:`lstmlab.training.task.Task`) become its methods.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from lstmlab.confine import confined
from lstmlab.errors import ConfigError
from lstmlab.runtime.manifest import is_bundle
from lstmlab.tasks import get_task
from lstmlab.training.config import RunConfig, resolve_config
from lstmlab.training.runner import default_run_dir, load_trained, run_task_name, train_run


class TrainResult(dict):
    """What :func:`train` returns: the test metrics (its keys, as in ``test_metrics.json``),
    with the per-epoch ``history`` (``metrics.jsonl``'s records) and the ``run_dir``.

        result = lstmlab.train("pos", out="runs/pos")
        result["test_accuracy"], result.history[-1]["val_loss"], result.run_dir
    """

    def __init__(
        self, metrics: dict[str, Any], history: list[dict[str, Any]], run_dir: Path
    ) -> None:
        super().__init__(metrics)
        self.history = history
        self.run_dir = run_dir

    def __repr__(self) -> str:
        return (
            f"TrainResult({dict.__repr__(self)}, history=<{len(self.history)} epochs>, "
            f"run_dir={str(self.run_dir)!r})"
        )


def train(
    task: str,
    preset: str | None = None,
    out: str | Path | None = None,
    *,
    data_dir: str | None = None,
    **settings: Any,
) -> TrainResult:
    """Train ``task`` into the run folder ``out``; return the test metrics and history.

    ``settings``: ``**{"train.epochs": 2}`` or ``train={"epochs": 2}``.
    """
    spec = get_task(task)
    overrides = [f"{key}={_toml(value)}" for key, value in _flatten(settings).items()]
    config = resolve_config(spec.name, spec.data_cls, spec.model_cls, preset, overrides)
    run_dir = Path(out) if out else default_run_dir(task, preset)
    metrics = train_run(spec, config, run_dir, data_dir=data_dir)
    return TrainResult(metrics, read_history(run_dir), run_dir)


def read_history(run_dir: str | Path) -> list[dict[str, Any]]:
    """A run's per-epoch records (``metrics.jsonl``), oldest first; [] before the first."""
    path = Path(run_dir) / "metrics.jsonl"
    if not path.is_file():
        return []
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def _flatten(settings: dict[str, Any]) -> dict[str, Any]:
    """``{"train": {"epochs": 2}, "model.cell": "gru"}`` -> ``{"train.epochs": 2, ...}``."""
    flat = {}
    for key, value in settings.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{name}": item for name, item in value.items()})
        else:
            flat[key] = value
    return flat


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return value
    raise ConfigError(f"setting values must be numbers, booleans or strings, got {value!r}")


@dataclass
class Trained:
    """A trained run: its task, configuration, model (eval mode) and vocabularies.

    Its task's API methods are its own: ``predict`` for sentiment, ``tag`` for POS,
    ``generate`` for a language model.
    """

    task: str
    config: RunConfig
    model: nn.Module
    state: dict[str, Any]

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_") or name in ("task", "config", "model", "state"):
            raise AttributeError(name)
        spec = get_task(self.task)
        method = getattr(spec, f"api_{name}", None)
        if method is None:
            offered = [m[4:] for m in dir(spec) if m.startswith("api_")]
            raise ConfigError(
                f"this is a {self.task} model; it offers "
                f"{', '.join(offered) or 'no methods'}, not {name}"
            )
        return functools.partial(method, self)


def load(run_dir: str | Path, device: str | torch.device | None = None) -> Trained:
    """The best model of a run folder, or an exported bundle's, on ``device`` (default: CPU).

    Nothing outside the folder is read, whatever its files name (see lstmlab.confine).
    """
    with confined([run_dir]):
        return _load(run_dir, device)


def _load(run_dir: str | Path, device: str | torch.device | None) -> Trained:
    if is_bundle(run_dir):  # ``lstmlab export``'s folder: safetensors weights and config
        from lstmlab.export import load_bundle_model

        spec, config, model, state = load_bundle_model(
            run_dir, torch.device(device) if device else None
        )
        return Trained(spec.name, config, model, state)
    task = run_task_name(Path(run_dir))
    config, model, state = load_trained(
        get_task(task), Path(run_dir), torch.device(device) if device else None
    )
    return Trained(task, config, model, state)
