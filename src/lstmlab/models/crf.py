"""A linear-chain conditional random field (CRF) over per-token emission scores.

A tagger scores each token's tags independently (the *emissions*); a CRF adds a
learned score for every tag-to-tag transition (and for starting / ending on a
tag), so the model scores whole tag sequences and can learn, e.g., that I-NP
never follows O. For one sequence of length L with tags y:

    score(y) = start[y_0] + sum_t emissions[t, y_t]
               + sum_{t>0} transitions[y_{t-1}, y_t] + end[y_{L-1}]

    log p(y) = score(y) - log Z,   log Z = logsumexp over all K**L tag sequences

``log Z`` (forward algorithm) and the best sequence (Viterbi) are computed by
dynamic programming in O(L * K**2). Everything is batch-first and vectorised over
the batch; only time is looped over.

Masks are right-padded prefixes: ``mask[b, t]`` is True for t < length_b, and
every sequence has at least one real step (``mask[:, 0]`` all True).

Constraints: a CRF may be given the transitions a tag scheme allows (e.g. BIO: I-PER only
after B-PER or I-PER; see :func:`lstmlab.training.spans.allowed_transitions`). Every
forbidden start, transition and end then scores :data:`FORBIDDEN` in the sequence score,
the partition function and Viterbi alike, so decoding never outputs a forbidden step and
training spends no probability on one. :meth:`CRF.scores` gives the scores in use (the
learned ones plus those penalties), which is what an exported model decodes with.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

IGNORE_INDEX = -100
"""Tag value at padded positions, both accepted in ``tags`` and written by decoding."""

FORBIDDEN = -10_000.0
"""Score of a forbidden step: finite (an infinite one makes logsumexp's gradient NaN when a
whole column is forbidden), and far below any sum of learned scores."""

Allowed = tuple[Sequence[bool], Sequence[Sequence[bool]], Sequence[bool]]
"""(start [K], transitions [K][K] (from, to), end [K]): which steps are allowed."""


class CRF(nn.Module):
    """Linear-chain CRF with start, end and transition scores.

    Args:
        num_tags: number of tags K.
        allowed: optional ``(start [K], transitions [K][K], end [K])`` booleans: the steps
            allowed (the others score :data:`FORBIDDEN`); None allows every step.

    Attributes:
        start_transitions: [K] score of starting a sequence on each tag.
        end_transitions: [K] score of ending a sequence on each tag.
        transitions: [K, K]; ``transitions[i, j]`` scores tag i followed by tag j.
        allowed_start, allowed_transitions, allowed_end: bool buffers [K], [K, K], [K]
            (saved with the weights), or None when unconstrained.
    """

    def __init__(self, num_tags: int, allowed: Allowed | None = None) -> None:
        super().__init__()
        self.num_tags = num_tags
        self.start_transitions = nn.Parameter(torch.empty(num_tags))
        self.end_transitions = nn.Parameter(torch.empty(num_tags))
        self.transitions = nn.Parameter(torch.empty(num_tags, num_tags))
        masks = [None, None, None] if allowed is None else _allowed_masks(allowed, num_tags)
        self.register_buffer("allowed_start", masks[0])
        self.register_buffer("allowed_transitions", masks[1])
        self.register_buffer("allowed_end", masks[2])
        self.reset_parameters()

    @property
    def constrained(self) -> bool:
        return self.allowed_transitions is not None

    def scores(self) -> tuple[Tensor, Tensor, Tensor]:
        """The start [K], transition [K, K] and end [K] scores in use: the learned ones,
        with :data:`FORBIDDEN` at every step the constraints forbid."""
        if not self.constrained:
            return self.start_transitions, self.transitions, self.end_transitions
        return (
            self.start_transitions.masked_fill(~self.allowed_start, FORBIDDEN),
            self.transitions.masked_fill(~self.allowed_transitions, FORBIDDEN),
            self.end_transitions.masked_fill(~self.allowed_end, FORBIDDEN),
        )

    def reset_parameters(self) -> None:
        # Small random scores: the emissions dominate early in training.
        for param in (self.start_transitions, self.end_transitions, self.transitions):
            nn.init.uniform_(param, -0.1, 0.1)

    def extra_repr(self) -> str:
        return f"num_tags={self.num_tags}" + (", constrained" if self.constrained else "")

    def forward(self, emissions: Tensor, tags: Tensor, mask: Tensor) -> Tensor:
        """Log-likelihood ``log p(tags | emissions)`` of each sequence.

        Args:
            emissions: [B, T, K] per-token tag scores.
            tags: [B, T] gold tags; any value (e.g. -100) at masked positions.
            mask: [B, T] bool, True on real tokens.

        Returns:
            [B] log-likelihood per sequence (<= 0). Negate and reduce for a loss.
        """
        self._check(emissions, mask, tags)
        return self.sequence_score(emissions, tags, mask) - self.log_partition(emissions, mask)

    def sequence_score(self, emissions: Tensor, tags: Tensor, mask: Tensor) -> Tensor:
        """Unnormalised score of the given tag sequences: [B, T, K], [B, T], [B, T] -> [B]."""
        # Padded tags may be -100; any valid index will do there because masked
        # steps are multiplied out below.
        start, transitions, end = self.scores()
        tags = tags.masked_fill(~mask, 0)
        step_mask = mask.to(emissions.dtype)
        emitted = emissions.gather(2, tags.unsqueeze(2)).squeeze(2)  # [B, T]
        transitioned = transitions[tags[:, :-1], tags[:, 1:]]  # [B, T-1]
        score = start[tags[:, 0]]
        score = score + (emitted * step_mask).sum(1)
        score = score + (transitioned * step_mask[:, 1:]).sum(1)
        last_tags = tags.gather(1, (mask.sum(1) - 1).unsqueeze(1)).squeeze(1)
        return score + end[last_tags]

    def log_partition(self, emissions: Tensor, mask: Tensor) -> Tensor:
        """``log Z``: logsumexp of the scores of all tag sequences. [B, T, K], [B, T] -> [B]."""
        self._check(emissions, mask)
        start, transitions, end = self.scores()
        # alpha[b, j]: logsumexp of the scores of all prefixes ending on tag j.
        alpha = start + emissions[:, 0]
        for t in range(1, emissions.size(1)):
            # [B, K, 1] + [K, K] + [B, 1, K] -> [B, K(from), K(to)]
            scores = alpha.unsqueeze(2) + transitions + emissions[:, t].unsqueeze(1)
            next_alpha = torch.logsumexp(scores, dim=1)
            # Past a sequence's end, carry its alpha through unchanged.
            alpha = torch.where(mask[:, t].unsqueeze(1), next_alpha, alpha)
        return torch.logsumexp(alpha + end, dim=1)

    @torch.no_grad()
    def viterbi_decode(self, emissions: Tensor, mask: Tensor) -> Tensor:
        """Highest-scoring tag sequence of each batch element.

        Args:
            emissions: [B, T, K]; mask: [B, T] bool.

        Returns:
            LongTensor [B, T] of tags, with -100 at masked positions.
        """
        from lstmlab.models.viterbi import viterbi

        self._check(emissions, mask)
        start, transitions, end = (score.detach().float().cpu().numpy() for score in self.scores())
        paths = viterbi(
            emissions.detach().float().cpu().numpy(), start, transitions, end, mask.cpu().numpy()
        )
        return torch.from_numpy(paths).to(emissions.device).masked_fill(~mask, IGNORE_INDEX)

    def _check(self, emissions: Tensor, mask: Tensor, tags: Tensor | None = None) -> None:
        if emissions.dim() != 3 or emissions.size(2) != self.num_tags:
            raise ValueError(
                f"emissions must be [B, T, {self.num_tags}], got {tuple(emissions.shape)}"
            )
        if emissions.size(1) == 0:
            raise ValueError("emissions must have at least one time step")
        if mask.shape != emissions.shape[:2] or mask.dtype != torch.bool:
            raise ValueError(
                f"mask must be a bool tensor of shape {tuple(emissions.shape[:2])}, "
                f"got {mask.dtype} {tuple(mask.shape)}"
            )
        if tags is not None and tags.shape != mask.shape:
            raise ValueError(f"tags must have shape {tuple(mask.shape)}, got {tuple(tags.shape)}")
        if not bool(mask[:, 0].all()):
            raise ValueError("every sequence needs at least one real step: mask[:, 0] must be True")


def _allowed_masks(allowed: Allowed, num_tags: int) -> list[Tensor]:
    """The ``allowed`` booleans as bool tensors [K], [K, K], [K]; ValueError if misshapen."""
    start, transitions, end = (torch.as_tensor(part, dtype=torch.bool) for part in allowed)
    shapes = (tuple(start.shape), tuple(transitions.shape), tuple(end.shape))
    if shapes != ((num_tags,), (num_tags, num_tags), (num_tags,)):
        raise ValueError(f"allowed must be ([K], [K, K], [K]) for K={num_tags}, got {shapes}")
    if not bool(start.any()) or not bool(end.any()):
        raise ValueError("allowed forbids every start or every end: no sequence is possible")
    return [start, transitions, end]
