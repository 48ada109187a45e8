"""Continuing a language model on new text (``lstmlab train lm --set model.init_from=RUN``).

ULMFiT's second stage (Howard & Ruder 2018, §3.2): a language model pre-trained on a large
general corpus is fine-tuned on the target task's own text before a classifier is
fine-tuned from it, so that the encoder learns the target's words and word order. Here the
new run reads its own text files (``data.corpus = "files"``) and starts from the weights of
a finished LM run:

- The vocabulary is the old run's, every word keeping its id, followed by the new text's
  words the old run lacks (seen at least ``data.min_freq`` times, most frequent first);
  ``data.max_size`` still caps the whole vocabulary (0: no cap), so with the ``lm``
  defaults (30,000, the size of a ``--preset best`` run) no word is added: set it higher
  or to 0 to add them. The data summary says how many were added.
- Every weight is copied; the rows of the weights indexed by word (the embedding, and the
  output layer's rows of the rarest cluster, where new ids fall) grow, each new row
  starting as the mean of the old rows (ULMFiT's choice for words the source never saw).

The sizes, cell and softmax must be the old run's, and so must the tokenizer and the
reading direction (``data.reverse``); each mismatch is a one-line ConfigError.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from lstmlab.data.vocab import Vocab
from lstmlab.errors import CheckpointError, ConfigError
from lstmlab.tasks.lm.finetune import _lm_task, read_lm_run
from lstmlab.training.config import RunConfig
from lstmlab.training.runner import load_trained

# The [model] settings that fix the weights' shapes (the vocabulary size aside).
SHAPE_SETTINGS = ("embedding_dim", "hidden_size", "num_layers", "cell", "softmax", "cutoffs")


def read_source(config: RunConfig) -> Vocab:
    """The vocabulary of the run ``model.init_from`` names, once its settings are checked
    against this run's (ConfigError on the first that differs; CheckpointError when the
    folder is not a finished LM run)."""
    if config.data.corpus != "files":
        raise ConfigError(
            "model.init_from continues a language model on your own text: give --train FILE "
            "and --valid FILE (data.corpus = files)"
        )
    run_dir = Path(config.model.init_from)
    source, vocab = read_lm_run(run_dir)
    pairs = [(f"model.{n}", config.model, source.model, n) for n in SHAPE_SETTINGS]
    pairs += [(f"data.{n}", config.data, source.data, n) for n in ("tokenizer", "reverse")]
    for label, mine, theirs, name in pairs:
        if getattr(mine, name) != (wanted := getattr(theirs, name)):
            shown = str(wanted).lower() if isinstance(wanted, bool) else wanted
            raise ConfigError(
                f"{label} is {getattr(mine, name)!r} but {run_dir}'s is {wanted!r}; "
                f"set --set {label}={shown}"
            )
    return vocab


def extend_vocab(
    base: Vocab, token_lists: Iterable[list[str]], min_freq: int, max_size: int
) -> Vocab:
    """``base``'s tokens in their order, then the tokens of ``token_lists`` that ``base``
    lacks, seen at least ``min_freq`` times, by count (ties alphabetical); ``max_size``
    caps the total (0: no cap; never below ``base``'s own size)."""
    counter = Counter(token for tokens in token_lists for token in tokens)
    unseen = {token: count for token, count in counter.items() if token not in base}
    new = Vocab.from_counter(unseen, min_freq=min_freq, specials=()).tokens  # Vocab's order
    if max_size:
        new = new[: max(max_size - len(base), 0)]
    return Vocab([*base.tokens, *new])


def continue_from(model: nn.Module, run_dir: str | Path) -> dict[str, Any]:
    """Copy the LM run's weights into ``model``, whose vocabulary extends the run's.

    A weight whose first dimension (rows indexed by word id) is larger in ``model`` gets
    the old rows first and the mean old row in each new one. Returns a record of what was
    copied, for the run folder. CheckpointError on a name or shape that cannot match.
    """
    _, source_model, _ = load_trained(_lm_task(), Path(run_dir))
    clusters = [getattr(m.output, "cutoffs", [])[:-1] for m in (source_model, model)]
    if clusters[0] != clusters[1]:  # a cutoff at or above the old size moves every cluster
        raise CheckpointError(
            f"model.init_from: the adaptive softmax's clusters would change from "
            f"{clusters[0]} to {clusters[1]}: {run_dir}'s vocabulary is too small for "
            "model.cutoffs; add no words (data.max_size) or train it with smaller cutoffs"
        )
    source = source_model.state_dict()
    target = model.state_dict()
    grown: dict[str, list[int]] = {}
    with torch.no_grad():
        for name, tensor in target.items():
            old = source.get(name)
            if old is None:
                raise CheckpointError(f"model.init_from: {run_dir} has no weight {name}")
            if old.shape == tensor.shape:
                tensor.copy_(old)
            elif old.dim() >= 1 and old.shape[1:] == tensor.shape[1:] and len(old) < len(tensor):
                tensor[: len(old)] = old
                tensor[len(old) :] = old.float().mean(dim=0).to(tensor.dtype)
                grown[name] = [len(old), len(tensor)]
            else:
                raise CheckpointError(
                    f"model.init_from: {run_dir}'s {name} has shape {tuple(old.shape)}, "
                    f"this model's is {tuple(tensor.shape)}"
                )
    return {"init_from": str(run_dir), "weights": len(target), "rows_added": grown}
