"""An LSTM text classifier (IMDb sentiment, TREC questions, a user's own labelled texts).

    ids [B, T] -> embedding -> dropout -> (Bi)LSTM -> pool over time -> dropout -> linear
              -> logits [B, num_classes]

The pooling decides which LSTM states summarise a review. Batches are right-padded,
so a careless pooling reads padding and a review's prediction depends on how long
the *other* reviews in its batch are. The poolings:

- ``"last"``: the final state at each sequence's true end. The LSTM runs over a
  packed batch and ``h_n`` of the last layer is used: the forward direction's state
  after the true last token joined with the backward direction's state after token 0.
- ``"max"``:  element-wise max over the real steps' outputs.
- ``"mean"``: mean over the real steps' outputs.
- ``"concat"``: ``last``, ``max`` and ``mean`` side by side (ULMFiT's concat pooling, the
  usual head of a classifier fine-tuned from a language model).
- ``"lab"``:  what the original lab did, kept only to show the difference: the LSTM
  runs over the padded batch *without* packing and ``h_n[-1]`` is used. That is the
  last layer's last direction: the forward state after reading all the padding, or,
  when bidirectional, only the backward state, whose pass starts on the padding.
  Either way the logits change with the amount of padding. Its feature size is
  ``hidden_size`` (one direction), not ``D * hidden_size``.

AWD-LSTM's regularisers (Merity et al. 2018), off by default: ``weight_drop`` is DropConnect
on the LSTM's hidden-to-hidden weights (:mod:`lstmlab.models.backend`), and
``locked_dropout`` makes the embedding dropout variational: one mask per review, the same
at every step (:mod:`lstmlab.models.dropout`).
"""

from __future__ import annotations

import dataclasses

import torch
from torch import Tensor, nn

from lstmlab.models.backend import final_hidden, make_rnn, run_lstm
from lstmlab.models.config import POOLINGS, TextClassifierConfig
from lstmlab.models.dropout import sequence_dropout
from lstmlab.models.inputs import check_ids_and_lengths

__all__ = ["POOLINGS", "TextClassifier", "TextClassifierConfig"]


class TextClassifier(nn.Module):
    """Embedding + (Bi)LSTM + pooling + linear classifier over token ids.

    Args:
        vocab_size: number of token ids (including the pad id).
        num_classes: number of output classes (>= 2).
        embedding_dim: size of the token embeddings.
        hidden_size: LSTM hidden size per direction.
        num_layers: number of stacked LSTM layers.
        bidirectional: whether the LSTM also reads right to left.
        dropout: dropout on the pooled features, and between LSTM layers.
        embedding_dropout: dropout on the embeddings; None means the same as ``dropout``.
        pooling: one of ``"last"``, ``"max"``, ``"mean"``, ``"concat"``, ``"lab"`` (see the
            module doc).
        padding_idx: the pad token id (its embedding stays zero), or None.
        cell: ``"lstm"``, ``"gru"`` or ``"lstmlab"`` (see :mod:`lstmlab.models.backend`).
        weight_drop: DropConnect probability on the LSTM's ``weight_hh_l*`` (training only).
        locked_dropout: the embedding dropout uses one mask per review for every step.
    """

    def __init__(
        self,
        vocab_size: int,
        num_classes: int = 2,
        *,
        embedding_dim: int = 128,
        hidden_size: int = 64,
        num_layers: int = 1,
        bidirectional: bool = True,
        dropout: float = 0.5,
        embedding_dropout: float | None = None,
        pooling: str = "last",
        padding_idx: int | None = 0,
        cell: str = "lstm",
        weight_drop: float = 0.0,
        locked_dropout: bool = False,
    ) -> None:
        super().__init__()
        if embedding_dropout is None:
            embedding_dropout = dropout
        # Sizes and rates are checked once, by TextClassifierConfig.validate (and by torch's
        # layers); a name is checked here because an unknown one would otherwise
        # quietly pool as "mean".
        if pooling not in POOLINGS:
            raise ValueError(f"unknown pooling {pooling!r}; choose one of {', '.join(POOLINGS)}")

        self.pooling = pooling
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=padding_idx)
        self.embedding_dropout = sequence_dropout(embedding_dropout, locked_dropout)
        self.lstm = make_rnn(
            cell,
            weight_drop=weight_drop,
            input_size=embedding_dim,
            hidden_size=hidden_size,
            num_layers=num_layers,
            bidirectional=bidirectional,
            # torch warns when inter-layer dropout is set on a single layer.
            dropout=dropout if num_layers > 1 else 0.0,
            batch_first=True,
        )
        self.num_directions = 2 if bidirectional else 1
        feature_size = hidden_size if pooling == "lab" else self.num_directions * hidden_size
        if pooling == "concat":
            feature_size *= 3
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(feature_size, num_classes)

    @classmethod
    def from_config(
        cls, config: TextClassifierConfig, vocab_size: int, num_classes: int = 2
    ) -> TextClassifier:
        """The classifier ``config`` describes (its fields are the constructor's arguments)."""
        settings = dataclasses.asdict(config)
        for name in ("init_from", "pretrained_vectors", "freeze_embeddings"):
            settings.pop(name)  # where the weights start and what trains, not a shape
        return cls(vocab_size, num_classes, **settings)

    def lstm_inputs(self, ids: Tensor) -> Tensor:
        """What the LSTM reads (eval mode: before dropout): [B, T] -> [B, T, E]."""
        return self.embedding(ids)

    def forward(self, ids: Tensor, lengths: Tensor) -> Tensor:
        """Class logits for a batch of token-id sequences.

        Args:
            ids: [B, T] token ids, right-padded.
            lengths: [B] true lengths (>= 1).

        Returns:
            [B, num_classes] logits.
        """
        check_ids_and_lengths(ids, lengths)
        embedded = self.embedding_dropout(self.lstm_inputs(ids))  # [B, T, E]
        features = self.pool(embedded, lengths)  # [B, F]
        return self.classifier(self.dropout(features))

    def pool(self, embedded: Tensor, lengths: Tensor) -> Tensor:
        """Run the LSTM and pool over time: [B, T, E], [B] -> [B, F]."""
        if self.pooling == "lab":
            _, state = self.lstm(embedded)  # unpacked: reads the padding
            return final_hidden(state)[-1]
        output, h_n = run_lstm(self.lstm, embedded, lengths)  # output: [B, T, D*H]
        last = last_layer_final_states(h_n, self.num_directions)
        if self.pooling == "last":
            return last
        mask = torch.arange(embedded.size(1), device=lengths.device) < lengths.unsqueeze(1)
        mask = mask.to(output.device).unsqueeze(2)  # [B, T, 1]
        maximum = output.masked_fill(~mask, float("-inf")).amax(dim=1)
        # mean: padded outputs are zeros, so the sum only covers real steps.
        mean = output.sum(dim=1) / lengths.to(output.device, output.dtype).unsqueeze(1)
        if self.pooling == "concat":
            return torch.cat([last, maximum, mean], dim=1)  # [B, 3 * D * H]
        return maximum if self.pooling == "max" else mean


def last_layer_final_states(h_n: Tensor, num_directions: int) -> Tensor:
    """The last layer's final states, directions joined: [L * D, B, H] -> [B, D * H]."""
    last_layer = h_n[-num_directions:]  # [D, B, H], forward first
    return last_layer.transpose(0, 1).reshape(h_n.size(1), -1)
