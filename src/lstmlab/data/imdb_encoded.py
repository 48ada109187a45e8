"""IMDb, tokenized and encoded once, then loaded from a cache in well under two seconds.

:func:`load_imdb_encoded` reads the splits asked for (train and test by default; the
language model reads train and the 50,000 unlabelled ``unsup`` reviews, never test),
tokenizes every review, builds the vocabulary from the ``vocab_splits`` only (train by
default: the test split never chooses anything) or takes a given one (a classifier
fine-tuned from a language model uses the language model's), and encodes every split.
The result is cached as one flat int32 array of token ids plus offsets per split (see
:mod:`lstmlab.data.cache`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from lstmlab.data.cache import cache_key, default_cache_dir, file_identity, load_arrays, save_arrays
from lstmlab.data.imdb import Review, read_imdb_splits
from lstmlab.data.registry import locate
from lstmlab.data.tokenize import Tokenizer, get_tokenizer
from lstmlab.data.vocab import DEFAULT_SPECIALS, Vocab
from lstmlab.progress import bar as progress_bar

SPLITS = ("train", "test")  # the default splits


@dataclass
class EncodedSplit:
    """One encoded split of N reviews.

    ``ids[i]``: int64 [T_i] token ids of review i, untruncated; ``labels``, ``review_ids``,
    ``ratings``: int64 [N].
    """

    ids: list[Tensor]
    labels: Tensor
    review_ids: Tensor
    ratings: Tensor

    def __len__(self) -> int:
        return len(self.ids)

    def lengths(self) -> list[int]:
        return [len(t) for t in self.ids]


@dataclass
class ImdbEncoded:
    """A vocabulary and the encoded splits (``"train"``, ``"test"``, ``"unsup"``) read."""

    vocab: Vocab
    splits: dict[str, EncodedSplit]

    @property
    def train(self) -> EncodedSplit:
        return self.splits["train"]

    @property
    def test(self) -> EncodedSplit:
        return self.splits["test"]


def load_imdb_encoded(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    tokenizer: str = "review",
    min_freq: int = 1,
    max_size: int | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: bool = True,
    check_sizes: bool = True,
    splits: Sequence[str] = SPLITS,
    vocab_splits: Sequence[str] = ("train",),
    vocab: Vocab | None = None,
    specials: Sequence[str] = DEFAULT_SPECIALS,
) -> ImdbEncoded:
    """Encoded IMDb ``splits`` and a vocabulary built from ``vocab_splits`` (or ``vocab``).

    Only the splits named are read: the test reviews are never tokenized when
    ``"test"`` is not among them. Cached by every argument that changes the result.
    """
    source = locate("imdb", data_dir)
    tokenize = get_tokenizer(tokenizer)  # validates the name before any work
    if vocab is None and not set(vocab_splits) <= set(splits):
        raise ValueError(f"vocab_splits {vocab_splits} must be among the splits read {splits}")
    fixed = hashlib.sha256(json.dumps(vocab.to_dict()).encode()).hexdigest() if vocab else None
    key = cache_key(
        source=file_identity(source),
        tokenizer=tokenizer,
        min_freq=min_freq,
        max_size=max_size,
        check_sizes=check_sizes,
        **({} if tuple(splits) == SPLITS else {"splits": list(splits)}),
        **({} if tuple(vocab_splits) == ("train",) else {"vocab_splits": list(vocab_splits)}),
        **({"vocab": fixed} if fixed else {}),
        **({} if tuple(specials) == DEFAULT_SPECIALS else {"specials": list(specials)}),
    )
    cache_path = Path(cache_dir or default_cache_dir(data_dir)) / f"imdb-{key}.npz"
    arrays = load_arrays(cache_path)
    if arrays is None:
        reviews = read_imdb_splits(source, splits, check_sizes=check_sizes, progress=progress)
        arrays = _encode(
            reviews, tokenize, min_freq, max_size, progress, vocab_splits, vocab, specials
        )
        save_arrays(cache_path, arrays)
    return _from_arrays(arrays, splits)


def _encode(
    reviews: dict[str, list[Review]],
    tokenize: Tokenizer,
    min_freq: int,
    max_size: int | None,
    progress: bool,
    vocab_splits: Sequence[str] = ("train",),
    vocab: Vocab | None = None,
    specials: Sequence[str] = DEFAULT_SPECIALS,
) -> dict[str, np.ndarray]:
    """Tokenize and encode the splits read into flat arrays (the cache format)."""
    tokens = {}
    for split in reviews:
        bar = progress_bar(
            reviews[split], desc=f"tokenizing {split}", disable=not progress, leave=False
        )
        tokens[split] = [tokenize(review.text) for review in bar]
    if vocab is None:
        vocab = Vocab.build(
            chain.from_iterable(tokens[s] for s in vocab_splits),
            min_freq=min_freq,
            max_size=max_size,
            specials=specials,
        )
    arrays = {"vocab": np.array(json.dumps(vocab.to_dict()))}
    for split in reviews:
        encoded = [vocab.encode(t) for t in tokens[split]]
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        arrays[f"{split}_tokens"] = np.fromiter(
            chain.from_iterable(encoded), dtype=np.int32, count=int(lengths.sum())
        )
        arrays[f"{split}_offsets"] = np.concatenate([[0], np.cumsum(lengths)])
        arrays[f"{split}_labels"] = np.array([r.label for r in reviews[split]], dtype=np.int64)
        arrays[f"{split}_review_ids"] = np.array([r.id for r in reviews[split]], dtype=np.int64)
        arrays[f"{split}_ratings"] = np.array([r.rating for r in reviews[split]], dtype=np.int64)
    return arrays


def _from_arrays(arrays: dict[str, np.ndarray], names: Sequence[str] = SPLITS) -> ImdbEncoded:
    vocab = Vocab.from_dict(json.loads(str(arrays["vocab"])))
    splits = {}
    for split in names:
        # One int64 conversion, then views: much faster than 25,000 separate tensors.
        flat = torch.from_numpy(arrays[f"{split}_tokens"].astype(np.int64))
        lengths = np.diff(arrays[f"{split}_offsets"]).tolist()
        splits[split] = EncodedSplit(
            ids=list(torch.split(flat, lengths)),
            labels=torch.from_numpy(arrays[f"{split}_labels"]),
            review_ids=torch.from_numpy(arrays[f"{split}_review_ids"]),
            ratings=torch.from_numpy(arrays[f"{split}_ratings"]),
        )
    return ImdbEncoded(vocab=vocab, splits=splits)
