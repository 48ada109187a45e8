"""Pretrained word vectors as a model's starting word embedding (sentiment, classify, POS ...).

``--set model.pretrained_vectors=PATH`` (word2vec, GloVe or fastText text, ``.gz`` too)
fills the embedding rows of the vocabulary words the file has; the others keep their
random start. ``--set model.freeze_embeddings=true`` then keeps the embedding fixed.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from lstmlab.data.vectors import read_vectors
from lstmlab.data.vocab import DEFAULT_SPECIALS
from lstmlab.errors import ConfigError


def init_from_vectors(
    embedding: nn.Embedding, path: str, tokens: list[str], dim_setting: str
) -> dict[str, Any]:
    """Copy the file's vectors into ``embedding``'s rows for ``tokens``; print the coverage.

    Returns the record a run keeps as ``pretrained_vectors.json``. ``dim_setting`` names
    the setting that must equal the vectors' dimension (``model.embedding_dim``).
    """
    vectors = read_vectors(path, tokens, skip=DEFAULT_SPECIALS)
    if vectors.dimension != embedding.embedding_dim:
        raise ConfigError(
            f"{path} holds {vectors.dimension}-dimensional vectors but "
            f"{dim_setting} is {embedding.embedding_dim}; set "
            f"{dim_setting}={vectors.dimension}"
        )
    rows = torch.from_numpy(vectors.found.nonzero()[0])
    with torch.no_grad():
        embedding.weight[rows] = torch.from_numpy(vectors.vectors[vectors.found]).to(
            embedding.weight.dtype
        )
    print(f"{vectors.summary()}")
    return vectors.record()


def init_pretrained(
    embedding: nn.Embedding, config: Any, vocabs: dict[str, Any], dim_setting: str
) -> dict[str, Any] | None:
    """A task's ``init_weights`` for ``model.pretrained_vectors``: when it is set, fill
    ``embedding`` from the file for the words of ``vocabs["vocab"]`` (see
    :func:`init_from_vectors`) and return the run's record ``{"pretrained_vectors": ...}``;
    None when it is not set. ``config`` is the run's configuration."""
    path = config.model.pretrained_vectors
    if not path:
        return None
    tokens = vocabs["vocab"]["tokens"]
    return {"pretrained_vectors": init_from_vectors(embedding, path, tokens, dim_setting)}


def freeze(embedding: nn.Embedding) -> None:
    """Keep ``embedding`` fixed in training (the optimizer leaves it out)."""
    embedding.weight.requires_grad_(False)
