"""Fine-tuning a classifier from a language-model run (``model.init_from = RUN``).

ULMFiT (Howard & Ruder 2018) and Dai & Le (2015): pre-train an LSTM language model on
unlabelled text, then train a classifier whose embedding and LSTM start from it. Here
the classifier takes the language model's vocabulary and tokenizer (so every word keeps
its row) and copies its ``embedding.*`` and ``lstm.*`` weights; the classifier's head is
new. The training recipe (discriminative learning rates, gradual unfreezing, warm-up)
is in ``train.*`` settings; see the ``pretrained`` preset.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from torch import nn

from lstmlab.data.vocab import Vocab
from lstmlab.errors import CheckpointError, ConfigError
from lstmlab.training.checkpoint import load_checkpoint

ENCODER_PREFIXES = ("embedding.", "lstm.")


def read_lm_run(run_dir: str | Path) -> tuple[dict[str, Any], Vocab]:
    """A language-model run's saved configuration and vocabulary."""
    run_dir = Path(run_dir)
    config_path, vocab_path = run_dir / "config.json", run_dir / "vocab.json"
    if not config_path.is_file() or not vocab_path.is_file():
        raise CheckpointError(
            f"model.init_from: {run_dir} is not an lstmlab run folder "
            "(no config.json and vocab.json)"
        )
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
        vocab = Vocab.from_dict(json.loads(vocab_path.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError) as error:
        raise CheckpointError(f"model.init_from: {run_dir} is corrupt ({error})") from None
    if not isinstance(config, dict) or config.get("task") != "lm":
        task = config.get("task") if isinstance(config, dict) else None
        raise ConfigError(
            f"model.init_from: {run_dir} is a {task} run, not a language "
            "model (train one with `lstmlab train lm`)"
        )
    return config, vocab


def check_compatible(model_cfg: Any, tokenizer: str, lm_config: dict[str, Any]) -> None:
    """ConfigError unless the classifier's sizes and tokenizer are the language model's."""
    lm_model, lm_data = lm_config.get("model", {}), lm_config.get("data", {})
    wanted = {
        "embedding_dim": lm_model.get("embedding_dim"),
        "hidden_size": lm_model.get("hidden_size"),
        "num_layers": lm_model.get("num_layers"),
        "cell": lm_model.get("cell", "lstm"),
        "bidirectional": False,
    }
    for name, value in wanted.items():
        if getattr(model_cfg, name) != value:
            shown = str(value).lower() if isinstance(value, bool) else value
            raise ConfigError(
                f"model.{name} is {getattr(model_cfg, name)!r} but the language "
                f"model's is {value!r}; set --set model.{name}={shown}"
            )
    if tokenizer != lm_data.get("tokenizer"):
        raise ConfigError(
            f"data.tokenizer is {tokenizer!r} but the language model's is "
            f"{lm_data.get('tokenizer')!r}"
        )


def load_encoder_weights(model: nn.Module, model_cfg: Any) -> int:
    """Copy the language model's embedding and LSTM weights into ``model``; return how many.

    The shapes are checked first; a mismatch is a one-line CheckpointError.
    """
    run_dir = Path(model_cfg.init_from)
    path = run_dir / "best.pt"
    if not path.is_file():
        path = run_dir / "last.pt"
    record = load_checkpoint(path, "lm")
    source = {k: v for k, v in record["model"].items() if k.startswith(ENCODER_PREFIXES)}
    target = model.state_dict()
    missing = [k for k in target if k.startswith(ENCODER_PREFIXES) and k not in source]
    if missing or not source:
        raise CheckpointError(f"{path} lacks the encoder weights {missing[:3]}")
    for name, tensor in source.items():
        if name not in target or target[name].shape != tensor.shape:
            shape = tuple(target[name].shape) if name in target else "nothing"
            raise CheckpointError(
                f"{path}: {name} has shape {tuple(tensor.shape)}, the classifier expects {shape}"
            )
    with torch.no_grad():
        for name, tensor in source.items():
            target[name].copy_(tensor)
    return len(source)
