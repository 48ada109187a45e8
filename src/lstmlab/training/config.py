"""Run configuration: presets in TOML, ``--set section.key=value`` overrides, validation.

A configuration has three sections, each a dataclass: ``data`` and ``model`` belong to
the task, ``train`` is shared by every task (:class:`TrainConfig`). Presets are TOML files
with the same three tables; a task ships its own in its package
(``lstmlab/tasks/<task>/presets/<name>.toml``), to be copied and edited by users.
Every range is checked here, once, as a :class:`ConfigError`.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import tomllib
from dataclasses import dataclass, field, fields
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from lstmlab.data.textfile import QUOTE_CHARS, read_text
from lstmlab.errors import ConfigError

MAX_THREADS = max(16, 4 * (os.cpu_count() or 1))


MAX_SEED = 2**63 - 1
PRECISIONS = ("float32", "bfloat16", "float16")


@dataclass
class TrainConfig:
    """Optimisation and bookkeeping settings shared by every task."""

    epochs: int = 5
    batch_size: int = 64  # per process; see keep_global_batch
    eval_batch_size: int = 256
    optimizer: str = "adam"  # "adam" or "adamw"
    lr: float = 1e-3
    lr_decay: float = 1.0  # each parameter group below the top: lr this many times smaller
    gradual_unfreezing: bool = False  # epoch e trains only the top e+1 parameter groups
    weight_decay: float = 0.0
    schedule: str = "none"  # "none", "linear" (decay to 0) or "cosine", after warmup_steps
    warmup_steps: int = 0
    clip_grad: float = 0.0  # max gradient norm; 0 turns clipping off
    patience: int = 0  # early stopping after this many epochs without improvement; 0 = off
    bucket: bool = True  # length-bucketed batches (False: plain random batches, as the lab)
    seed: int = 0
    device: str = "auto"  # "auto" (CUDA when present), "cpu", "cuda", "cuda:1", ...
    threads: int = 0  # CPU threads for torch; 0 keeps torch's default
    keep_global_batch: bool = False  # True: batch_size is global, split over processes
    tensorboard: bool = False  # TensorBoard scalars in <run>/tensorboard (the extra)
    select: str = ""  # validation metric picking best.pt, e.g. "val_loss"; "": the task's
    # Training steps in "float32", or mixed precision under torch.autocast: "bfloat16" or
    # "float16" (with loss scaling). Weights, optimizer and evaluation stay float32.
    precision: str = "float32"

    def validate(self) -> None:
        check(self.epochs >= 1, "train.epochs must be >= 1")
        check(self.batch_size >= 1, "train.batch_size must be >= 1")
        check(self.eval_batch_size >= 1, "train.eval_batch_size must be >= 1")
        check(self.optimizer in ("adam", "adamw"), "train.optimizer must be 'adam' or 'adamw'")
        check(self.lr > 0 and math.isfinite(self.lr), "train.lr must be a finite number > 0")
        check(
            self.lr_decay >= 1 and math.isfinite(self.lr_decay),
            "train.lr_decay must be a finite number >= 1",
        )
        check(
            self.weight_decay >= 0 and math.isfinite(self.weight_decay),
            "train.weight_decay must be a finite number >= 0",
        )
        check(
            self.schedule in ("none", "linear", "cosine"),
            "train.schedule must be 'none', 'linear' or 'cosine'",
        )
        check(self.warmup_steps >= 0, "train.warmup_steps must be >= 0")
        check(
            self.clip_grad >= 0 and math.isfinite(self.clip_grad),
            "train.clip_grad must be a finite number >= 0",
        )
        check(self.patience >= 0, "train.patience must be >= 0")
        # torch, numpy and the samplers take 64-bit seeds (seed + epoch, too)
        check(0 <= self.seed <= MAX_SEED, f"train.seed must be between 0 and {MAX_SEED}")
        check(
            self.select == "" or (self.select.startswith("val_") and len(self.select) > 4),
            "train.select names a validation metric, e.g. val_loss or val_accuracy",
        )
        check(
            self.precision in PRECISIONS,
            "train.precision must be 'float32', 'bfloat16' or 'float16'",
        )
        check(
            0 <= self.threads <= MAX_THREADS,
            f"train.threads must be between 0 and "
            f"{MAX_THREADS} on this machine (more only slow torch down; far more crash it)",
        )


@dataclass
class RunConfig:
    """A whole run: the task name and its three sections."""

    task: str
    data: Any
    model: Any
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "data": dataclasses.asdict(self.data),
            "model": dataclasses.asdict(self.model),
            "train": dataclasses.asdict(self.train),
        }

    def validate(self) -> None:
        for section in (self.data, self.model, self.train):
            if hasattr(section, "validate"):
                section.validate()


def shown(value: Any) -> str:
    """``repr`` of a user's value for a message, cut to a readable length."""
    return cut(repr(value))


def cut(text: str) -> str:
    """``text`` cut to a readable length for a message."""
    return text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS] + "..."


def check(condition: bool, message: str) -> None:
    """Raise :class:`ConfigError` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise ConfigError(message)


def preset_names(folder: Traversable | Path | None) -> list[str]:
    """Names of the presets in a task's preset ``folder`` (None: no presets)."""
    if folder is None or not folder.is_dir():
        return []
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def read_preset(
    task: str, name_or_path: str, folder: Traversable | Path | None = None
) -> dict[str, Any]:
    """Read a shipped preset by name (from the task's preset ``folder``), any TOML file by
    path, or a run's ``config.json``.

    A run folder (or its ``config.json``) repeats that run's configuration; its task must
    be ``task``.
    """
    path = Path(name_or_path)
    if path.is_dir() and (path / "config.json").is_file():
        path = path / "config.json"
    if path.suffix == ".json":
        return _read_run_config_preset(task, path)
    if path.suffix == ".toml" or path.exists():
        if not path.exists():
            raise ConfigError(f"preset file {path} does not exist")
        text = read_text(path)
    else:
        resource = folder / f"{name_or_path}.toml" if folder is not None else None
        if resource is None or not resource.is_file():
            names = ", ".join(preset_names(folder)) or "none shipped"
            raise ConfigError(
                f"unknown {task} preset {shown(name_or_path)}; choose one of: {names}"
            )
        text = resource.read_text(encoding="utf-8")
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as error:  # too deep a nesting, too
        raise ConfigError(f"preset {name_or_path}: invalid TOML: {error}") from None


def _read_run_config_preset(task: str, path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"preset file {path} does not exist")
    try:
        saved = json.loads(read_text(path))
    except (json.JSONDecodeError, RecursionError) as error:
        raise ConfigError(f"preset {path}: not a run configuration ({error})") from None
    if not isinstance(saved, dict) or not all(
        isinstance(saved.get(k), dict) for k in ("data", "model", "train")
    ):
        raise ConfigError(f"preset {path}: not a run configuration (needs data, model, train)")
    if saved.get("task") != task:
        raise ConfigError(f"preset {path} is a {saved.get('task')} run's, not a {task} one")
    return {
        section: upgrade_section(section, dict(saved[section]))
        for section in ("data", "model", "train")
    }


def upgrade_section(section: str, values: dict[str, Any]) -> dict[str, Any]:
    """Settings saved by an older lstmlab, renamed: ``model.backend`` became ``model.cell``."""
    if section == "model" and "backend" in values:
        backend = values.pop("backend")
        values.setdefault("cell", {"torch": "lstm"}.get(backend, backend))
    return values


def parse_override(item: str) -> tuple[str, str, Any]:
    """Parse ``section.key=value``; the value is read as TOML, else kept as a string."""
    key, sep, raw = item.partition("=")
    section, dot, name = key.strip().partition(".")
    if not sep or not dot or not name:
        raise ConfigError(
            "--set expects section.key=value (e.g. train.lr=0.001), got " + shown(item)
        )
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):
        value = raw.strip()
    return section, name, value


def build_section(cls: type, values: dict[str, Any], section: str) -> Any:
    """Instantiate dataclass ``cls`` from ``values``, checking names and types."""
    known = {f.name: f for f in fields(cls)}
    for name, value in values.items():
        if name not in known:
            raise ConfigError(
                f"unknown setting {section}.{cut(name)}; valid: {', '.join(sorted(known))}"
            )
        # Every config dataclass has defaults; they give each setting its type.
        values[name] = _coerce(value, getattr(cls(), name), f"{section}.{name}")
    return cls(**values)


def _coerce(value: Any, default: Any, name: str) -> Any:
    """Convert ``value`` to the type of ``default`` where that is lossless."""
    if default is None or (
        isinstance(value, type(default))
        and not (isinstance(value, bool) and not isinstance(default, bool))
    ):
        return value
    if isinstance(default, bool):
        raise ConfigError(f"{name} must be true or false, got {shown(value)}")
    if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    kind = _KINDS.get(type(default), f"a {type(default).__name__}")
    raise ConfigError(f"{name} must be {kind}, got {shown(value)}")


_KINDS = {int: "an integer", float: "a number", str: "a string"}


def resolve_config(
    task: str,
    data_cls: type,
    model_cls: type,
    preset: str | None,
    overrides: list[str] | None = None,
    base: dict[str, Any] | None = None,
    presets: Traversable | Path | None = None,
) -> RunConfig:
    """Defaults, then the preset (or a saved configuration ``base``), then ``--set``; validated."""
    raw: dict[str, dict[str, Any]] = {"data": {}, "model": {}, "train": {}}
    if base:
        for section in raw:
            if not isinstance(base.get(section), dict):
                raise ConfigError(f"the saved configuration lacks its [{section}] section")
            raw[section].update(upgrade_section(section, dict(base[section])))
    if preset:
        for section, table in read_preset(task, preset, presets).items():
            if section not in raw or not isinstance(table, dict):
                raise ConfigError(f"preset {preset}: unknown table [{section}]")
            raw[section].update(table)
    for item in overrides or []:
        section, name, value = parse_override(item)
        if section not in raw:
            raise ConfigError(f"--set {item}: section must be data, model or train")
        raw[section][name] = value
    config = RunConfig(
        task=task,
        data=build_section(data_cls, raw["data"], "data"),
        model=build_section(model_cls, raw["model"], "model"),
        train=build_section(TrainConfig, raw["train"], "train"),
    )
    config.validate()
    return config


def config_from_dict(task: str, data_cls: type, model_cls: type, saved: dict) -> RunConfig:
    """Rebuild a :class:`RunConfig` saved by :meth:`RunConfig.to_dict` (e.g. in a checkpoint)."""
    for section in ("data", "model", "train"):
        if not isinstance(saved, dict) or not isinstance(saved.get(section), dict):
            raise ConfigError(
                f"the saved {task} configuration has no [{section}] section; it "
                "is damaged or not from lstmlab"
            )
    return resolve_config(task, data_cls, model_cls, None, None, base=saved)
