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
(``train={"epochs": 2}``). What a loaded run can do depends on its task: ``load`` returns
the task's predictor (:class:`lstmlab.tasks.predictor.Predictor`), whose methods are the
task's (``hasattr(model, "tag")`` says whether it tags).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from lstmlab.confine import confined
from lstmlab.data.cache import default_cache_dir
from lstmlab.data.memory import is_memory_data
from lstmlab.errors import ConfigError
from lstmlab.runtime.manifest import is_bundle
from lstmlab.tasks import get_task
from lstmlab.tasks.base import TorchBackend
from lstmlab.tasks.predictor import Predictor
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

    ``settings``: ``**{"train.epochs": 2}`` or ``train={"epochs": 2}``. Data in memory
    goes in ``train=``, ``valid=`` and ``test=`` (a list of examples, a dict of columns, a
    pandas DataFrame) for a task that reads it (its training part's ``memory_files``): it
    is saved as files named by their content under the data root's cache, which the run
    then reads as any files (so it is evaluated, resumed and repeated like them).
    """
    spec = get_task(task)
    memory = {
        split: settings.pop(split)
        for split in ("train", "valid", "test")
        if split in settings and is_memory_data(settings[split])
    }
    overrides = [f"{key}={_toml(value)}" for key, value in _flatten(settings).items()]
    if memory:
        trainer = spec.trainer()
        if not hasattr(trainer, "memory_files"):
            raise ConfigError(f"the {spec.name} task reads files only, not data in memory")
        overrides += trainer.memory_files(memory, default_cache_dir(data_dir) / "memory")
    config = spec.resolve_config(preset, overrides)
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
    if isinstance(value, (list, tuple)) and all(
        isinstance(item, (int, float)) and not isinstance(item, bool) for item in value
    ):  # a list of numbers (data.feature_columns)
        return "[" + ", ".join(repr(item) for item in value) + "]"
    raise ConfigError(
        f"setting values must be numbers, booleans, strings or lists of numbers, got {value!r}"
    )


def predictor(spec: Any, config: Any, model: torch.nn.Module, vocabs: dict[str, Any]) -> Predictor:
    """The task's predictor over a PyTorch model (what :func:`load` returns)."""
    exporter = spec.exporter()
    preprocess = exporter.preprocess(config, model) if exporter is not None else {}
    cls = spec.part("predictor") if spec.predictor else Predictor
    return cls(spec, config, vocabs, TorchBackend(model), preprocess)


def load(run_dir: str | Path, device: str | torch.device | None = None) -> Predictor:
    """The best model of a run folder, or an exported bundle's, on ``device`` (default: CPU):
    the task's predictor (``predict``, ``tag``, ``generate`` ...).

    Nothing outside the folder is read, whatever its files name (see lstmlab.confine).
    """
    with confined([run_dir]):
        return _load(run_dir, device)


def _load(run_dir: str | Path, device: str | torch.device | None) -> Predictor:
    where = torch.device(device) if device else None
    if is_bundle(run_dir):  # ``lstmlab export``'s folder: safetensors weights and config
        from lstmlab.export import load_bundle_model

        spec, config, model, vocabs = load_bundle_model(run_dir, where)
        return predictor(spec, config, model, vocabs)
    spec = get_task(run_task_name(Path(run_dir)))
    config, model, vocabs = load_trained(spec, Path(run_dir), where)
    return predictor(spec, config, model, vocabs)
