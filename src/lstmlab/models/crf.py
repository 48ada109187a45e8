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
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from lstmlab.models.inputs import check_positive

IGNORE_INDEX = -100
"""Tag value at padded positions, both accepted in ``tags`` and written by decoding."""


class CRF(nn.Module):
    """Linear-chain CRF with start, end and transition scores.

    Args:
        num_tags: number of tags K.

    Attributes:
        start_transitions: [K] score of starting a sequence on each tag.
        end_transitions: [K] score of ending a sequence on each tag.
        transitions: [K, K]; ``transitions[i, j]`` scores tag i followed by tag j.
    """

    def __init__(self, num_tags: int) -> None:
        super().__init__()
        check_positive(num_tags=num_tags)
        self.num_tags = num_tags
        self.start_transitions = nn.Parameter(torch.empty(num_tags))
        self.end_transitions = nn.Parameter(torch.empty(num_tags))
        self.transitions = nn.Parameter(torch.empty(num_tags, num_tags))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # Small random scores: the emissions dominate early in training.
        for param in (self.start_transitions, self.end_transitions, self.transitions):
            nn.init.uniform_(param, -0.1, 0.1)

    def extra_repr(self) -> str:
        return f"num_tags={self.num_tags}"

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
        tags = tags.masked_fill(~mask, 0)
        step_mask = mask.to(emissions.dtype)
        emitted = emissions.gather(2, tags.unsqueeze(2)).squeeze(2)  # [B, T]
        transitioned = self.transitions[tags[:, :-1], tags[:, 1:]]  # [B, T-1]
        score = self.start_transitions[tags[:, 0]]
        score = score + (emitted * step_mask).sum(1)
        score = score + (transitioned * step_mask[:, 1:]).sum(1)
        last_tags = tags.gather(1, (mask.sum(1) - 1).unsqueeze(1)).squeeze(1)
        return score + self.end_transitions[last_tags]

    def log_partition(self, emissions: Tensor, mask: Tensor) -> Tensor:
        """``log Z``: logsumexp of the scores of all tag sequences. [B, T, K], [B, T] -> [B]."""
        self._check(emissions, mask)
        # alpha[b, j]: logsumexp of the scores of all prefixes ending on tag j.
        alpha = self.start_transitions + emissions[:, 0]
        for t in range(1, emissions.size(1)):
            # [B, K, 1] + [K, K] + [B, 1, K] -> [B, K(from), K(to)]
            scores = alpha.unsqueeze(2) + self.transitions + emissions[:, t].unsqueeze(1)
            next_alpha = torch.logsumexp(scores, dim=1)
            # Past a sequence's end, carry its alpha through unchanged.
            alpha = torch.where(mask[:, t].unsqueeze(1), next_alpha, alpha)
        return torch.logsumexp(alpha + self.end_transitions, dim=1)

    @torch.no_grad()
    def viterbi_decode(self, emissions: Tensor, mask: Tensor) -> Tensor:
        """Highest-scoring tag sequence of each batch element.

        Args:
            emissions: [B, T, K]; mask: [B, T] bool.

        Returns:
            LongTensor [B, T] of tags, with -100 at masked positions.
        """
        self._check(emissions, mask)
        batch_size, num_steps, num_tags = emissions.shape
        # best[b, j]: score of the best prefix ending on tag j.
        best = self.start_transitions + emissions[:, 0]
        # At padded steps the backpointer is the identity, so backtracking from
        # the final step walks through the padding unchanged to the true last tag.
        identity = torch.arange(num_tags, device=emissions.device).expand(batch_size, num_tags)
        backpointers = []
        for t in range(1, num_steps):
            scores = best.unsqueeze(2) + self.transitions + emissions[:, t].unsqueeze(1)
            next_best, came_from = scores.max(dim=1)  # [B, K] each
            real = mask[:, t].unsqueeze(1)
            best = torch.where(real, next_best, best)
            backpointers.append(torch.where(real, came_from, identity))

        tag = (best + self.end_transitions).argmax(dim=1)  # [B]
        path = [tag]
        for came_from in reversed(backpointers):
            tag = came_from.gather(1, tag.unsqueeze(1)).squeeze(1)
            path.append(tag)
        path.reverse()
        return torch.stack(path, dim=1).masked_fill(~mask, IGNORE_INDEX)

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
