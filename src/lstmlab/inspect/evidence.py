"""Per-word evidence for a sentiment prediction, by leave-one-out occlusion, and its check.

Method (leave-one-out occlusion): a review of T tokens is classified once as it is and T
more times with one token removed (the sequence closes up; nothing replaces the token).
The evidence of token t is

    evidence_t = p(pos | review) - p(pos | review without token t)

so a positive value means the token pushed the prediction towards *pos* (removing it lowers
p(pos)), a negative one towards *neg*, and near zero that the model barely used it. It is
exact for what it measures (no gradients or baselines), costs T extra forward passes
(batched), and captures context: the same word can weigh differently in two reviews.
It does not see interactions: two words that each make the other redundant both look weak.

:func:`faithfulness` checks the evidence: removing the k tokens with the strongest evidence
for the predicted label should move the probability of that label more than removing k
random tokens. For k = 1 that holds by construction; for k > 1 it need not (removals do not
add up), which is what makes it a check.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from lstmlab.errors import ConfigError
from lstmlab.inspect.limits import MAX_EVIDENCE_TOKENS

ProbabilityFn = Callable[[Tensor], Tensor]  # ids [B, T] -> class probabilities [B, C]
CHUNK = 256  # occluded copies per forward pass


@torch.no_grad()
def occlusion_evidence(
    probabilities: ProbabilityFn,
    ids: Tensor,
    positive_class: int = 1,
    unk_index: int = 1,
    *,
    max_tokens: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Tensor:
    """Leave-one-out evidence ``[T]`` of each token of ``ids`` ``[T]`` for ``positive_class``.

    A one-token review is compared with the review ``[unk_index]`` (nothing is not a review).
    The occluded copies are made and classified :data:`CHUNK` at a time (memory
    ``CHUNK x T``, not ``T x T``); ``progress(done, T)`` is called after each chunk. A text
    of more than ``max_tokens`` tokens (default :data:`MAX_EVIDENCE_TOKENS`) is a ConfigError.
    """
    steps = ids.numel()
    max_tokens = MAX_EVIDENCE_TOKENS if max_tokens is None else max_tokens
    if steps > max_tokens:
        raise ConfigError(
            f"per-word evidence takes at most {max_tokens:,} tokens (one pass of the model "
            f"per token); this text has {steps:,}: shorten it"
        )
    full = probabilities(ids.unsqueeze(0))[0, positive_class]
    if steps == 1:
        return full - probabilities(torch.tensor([[unk_index]]))[0, positive_class].reshape(1)
    columns = torch.arange(steps - 1).unsqueeze(0)  # [1, T-1]
    without = []
    for start in range(0, steps, CHUNK):
        removed = torch.arange(start, min(start + CHUNK, steps)).unsqueeze(1)  # [n, 1]
        # row t: every position but t (the positions from t on shift up by one)
        occluded = ids[columns + (columns >= removed).long()]  # [n, T-1]
        without.append(probabilities(occluded)[:, positive_class])
        if progress is not None:
            progress(start + removed.numel(), steps)
    return full - torch.cat(without)


def remove_positions(ids: Tensor, positions: list[int]) -> Tensor:
    """``ids`` ``[T]`` without the given positions (at least one token is always kept)."""
    keep = torch.ones(ids.numel(), dtype=torch.bool)
    keep[positions] = False
    return ids[keep] if keep.any() else ids[:1]


@dataclass
class Faithfulness:
    """Mean drop in the predicted label's probability after removing k tokens."""

    k: int
    reviews: int
    top_k_drop: float  # removing the k tokens with the most evidence for the predicted label
    random_drop: float  # removing k random tokens (mean over the draws)
    top_k_wins: float  # share of reviews where the top-k removal moved it more


@torch.no_grad()
def faithfulness(
    probabilities: ProbabilityFn,
    reviews: list[Tensor],
    ks: Sequence[int],
    draws: int = 5,
    seed: int = 0,
    positive_class: int = 1,
) -> dict[int, Faithfulness]:
    """Compare removing the top-k evidence tokens with removing k random tokens, per k.

    Args:
        probabilities: ids ``[B, T]`` -> class probabilities ``[B, C]``.
        reviews: token ids ``[T]`` of each review; for each k, reviews of at most k tokens
            are skipped.
        ks: the numbers of tokens removed.
        draws: random removals per review and k (their drops are averaged).

    Returns:
        ``{k: Faithfulness}``.
    """
    rng = random.Random(seed)
    drops: dict[int, list[tuple[float, float]]] = {k: [] for k in ks}
    for ids in reviews:
        if ids.numel() <= min(ks):
            continue
        p = probabilities(ids.unsqueeze(0))[0]
        label = int(p.argmax())
        evidence = occlusion_evidence(probabilities, ids, positive_class)
        # Evidence *for the predicted label*: towards pos if it is pos, towards neg otherwise.
        support = evidence if label == positive_class else -evidence
        for k in ks:
            if ids.numel() <= k:
                continue
            without_top = remove_positions(ids, support.topk(k).indices.tolist())
            top_drop = float(p[label] - probabilities(without_top.unsqueeze(0))[0, label])
            removed = [
                remove_positions(ids, rng.sample(range(ids.numel()), k)) for _ in range(draws)
            ]
            random_drop = float((p[label] - probabilities(torch.stack(removed))[:, label]).mean())
            drops[k].append((top_drop, random_drop))
    results = {}
    for k, pairs in drops.items():
        if not pairs:
            raise ValueError(f"no review has more than k={k} tokens")
        count = len(pairs)
        results[k] = Faithfulness(
            k,
            count,
            sum(top for top, _ in pairs) / count,
            sum(rand for _, rand in pairs) / count,
            sum(top > rand for top, rand in pairs) / count,
        )
    return results
