"""Fine-tuning a classifier from a language-model run (``model.init_from = RUN``).

The LM task's own part for the tasks that start from its runs (``sentiment``,
``classify``): how to read such a run and copy its encoder. ULMFiT (Howard & Ruder 2018)
and Dai & Le (2015): pre-train an LSTM language model on unlabelled text, then train a
classifier whose embedding and LSTM start from it. Here the classifier takes the
language model's vocabulary and tokenizer (so every word keeps its row) and copies its
``embedding.*`` and ``lstm.*`` weights; the classifier's head is new. The training
recipe (discriminative learning rates, gradual unfreezing, warm-up) is in ``train.*``
settings; see the ``pretrained`` preset.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

import torch
from torch import nn

from lstmlab.data.vocab import Vocab
from lstmlab.errors import CheckpointError, ConfigError
from lstmlab.training.config import RunConfig
from lstmlab.training.runner import load_trained, read_run_config

ENCODER_PREFIXES = ("embedding.", "lstm.")


def _lm_task():
    from lstmlab.tasks.lm import TASK
    from lstmlab.tasks.registry import get_task

    return get_task(TASK.name)


def read_lm_run(run_dir: str | Path) -> tuple[RunConfig, Vocab]:
    """A language-model run's saved configuration and vocabulary."""
    try:
        config = read_run_config(_lm_task(), Path(run_dir))
    except CheckpointError as error:
        raise CheckpointError(f"model.init_from: {error}") from None
    return config, Vocab.load(Path(run_dir) / "vocab.json")


def check_compatible(model_cfg: Any, data: Any, lm_config: RunConfig) -> None:
    """ConfigError unless the classifier's sizes, tokenizer and reading direction
    (``data.reverse``) are the language model's."""
    lm_model = lm_config.model
    wanted = {
        "embedding_dim": lm_model.embedding_dim,
        "hidden_size": lm_model.hidden_size,
        "num_layers": lm_model.num_layers,
        "cell": lm_model.cell,
        "bidirectional": False,
    }
    for name, value in wanted.items():
        if getattr(model_cfg, name) != value:
            shown = str(value).lower() if isinstance(value, bool) else value
            raise ConfigError(
                f"model.{name} is {getattr(model_cfg, name)!r} but the language "
                f"model's is {value!r}; set --set model.{name}={shown}"
            )
    if data.tokenizer != lm_config.data.tokenizer:
        raise ConfigError(
            f"data.tokenizer is {data.tokenizer!r} but the language model's is "
            f"{lm_config.data.tokenizer!r}"
        )
    if data.reverse != lm_config.data.reverse:  # a backward LM's encoder reads right to left
        direction = str(lm_config.data.reverse).lower()
        raise ConfigError(
            f"data.reverse is {str(data.reverse).lower()} but the language model's is "
            f"{direction}; set --set data.reverse={direction}"
        )


def check_no_vocab_limits(data: Any, lm_words: int) -> None:
    """ConfigError if ``data.min_freq`` or ``data.max_size`` is set: a fine-tuned classifier
    reads the language model's vocabulary, so either would be silently ignored."""
    defaults = {f.name: f.default for f in fields(data)}  # the data config's own defaults
    for name in ("min_freq", "max_size"):
        if getattr(data, name) != (default := defaults[name]):
            raise ConfigError(
                f"data.{name} = {getattr(data, name)} has no effect with model.init_from: the "
                f"classifier reads the language model's vocabulary ({lm_words:,} words); "
                f"leave data.{name} at {default}"
            )


def load_encoder_weights(model: nn.Module, model_cfg: Any) -> int:
    """Copy the language model's embedding and LSTM weights into ``model``; return how many.

    The shapes are checked first; a mismatch is a one-line CheckpointError.
    """
    run_dir = Path(model_cfg.init_from)
    _, lm, _ = load_trained(_lm_task(), run_dir)  # its best checkpoint (else last.pt)
    source = {k: v for k, v in lm.state_dict().items() if k.startswith(ENCODER_PREFIXES)}
    target = model.state_dict()
    missing = [k for k in target if k.startswith(ENCODER_PREFIXES) and k not in source]
    if missing or not source:
        raise CheckpointError(f"{run_dir} lacks the encoder weights {missing[:3]}")
    for name, tensor in source.items():
        if name not in target or target[name].shape != tensor.shape:
            shape = tuple(target[name].shape) if name in target else "nothing"
            raise CheckpointError(
                f"{run_dir}: {name} has shape {tuple(tensor.shape)}, the classifier expects {shape}"
            )
    with torch.no_grad():
        for name, tensor in source.items():
            target[name].copy_(tensor)
    return len(source)


class StartsFromLanguageModel:
    """A classification task's training that can start from a language-model run: mix in
    before :class:`~lstmlab.tasks.base.TaskTraining` (``model.init_from``)."""

    @staticmethod
    def language_model_vocab(config: RunConfig, data: Any) -> Vocab | None:
        """With ``model.init_from``: the language model's vocabulary (every word keeps its
        pretrained row), once its sizes, tokenizer and direction are checked; else None."""
        if not config.model.init_from:
            return None
        lm_config, vocab = read_lm_run(config.model.init_from)
        check_compatible(config.model, data, lm_config)
        check_no_vocab_limits(data, len(vocab))
        return vocab

    def init_weights(
        self, model: nn.Module, config: RunConfig, vocabs: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Start from a language-model run's embedding and LSTM (``model.init_from``), or
        from pretrained word vectors (``model.pretrained_vectors``)."""
        if config.model.init_from:
            load_encoder_weights(model, config.model)
        return super().init_weights(model, config, vocabs)  # type: ignore[misc]
