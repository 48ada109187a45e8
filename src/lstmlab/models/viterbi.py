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
    real = np.ones((batch, steps), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    best = start[None, :] + scores[:, 0]  # [B, K]: the best prefix ending on each tag
    # At padded steps the backpointer is the identity, so backtracking from the final step
    # walks through the padding unchanged to the true last tag.
    identity = np.broadcast_to(np.arange(tags), (batch, tags))
    pointers = []
    for t in range(1, steps):
        step = best[:, :, None] + transitions[None] + scores[:, t][:, None, :]  # [B, from, to]
        came_from = step.argmax(axis=1)  # [B, K]
        next_best = np.take_along_axis(step, came_from[:, None, :], axis=1)[:, 0]
        keep = real[:, t][:, None]
        best = np.where(keep, next_best, best)
        pointers.append(np.where(keep, came_from, identity))
    tag = (best + end[None, :]).argmax(axis=1)  # [B]
    path = [tag]
    for came_from in reversed(pointers):
        tag = np.take_along_axis(came_from, tag[:, None], axis=1)[:, 0]
        path.append(tag)
    paths = np.stack(path[::-1], axis=1).astype(np.int64)
    return paths[0] if single else paths
