"""The layouts ``torch.nn.LSTM`` accepts, mapped to one internal layout and back.

Inside :mod:`lstmlab.nn` a batch of sequences is always *time-major rows*: a ``(N, features)``
tensor holding the rows of time step 0, then those of step 1, and so on, with
``batch_sizes[t]`` rows at step t (non-increasing, longest sequences first). This is exactly
``PackedSequence.data``; a padded ``(T, B, features)`` batch is the special case
``batch_sizes == [B] * T``. One layout means one recurrence for packed and padded input alike.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch
from torch import Tensor
from torch.nn.utils.rnn import PackedSequence


@dataclass(frozen=True)
class SequenceLayout:
    """How a batch arrived (packed, batch-first, unbatched), to return results the same way."""

    batch_sizes: tuple[int, ...]  # rows at each time step
    batch_first: bool
    is_batched: bool
    packed_batch_sizes: Tensor | None = None  # the PackedSequence's own tensors, when packed
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None

    @property
    def is_packed(self) -> bool:
        return self.packed_batch_sizes is not None

    @property
    def batch_size(self) -> int:
        return self.batch_sizes[0]

    def restore(self, rows: Tensor) -> Tensor | PackedSequence:
        """``(N, F)`` time-major rows -> the caller's layout (packed, ``(T, B, F)``, ...)."""
        if self.is_packed:
            return PackedSequence(
                rows, self.packed_batch_sizes, self.sorted_indices, self.unsorted_indices
            )
        sequence = rows.view(len(self.batch_sizes), self.batch_size, rows.size(-1))
        if not self.is_batched:
            return sequence.squeeze(1)
        return sequence.transpose(0, 1) if self.batch_first else sequence

    def sort_state(self, state: Tensor) -> Tensor:
        """A user's ``(layers*directions, B, F)`` (or unbatched) state -> internal row order."""
        if not self.is_batched:
            state = state.unsqueeze(1)
        if self.sorted_indices is not None:
            state = state.index_select(1, self.sorted_indices)
        return state

    def unsort_state(self, state: Tensor) -> Tensor:
        """The inverse of :meth:`sort_state`."""
        if self.unsorted_indices is not None:
            state = state.index_select(1, self.unsorted_indices)
        return state if self.is_batched else state.squeeze(1)


def to_time_major_rows(
    input: Tensor | PackedSequence, batch_first: bool
) -> tuple[Tensor, SequenceLayout]:
    """Flatten any accepted input into ``(N, input_size)`` time-major rows and its layout."""
    if isinstance(input, PackedSequence):
        layout = SequenceLayout(
            batch_sizes=tuple(input.batch_sizes.tolist()),
            batch_first=batch_first,
            is_batched=True,
            packed_batch_sizes=input.batch_sizes,
            sorted_indices=input.sorted_indices,
            unsorted_indices=input.unsorted_indices,
        )
        return input.data, layout
    is_batched = input.dim() == 3
    if not is_batched:
        input = input.unsqueeze(0 if batch_first else 1)
    if batch_first:
        input = input.transpose(0, 1)
    seq_len, batch_size, features = input.shape
    layout = SequenceLayout((batch_size,) * seq_len, batch_first, is_batched)
    return input.reshape(seq_len * batch_size, features), layout


def step_offsets(batch_sizes: tuple[int, ...]) -> list[int]:
    """Index of the first row of each time step (plus the total row count at the end)."""
    offsets = [0]
    for size in batch_sizes:
        offsets.append(offsets[-1] + size)
    return offsets


def _row_positions(batch_sizes: tuple[int, ...]) -> tuple[Tensor, Tensor, Tensor]:
    """Per row: its time step and batch position; and the step offsets, as tensors."""
    sizes = torch.tensor(batch_sizes)
    offsets = torch.tensor(step_offsets(batch_sizes))
    row_step = torch.repeat_interleave(torch.arange(len(batch_sizes)), sizes)
    row_batch = torch.arange(int(offsets[-1])) - offsets[row_step]
    return row_step, row_batch, offsets


def _lengths(batch_sizes: tuple[int, ...]) -> Tensor:
    """Length of each sequence b: the number of steps with more than b rows."""
    return (torch.tensor(batch_sizes).unsqueeze(0) > torch.arange(batch_sizes[0]).unsqueeze(1)).sum(
        1
    )


@functools.lru_cache(maxsize=64)
def previous_row_index(batch_sizes: tuple[int, ...]) -> Tensor:
    """For every row, where its previous state lives in ``cat([initial_state, rows])``.

    The previous state of row (t, b) is row (t-1, b), shifted by the ``B`` initial-state rows;
    at t = 0 it is the initial state row ``b``.
    """
    row_step, row_batch, offsets = _row_positions(batch_sizes)
    previous_row = batch_sizes[0] + offsets[(row_step - 1).clamp(min=0)] + row_batch
    return torch.where(row_step > 0, previous_row, row_batch)


@functools.lru_cache(maxsize=64)
def last_row_index(batch_sizes: tuple[int, ...]) -> Tensor:
    """For every sequence b, the row of its last step."""
    return torch.tensor(step_offsets(batch_sizes))[_lengths(batch_sizes) - 1] + torch.arange(
        batch_sizes[0]
    )


@functools.lru_cache(maxsize=64)
def reversed_row_index(batch_sizes: tuple[int, ...]) -> Tensor:
    """The row permutation that reverses every sequence in time, each within its own length.

    Row (t, b) goes to (length_b - 1 - t, b). The result has the same ``batch_sizes``, so the
    ``_reverse`` direction is the forward recurrence run on these rows. It is its own inverse.
    """
    row_step, row_batch, offsets = _row_positions(batch_sizes)
    return offsets[_lengths(batch_sizes)[row_batch] - 1 - row_step] + row_batch
