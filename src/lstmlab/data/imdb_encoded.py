"""IMDb, tokenized and encoded once, then loaded from a cache in well under two seconds.

:func:`load_imdb_encoded` reads the train and test splits, tokenizes every review, builds
the vocabulary from the *train* split only (the test split never chooses anything), and
encodes both splits. The result is cached as one flat int32 array of token ids plus
offsets per split (see :mod:`lstmlab.data.cache`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import numpy as np
import torch
from torch import Tensor
from tqdm import tqdm

from lstmlab.data.cache import cache_key, default_cache_dir, file_identity, load_arrays, save_arrays
from lstmlab.data.imdb import Review, read_imdb_splits
from lstmlab.data.registry import locate
from lstmlab.data.tokenize import Tokenizer, get_tokenizer
from lstmlab.data.vocab import Vocab

SPLITS = ("train", "test")


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
    vocab: Vocab
    train: EncodedSplit
    test: EncodedSplit


def load_imdb_encoded(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    tokenizer: str = "review",
    min_freq: int = 1,
    max_size: int | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: bool = True,
    check_sizes: bool = True,
) -> ImdbEncoded:
    """Encoded IMDb train and test splits and their train-only vocabulary (cached)."""
    source = locate("imdb", data_dir)
    tokenize = get_tokenizer(tokenizer)  # validates the name before any work
    key = cache_key(
        source=file_identity(source),
        tokenizer=tokenizer,
        min_freq=min_freq,
        max_size=max_size,
        check_sizes=check_sizes,
    )
    cache_path = Path(cache_dir or default_cache_dir(data_dir)) / f"imdb-{key}.npz"
    arrays = load_arrays(cache_path)
    if arrays is None:
        reviews = read_imdb_splits(source, SPLITS, check_sizes=check_sizes, progress=progress)
        arrays = _encode(reviews, tokenize, min_freq, max_size, progress)
        save_arrays(cache_path, arrays)
    return _from_arrays(arrays)


def _encode(
    reviews: dict[str, list[Review]],
    tokenize: Tokenizer,
    min_freq: int,
    max_size: int | None,
    progress: bool,
) -> dict[str, np.ndarray]:
    """Tokenize and encode both splits into flat arrays (the cache format)."""
    tokens = {}
    for split in SPLITS:
        bar = tqdm(reviews[split], desc=f"tokenizing {split}", disable=not progress, leave=False)
        tokens[split] = [tokenize(review.text) for review in bar]
    vocab = Vocab.build(tokens["train"], min_freq=min_freq, max_size=max_size)
    arrays = {"vocab": np.array(json.dumps(vocab.to_dict()))}
    for split in SPLITS:
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


def _from_arrays(arrays: dict[str, np.ndarray]) -> ImdbEncoded:
    vocab = Vocab.from_dict(json.loads(str(arrays["vocab"])))
    splits = {}
    for split in SPLITS:
        # One int64 conversion, then views: much faster than 25,000 separate tensors.
        flat = torch.from_numpy(arrays[f"{split}_tokens"].astype(np.int64))
        lengths = np.diff(arrays[f"{split}_offsets"]).tolist()
        splits[split] = EncodedSplit(
            ids=list(torch.split(flat, lengths)),
            labels=torch.from_numpy(arrays[f"{split}_labels"]),
            review_ids=torch.from_numpy(arrays[f"{split}_review_ids"]),
            ratings=torch.from_numpy(arrays[f"{split}_ratings"]),
        )
    return ImdbEncoded(vocab=vocab, **splits)
