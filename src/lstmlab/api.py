"""The Python API for notebooks: train a run, load it back, use it.

    import lstmlab

    metrics = lstmlab.train("pos", preset="lab", out="runs/pos-lab", **{"train.epochs": 2})
    tagger = lstmlab.load("runs/pos-lab")
    tagger.tag("The cat sat on the mat .")        # [("The", "DT"), ("cat", "NN"), ...]

    classifier = lstmlab.load("runs/sentiment-best")
    classifier.predict(["A moving, funny film."])  # [{"label": "pos", "probability": ...}]

Settings use the command line's ``section.key`` names (``train.lr``, ``model.pooling``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torch import nn

from lstmlab.errors import ConfigError
from lstmlab.tasks import get_task
from lstmlab.training.config import RunConfig, resolve_config
from lstmlab.training.runner import default_run_dir, load_trained, run_task_name, train_run


def train(task: str, preset: str | None = None, out: str | Path | None = None, *,
          data_dir: str | None = None, **settings: Any) -> dict[str, Any]:
    """Train ``task`` ("sentiment" or "pos") into the run folder ``out``; return test metrics."""
    spec = get_task(task)
    overrides = [f"{key}={_toml(value)}" for key, value in settings.items()]
    config = resolve_config(spec.name, spec.data_cls, spec.model_cls, preset, overrides)
    return train_run(spec, config, Path(out) if out else default_run_dir(task, preset),
                     data_dir=data_dir)


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
    """A trained run: its configuration, model (eval mode, CPU) and vocabularies."""

    task: str
    config: RunConfig
    model: nn.Module
    state: dict[str, Any]

    def predict(self, texts: str | list[str]) -> list[dict[str, Any]]:
        """Sentiment: label and probability of each review."""
        self._expect("sentiment")
        from lstmlab.tasks.sentiment import predict_texts

        return predict_texts(self.model, self.config, self.state,
                             [texts] if isinstance(texts, str) else texts)

    def tag(self, sentence: str | list[str]) -> list[tuple[str, str]]:
        """POS: (word, tag) pairs of one sentence (a string is split into words first)."""
        self._expect("pos")
        from lstmlab.tasks.pos import split_words, tag_sentences

        words = split_words(sentence) if isinstance(sentence, str) else sentence
        return tag_sentences(self.model, self.config, self.state, [words])[0]

    def _expect(self, task: str) -> None:
        if self.task != task:
            raise ConfigError(f"this is a {self.task} model, not a {task} one")


def load(run_dir: str | Path) -> Trained:
    """The best model of a run folder."""
    task = run_task_name(Path(run_dir))
    config, model, state = load_trained(get_task(task), Path(run_dir))
    return Trained(task, config, model, state)
