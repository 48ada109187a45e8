"""Viterbi decoding of a linear-chain CRF, in numpy: the one copy that the PyTorch CRF
(:meth:`lstmlab.models.crf.CRF.viterbi_decode`), the tagger's predictor and the ONNX
runtime all use. Imports no torch."""

from __future__ import annotations

import numpy as np


def viterbi(
    emissions: np.ndarray,
    start: np.ndarray,
    transitions: np.ndarray,
    end: np.ndarray,
    mask: np.ndarray | None = None,
) -> np.ndarray:
    """Best tag paths of a batch of scores under a linear-chain CRF.

    Args:
        emissions: ``[B, T, K]`` tag scores (or ``[T, K]`` for one sentence).
        start, end: ``[K]`` scores of starting and ending on each tag.
        transitions: ``[K, K]`` scores of moving from tag i (row) to tag j (column).
        mask: ``[B, T]`` bool, True on real steps (every row starts with one); None: all real.

    Returns:
        int64 ``[B, T]`` tags (``[T]`` for one sentence); padded steps repeat nothing and
        hold the value of the path's last real tag's backtracking (callers cut at length).
    """
    single = emissions.ndim == 2
    scores = emissions[None] if single else emissions
    batch, steps, tags = scores.shape
    real = None if mask is None else np.asarray(mask, dtype=bool)
    if real is not None and real.all():
        real = None  # no padding: the plain recursion (most calls: one sentence at a time)
    # The loop over steps is the cost (a 5,000-word sentence is 5,000 steps), so each step
    # is a few whole-array operations: the emission at t does not depend on the tag it
    # comes from, so it is added after the max instead of into every [from, to] cell, and
    # the max is read directly rather than gathered at the argmax.
    best = start[None, :] + scores[:, 0]  # [B, K]: the best prefix ending on each tag
    pointers = np.empty((max(steps - 1, 0), batch, tags), dtype=np.intp)
    from_to = transitions[None]  # [1, from, to]
    # At padded steps the backpointer is the identity, so backtracking from the final step
    # walks through the padding unchanged to the true last tag.
    identity = np.arange(tags)
    for t in range(1, steps):
        step = best[:, :, None] + from_to  # [B, from, to]
        came_from = step.argmax(axis=1)  # [B, K]
        next_best = step.max(axis=1) + scores[:, t]
        if real is None:
            best = next_best
            pointers[t - 1] = came_from
        else:
            keep = real[:, t][:, None]
            best = np.where(keep, next_best, best)
            pointers[t - 1] = np.where(keep, came_from, identity)
    paths = np.empty((batch, steps), dtype=np.int64)
    tag = (best + end[None, :]).argmax(axis=1)  # [B]
    paths[:, -1] = tag
    rows = np.arange(batch)
    for t in range(steps - 2, -1, -1):
        tag = pointers[t, rows, tag]
        paths[:, t] = tag
    return paths[0] if single else paths
