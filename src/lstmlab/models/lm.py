"""A word-level LSTM language model.

    ids [B, T] -> embedding -> dropout -> LSTM (1-3 layers) -> dropout
        -> (projection to embedding_dim, when the sizes differ) -> features [B, T, P]
    features -> softmax over the vocabulary -> log p(next word)

The output layer is torch's adaptive softmax (``softmax = "adaptive"``, Grave et al.
2017): frequent words get a full-size output row, rarer ones sit in clusters with
smaller projections. On a CPU with a 30,000-word vocabulary it was about 4x faster
than a full softmax at hidden size 512. ``softmax = "full"`` is a plain linear layer,
whose weight is the input embedding when ``tie_weights`` (Press & Wolf 2017).

AWD-LSTM's regularisers (Merity et al. 2018), off by default: ``weight_drop`` is
DropConnect on the LSTM's hidden-to-hidden weights (:mod:`lstmlab.models.backend`), and
``locked_dropout`` makes the dropout on the LSTM's inputs and outputs variational, one mask
per sequence for every step of a window (:mod:`lstmlab.models.dropout`); the dropout between
layers stays torch's, per step.

The embedding and LSTM carry the same names as :class:`~lstmlab.models.classifier.
TextClassifier`'s (``embedding``, ``lstm``), so a classifier can start from them.

Truncated BPTT: ``forward(ids, reset=...)`` carries the final state from one call to the
next (detached, so gradients stop at the batch boundary), starting from zeros in the rows
where ``reset`` is true; see :mod:`lstmlab.data.stream`.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from lstmlab.models.backend import make_rnn
from lstmlab.models.config import SOFTMAXES, LanguageModelConfig
from lstmlab.models.dropout import sequence_dropout

__all__ = ["SOFTMAXES", "LanguageModel", "LanguageModelConfig"]

State = tuple[Tensor, Tensor] | Tensor  # an LSTM's (h, c), a GRU's h: [L, B, H] each


class LanguageModel(nn.Module):
    """Next-word prediction over token ids.

    Args:
        vocab_size: number of token ids (including the pad id 0, never predicted).
        embedding_dim, hidden_size, num_layers, dropout, cell: as their names say.
        softmax: ``"adaptive"`` or ``"full"``.
        cutoffs: adaptive softmax cluster boundaries (word ids are frequency-ordered);
            those not below ``vocab_size`` are dropped.
        tie_weights: with the full softmax, share the embedding as the output weight.
        weight_drop: DropConnect probability on the LSTM's ``weight_hh_l*`` (training only).
        locked_dropout: the input and output dropout use one mask per sequence.
    """

    def __init__(
        self,
        vocab_size: int,
        *,
        embedding_dim: int = 256,
        hidden_size: int = 512,
        num_layers: int = 1,
        dropout: float = 0.1,
        cell: str = "lstm",
        softmax: str = "adaptive",
        cutoffs: list[int] | None = None,
        tie_weights: bool = True,
        weight_drop: float = 0.0,
        locked_dropout: bool = False,
    ) -> None:
        super().__init__()
        # Sizes and rates are checked once, by LanguageModelConfig.validate (and by torch's
        # layers); a name is checked here because an unknown one would quietly build "full".
        if softmax not in SOFTMAXES:
            raise ValueError(f"unknown softmax {softmax!r}; choose one of {', '.join(SOFTMAXES)}")
        self.vocab_size = vocab_size
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
        self.dropout = sequence_dropout(dropout, locked_dropout)
        self.lstm = make_rnn(
            cell,
            weight_drop=weight_drop,
            input_size=embedding_dim,
            hidden_size=hidden_size,
            num_layers=num_layers,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        # The features that enter the softmax have the embedding's size, so that the
        # full softmax can share the embedding, and adaptive clusters stay small.
        self.projection = (
            nn.Linear(hidden_size, embedding_dim) if hidden_size != embedding_dim else nn.Identity()
        )
        self.softmax = softmax
        if softmax == "adaptive":
            kept = [c for c in (cutoffs or []) if c < vocab_size - 1] or [vocab_size - 1]
            # Cluster i projects to embedding_dim / div**(i+1) features: keep at least one.
            div_value = next(d for d in (4.0, 2.0, 1.0) if embedding_dim // d ** len(kept) >= 1)
            self.output = nn.AdaptiveLogSoftmaxWithLoss(
                embedding_dim, vocab_size, cutoffs=kept, div_value=div_value
            )
        else:
            self.output = nn.Linear(embedding_dim, vocab_size)
            if tie_weights:
                self.output.weight = self.embedding.weight
        self.carried: State | None = None  # the state truncated BPTT carries between batches

    @classmethod
    def from_config(cls, config: LanguageModelConfig, vocab_size: int) -> LanguageModel:
        return cls(
            vocab_size,
            embedding_dim=config.embedding_dim,
            hidden_size=config.hidden_size,
            num_layers=config.num_layers,
            dropout=config.dropout,
            cell=config.cell,
            softmax=config.softmax,
            cutoffs=list(config.cutoffs),
            tie_weights=config.tie_weights,
            weight_drop=config.weight_drop,
            locked_dropout=config.locked_dropout,
        )

    def forward(
        self, ids: Tensor, state: State | None = None, reset: Tensor | None = None
    ) -> tuple[Tensor, State]:
        """Features for predicting each next word.

        Args:
            ids: [B, T] token ids.
            state: the state to start from (zeros when None).
            reset: [B] bool; given, the state is the one carried from the previous call
                (detached), zeroed in the rows where ``reset`` is true, and the final state
                is carried to the next call. ``state`` must then be None.

        Returns:
            features: [B, T, embedding_dim], the softmax's input (see :meth:`loss`).
            state: the final state (an LSTM's (h_n, c_n), a GRU's h_n; [L, B, H] each).
        """
        if ids.dim() != 2:
            raise ValueError(f"ids must be [B, T], got shape {tuple(ids.shape)}")
        if reset is not None:
            state = self._carried_state(reset, ids.size(0))
        output, final = self.lstm(self.dropout(self.embedding(ids)), state)
        if reset is not None:
            self.carried = _detach(final)
        return self.projection(self.dropout(output)), final

    def lstm_inputs(self, ids: Tensor) -> Tensor:
        """What the LSTM reads (eval mode): token embeddings, [B, T] -> [B, T, E]."""
        return self.embedding(ids)

    def _carried_state(self, reset: Tensor, batch_size: int) -> State | None:
        carried = self.carried
        if carried is None or _batch_size(carried) != batch_size or bool(reset.all()):
            return None
        keep = (~reset.bool()).to(_first(carried).dtype)[None, :, None]  # [1, B, 1]
        return tuple(s * keep for s in carried) if isinstance(carried, tuple) else carried * keep

    def loss(self, features: Tensor, targets: Tensor) -> Tensor:
        """Summed negative log-likelihood of ``targets``: [B, T, P], [B, T] -> scalar.

        Positions whose target is 0 (padding) are left out.
        """
        flat, wanted = features.reshape(-1, features.size(-1)), targets.reshape(-1)
        real = wanted != 0
        if not bool(real.all()):
            flat, wanted = flat[real], wanted[real]
        if self.softmax == "adaptive":
            total = -self.output(flat, wanted).output.sum()
            # A cluster no target of this batch falls into would get no gradient at all, and
            # DistributedDataParallel needs every process to produce a gradient for every
            # parameter: tie all output parameters into the graph (a zero gradient there,
            # with one process or many alike).
            return total + 0.0 * sum(p.sum() for p in self.output.parameters())
        return nn.functional.cross_entropy(self.output(flat), wanted, reduction="sum")

    def log_probs(self, features: Tensor) -> Tensor:
        """Log-probabilities of every next word: [N, P] -> [N, vocab_size]."""
        if self.softmax == "adaptive":
            return self.output.log_prob(features)
        return torch.log_softmax(self.output(features), dim=-1)

    def predict(self, features: Tensor) -> Tensor:
        """The most likely next word of each position: [N, P] -> [N]."""
        if self.softmax == "adaptive":
            return self.output.predict(features)
        return self.output(features).argmax(dim=-1)


def _first(state: State) -> Tensor:
    return state[0] if isinstance(state, tuple) else state


def _batch_size(state: State) -> int:
    return _first(state).size(1)


def _detach(state: State) -> State:
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
