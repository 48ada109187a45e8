"""Batches for language modelling: one token stream, cut into strips and BPTT windows.

Truncated back-propagation through time (as in Zaremba et al. 2014 and AWD-LSTM): the
documents are joined into one stream, each preceded by the boundary token ``<eos>``;
the stream is cut into ``B`` strips of equal length, one per batch row, and each strip
into windows of ``bptt`` steps. Batch ``k`` holds window ``k`` of every strip, so row
``b`` of batch ``k + 1`` continues row ``b`` of batch ``k`` exactly: a model that carries
its final state from one batch to the next reads every strip as one long sequence,
while gradients flow back only ``bptt`` steps.

The stream is continuous by design: the state is *not* reset at a document boundary,
the ``<eos>`` token marks it and the model learns what follows it (a document start).
The state starts from zeros only at the first window of each strip (``reset``).

Each epoch (``set_epoch``) the documents are shuffled (seeded) before they are joined,
so the strips differ from epoch to epoch. Under data parallelism the batch rows are
shared out: process ``r`` of ``N`` takes rows ``r, r + N, ...`` of every batch.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from typing import Any

import torch
from torch import Tensor
from torch.utils.data import Dataset, Sampler


class TokenStream(Dataset):
    """The windows of one epoch's stream; item ``k * rows + b`` is window ``k`` of strip ``b``.

    Args:
        documents: token ids of each document, LongTensor [T_i] (without boundary tokens).
        boundary: the id put before every document (``<eos>``).
        rows: the global batch size B (number of strips).
        bptt: steps per window.
        shuffle: shuffle the documents each epoch (seeded by ``seed`` and the epoch).
    """

    def __init__(
        self,
        documents: Sequence[Tensor],
        boundary: int,
        rows: int,
        bptt: int,
        *,
        shuffle: bool = False,
        seed: int = 0,
    ) -> None:
        if rows < 1 or bptt < 1:
            raise ValueError(f"rows and bptt must be >= 1, got {rows} and {bptt}")
        self.documents = documents
        self.boundary = boundary
        self.rows = rows
        self.bptt = bptt
        self.shuffle = shuffle
        self.seed = seed
        total = sum(len(d) + 1 for d in documents)  # every document plus its boundary
        self.strip_length = (total - 1) // rows  # inputs per strip (targets are one ahead)
        if self.strip_length < 1:
            raise ValueError(f"{total} tokens cannot fill {rows} rows of a batch")
        self.windows = -(-self.strip_length // bptt)
        self.epoch = 0
        self._strips: Tensor | None = None  # laid out on first use, once per epoch

    def set_epoch(self, epoch: int) -> None:
        """Use the stream of ``epoch`` (its documents' order) from now on."""
        if epoch != self.epoch:
            self.epoch, self._strips = epoch, None

    @property
    def strips(self) -> Tensor:
        """This epoch's stream cut into strips: [rows, strip_length + 1] token ids."""
        if self._strips is None:
            self._strips = self._lay_out()
        return self._strips

    def _lay_out(self) -> Tensor:
        order = list(range(len(self.documents)))
        if self.shuffle:
            random.Random(self.seed * 1_000_003 + self.epoch).shuffle(order)
        pieces = []
        marker = torch.tensor([self.boundary], dtype=torch.long)
        for index in order:
            pieces += [marker, self.documents[index].long()]
        stream = torch.cat(pieces)
        length = self.strip_length
        # Strip b covers stream[b * L : b * L + L + 1]: L inputs and the L targets after them.
        starts = torch.arange(self.rows) * length
        return stream[starts[:, None] + torch.arange(length + 1)]

    def __len__(self) -> int:
        return self.windows * self.rows

    def __getitem__(self, index: int) -> dict[str, Any]:
        window, row = divmod(index, self.rows)
        start = window * self.bptt
        stop = min(start + self.bptt, self.strip_length)
        strip = self.strips[row]
        return {
            "ids": strip[start:stop],
            "targets": strip[start + 1 : stop + 1],
            "reset": int(window == 0),
        }


class StreamBatchSampler(Sampler[list[int]]):
    """Batch ``k`` = window ``k`` of this process's strips, in order (see :class:`TokenStream`)."""

    def __init__(self, stream: TokenStream, num_replicas: int = 1, rank: int = 0) -> None:
        if stream.rows < num_replicas:
            raise ValueError(
                f"a batch of {stream.rows} rows cannot be shared by {num_replicas} processes"
            )
        self.stream = stream
        self.num_replicas = num_replicas
        self.rank = rank

    def set_epoch(self, epoch: int) -> None:
        self.stream.set_epoch(epoch)

    def __iter__(self) -> Iterator[list[int]]:
        rows = self.stream.rows
        for window in range(self.stream.windows):
            yield [window * rows + b for b in range(self.rank, rows, self.num_replicas)]

    def __len__(self) -> int:
        return self.stream.windows
