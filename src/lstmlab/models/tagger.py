"""A BiLSTM sequence tagger (POS, chunking), optionally with char features, casing and a CRF.

    word embedding [B, T, word_dim]
      (+) char features  [B, T, F_char]    (CharCNN or CharLSTM, if char_vocab_size > 0)
      (+) casing embedding [B, T, casing_dim]  (if num_casing > 0)
    (+) feature embeddings [B, T, feature_dim] each  (one per feature column, e.g. POS)
    -> dropout -> BiLSTM over packed sequences -> dropout -> linear
    -> emissions [B, T, num_tags]

The head is either independent softmax per token or a linear-chain CRF
(``use_crf=True``), which also scores tag-to-tag transitions.

Loss normalisation: both heads' ``"mean"`` divide the summed loss by the number of
real tokens (for the CRF: summed sentence negative log-likelihoods per token), so a
trainer uses one count for either head; ``"sum"`` is the plain sum, which a
distributed trainer divides by the global number of real tokens.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lstmlab.models.backend import make_rnn, run_lstm
from lstmlab.models.char_encoder import make_char_encoder
from lstmlab.models.config import CHAR_ENCODERS, SequenceTaggerConfig
from lstmlab.models.crf import CRF, IGNORE_INDEX
from lstmlab.models.inputs import check_ids_and_lengths

__all__ = ["CHAR_ENCODERS", "REDUCTIONS", "SequenceTagger", "SequenceTaggerConfig"]

REDUCTIONS = ("mean", "sum")


class SequenceTagger(nn.Module):
    """BiLSTM tagger producing per-token tag scores (emissions).

    Args:
        vocab_size: number of word ids (including the pad id).
        num_tags: number of tags K.
        word_dim: word embedding size.
        char_vocab_size: number of char ids; 0 disables the char encoder.
        char_dim: char embedding size.
        char_encoder: ``"cnn"`` or ``"lstm"``.
        char_hidden: CNN filters, or char-BiLSTM hidden size per direction.
        char_kernel: CNN window width (odd).
        num_casing: number of casing classes (see :mod:`lstmlab.models.features`);
            0 disables the casing feature.
        casing_dim: casing embedding size.
        hidden_size: word BiLSTM hidden size per direction.
        num_layers: number of stacked word BiLSTM layers.
        dropout: dropout on the LSTM's input and output, and between its layers.
        word_dropout: probability that a real word is replaced by ``unk_index`` in training.
        unk_index: the ``<unk>`` word id (used by word dropout).
        use_crf: CRF head instead of independent softmax per token.
        padding_idx: the pad word id (its embedding stays zero), or None.
        cell: ``"lstm"``, ``"gru"`` or ``"lstmlab"``, for every recurrent layer in the model.
        feature_vocab_sizes: the number of value ids of each feature column (a CoNLL file's
            POS column ...), each embedded in ``feature_dim``; none by default.
        feature_dim: each feature's embedding size.
    """

    def __init__(
        self,
        vocab_size: int,
        num_tags: int,
        *,
        word_dim: int = 100,
        char_vocab_size: int = 0,
        char_dim: int = 30,
        char_encoder: str = "cnn",
        char_hidden: int = 50,
        char_kernel: int = 3,
        num_casing: int = 0,
        casing_dim: int = 8,
        hidden_size: int = 128,
        num_layers: int = 1,
        dropout: float = 0.5,
        word_dropout: float = 0.0,
        unk_index: int = 1,
        use_crf: bool = False,
        padding_idx: int | None = 0,
        cell: str = "lstm",
        feature_vocab_sizes: tuple[int, ...] = (),
        feature_dim: int = 20,
    ) -> None:
        super().__init__()
        # Sizes and rates are checked once, by SequenceTaggerConfig.validate (and by
        # torch's layers); the sizes of the vocabularies come from the data.
        # Word dropout: while training, a real word becomes <unk> with this probability, so
        # the <unk> embedding is trained and the tagger learns to lean on characters and
        # casing - exactly what it must do for words unseen in training.
        self.word_dropout = word_dropout
        self.unk_index = unk_index
        self.padding_idx = padding_idx

        self.num_tags = num_tags
        self.word_embedding = nn.Embedding(vocab_size, word_dim, padding_idx=padding_idx)
        input_size = word_dim
        self.char_encoder = None
        if char_vocab_size > 0:
            self.char_encoder = make_char_encoder(
                char_encoder,
                char_vocab_size,
                char_dim=char_dim,
                char_hidden=char_hidden,
                char_kernel=char_kernel,
                cell=cell,
            )
            input_size += self.char_encoder.output_dim
        self.casing_embedding = None
        if num_casing > 0:
            self.casing_embedding = nn.Embedding(num_casing, casing_dim, padding_idx=0)
            input_size += casing_dim
        # Made after the other layers, so a tagger without features draws the same initial
        # weights as before they existed (an empty ModuleList draws nothing).
        self.feature_embeddings = nn.ModuleList(
            nn.Embedding(size, feature_dim, padding_idx=0) for size in feature_vocab_sizes
        )
        input_size += feature_dim * len(feature_vocab_sizes)

        self.dropout = nn.Dropout(dropout)
        self.lstm = make_rnn(
            cell,
            input_size=input_size,
            hidden_size=hidden_size,
            num_layers=num_layers,
            bidirectional=True,
            # torch warns when inter-layer dropout is set on a single layer.
            dropout=dropout if num_layers > 1 else 0.0,
            batch_first=True,
        )
        self.emission = nn.Linear(2 * hidden_size, num_tags)
        self.crf = CRF(num_tags) if use_crf else None

    @classmethod
    def from_config(
        cls,
        config: SequenceTaggerConfig,
        vocab_size: int,
        num_tags: int,
        *,
        char_vocab_size: int,
        num_casing: int,
        unk_index: int,
        feature_vocab_sizes: tuple[int, ...] = (),
    ) -> SequenceTagger:
        """The tagger ``config`` describes, for vocabularies of the given sizes (a config
        without ``feature_dim``, the POS task's, has no feature columns)."""
        use_chars = config.char_encoder != "none"
        return cls(
            vocab_size,
            num_tags,
            word_dim=config.word_dim,
            char_vocab_size=char_vocab_size if use_chars else 0,
            char_dim=config.char_dim,
            char_encoder=config.char_encoder if use_chars else "cnn",
            char_hidden=config.char_hidden,
            num_casing=num_casing if config.casing else 0,
            hidden_size=config.hidden_size,
            num_layers=config.num_layers,
            dropout=config.dropout,
            word_dropout=config.word_dropout,
            unk_index=unk_index,
            use_crf=config.use_crf,
            cell=config.cell,
            feature_vocab_sizes=tuple(feature_vocab_sizes),
            feature_dim=getattr(config, "feature_dim", 20),
        )

    def forward(
        self,
        ids: Tensor,
        lengths: Tensor,
        chars: Tensor | None = None,
        casing: Tensor | None = None,
        features: Tensor | None = None,
    ) -> Tensor:
        """Per-token tag scores.

        Args:
            ids: [B, T] word ids, right-padded.
            lengths: [B] true lengths (>= 1).
            chars: [B, T, C] char ids (0-padded); required when the char encoder is on,
                ignored otherwise (the data layer always provides them).
            casing: [B, T] casing classes (0-padded); required when the casing feature is
                on, ignored otherwise.
            features: [B, T, F] value ids of the F feature columns (0-padded); required
                when the model has feature columns, ignored otherwise.

        Returns:
            emissions: [B, T, num_tags] (rows at padded positions are meaningless).
        """
        check_ids_and_lengths(ids, lengths)
        if self.training and self.word_dropout > 0:
            dropped = torch.rand(ids.shape, device=ids.device) < self.word_dropout
            if self.padding_idx is not None:
                dropped &= ids != self.padding_idx
            ids = ids.masked_fill(dropped, self.unk_index)
        inputs = self.dropout(self.lstm_inputs(ids, chars, casing, features))  # [B, T, input_size]
        output, _ = run_lstm(self.lstm, inputs, lengths)  # [B, T, 2H]
        return self.emission(self.dropout(output))

    def lstm_inputs(
        self,
        ids: Tensor,
        chars: Tensor | None = None,
        casing: Tensor | None = None,
        features: Tensor | None = None,
    ) -> Tensor:
        """What the LSTM reads (before dropout): word embedding, char features, casing and
        feature embeddings side by side, [B, T] (+ [B, T, C], [B, T], [B, T, F])
        -> [B, T, input_size]."""
        parts = [self.word_embedding(ids)]
        if self.char_encoder is not None:
            _require_shape("chars", chars, ids.shape, "char_vocab_size > 0")
            parts.append(self.char_encoder(chars))
        if self.casing_embedding is not None:
            _require_shape("casing", casing, ids.shape, "num_casing > 0")
            parts.append(self.casing_embedding(casing))
        if len(self.feature_embeddings):
            _require_shape("features", features, ids.shape, "feature columns")
            for column, embedding in enumerate(self.feature_embeddings):
                parts.append(embedding(features[:, :, column]))
        return torch.cat(parts, dim=2)

    def loss(
        self, emissions: Tensor, tags: Tensor, mask: Tensor, reduction: str = "mean"
    ) -> Tensor:
        """Training loss over real tokens only.

        Args:
            emissions: [B, T, num_tags] from :meth:`forward`.
            tags: [B, T] gold tags (any value, e.g. -100, at padded positions).
            mask: [B, T] bool, True on real tokens.
            reduction: ``"mean"`` (per real token) or ``"sum"``.

        Returns:
            scalar: softmax cross-entropy, or CRF negative log-likelihood.
        """
        if reduction not in REDUCTIONS:
            raise ValueError(
                f"unknown reduction {reduction!r}; choose one of {', '.join(REDUCTIONS)}"
            )
        if tags.shape != mask.shape or emissions.shape[:2] != mask.shape:
            raise ValueError(
                f"emissions [B, T, K], tags [B, T] and mask [B, T] disagree: "
                f"{tuple(emissions.shape)}, {tuple(tags.shape)}, {tuple(mask.shape)}"
            )
        if self.crf is not None:
            total = -self.crf(emissions, tags, mask).sum()
        else:
            # Select the real tokens instead of relying on -100 in `tags`: a pad can never count.
            total = F.cross_entropy(emissions[mask], tags[mask], reduction="sum")
        if reduction == "sum":
            return total
        return total / mask.sum().clamp(min=1)

    @torch.no_grad()
    def decode(self, emissions: Tensor, mask: Tensor) -> Tensor:
        """Predicted tags: [B, T, num_tags], [B, T] -> LongTensor [B, T], -100 at padded positions.

        Per-token argmax, or the CRF's Viterbi path.
        """
        if self.crf is not None:
            return self.crf.viterbi_decode(emissions, mask)
        return emissions.argmax(dim=2).masked_fill(~mask, IGNORE_INDEX)


def _require_shape(name: str, tensor: Tensor | None, word_shape: torch.Size, why: str) -> None:
    """Raise ValueError unless ``tensor`` is given and starts with the words' [B, T] shape."""
    if tensor is None:
        raise ValueError(f"{name} is required because the model was built with {why}")
    if tensor.shape[:2] != word_shape:
        raise ValueError(
            f"{name} must start with the ids' shape {tuple(word_shape)}, got {tuple(tensor.shape)}"
        )
