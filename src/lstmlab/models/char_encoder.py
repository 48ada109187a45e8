"""Character-level word encoders: one feature vector per word, built from its letters.

They let the tagger see suffixes, prefixes and shapes ("-ing", "-ly", "un-") of
words it has never seen. Input is the data layer's ``chars`` tensor [B, T, C]:
each word's character ids, right-padded with 0; padded words are all-zero rows.
Both encoders ignore char padding entirely (changing the ids at padded character
positions changes nothing) and give a zero vector for padded words.

- :class:`CharCNN`  (Ma & Hovy, 2016): embed, convolve over the characters, max
  over the word's real characters.
- :class:`CharLSTM` (Lample et al., 2016): a BiLSTM over the word's characters;
  the forward state after the last character joined with the backward state
  after the first.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from lstmlab.models.backend import make_rnn, run_lstm
from lstmlab.models.inputs import capturing_graph

CHAR_ENCODERS = ("cnn", "lstm")
CHAR_PAD = 0


def make_char_encoder(
    kind: str,
    char_vocab_size: int,
    *,
    char_dim: int,
    char_hidden: int,
    char_kernel: int = 3,
    cell: str = "lstm",
) -> CharCNN | CharLSTM:
    """Build the char encoder named ``kind`` (``"cnn"`` or ``"lstm"``)."""
    if kind == "cnn":
        return CharCNN(char_vocab_size, char_dim, num_filters=char_hidden, kernel_size=char_kernel)
    if kind == "lstm":
        return CharLSTM(char_vocab_size, char_dim, hidden_size=char_hidden, cell=cell)
    raise ValueError(f"unknown char encoder {kind!r}; choose one of {', '.join(CHAR_ENCODERS)}")


def _check_chars(chars: Tensor) -> None:
    if chars.dim() != 3:
        raise ValueError(f"chars must be [B, T, C], got shape {tuple(chars.shape)}")


class CharCNN(nn.Module):
    """Char embedding -> 1-D convolution over characters -> max over real characters.

    Args:
        char_vocab_size: number of char ids (0 is padding).
        char_dim: char embedding size.
        num_filters: number of convolution filters = output size.
        kernel_size: odd window width in characters.
    """

    def __init__(
        self, char_vocab_size: int, char_dim: int, num_filters: int, kernel_size: int = 3
    ) -> None:
        super().__init__()
        # Sizes are checked once, by the tagger's config. The kernel is no setting: an even
        # one gives C + 1 outputs for C characters, which the character mask cannot match.
        if kernel_size % 2 == 0:
            raise ValueError(f"char kernel size must be odd, got {kernel_size}")
        self.output_dim = num_filters
        self.embedding = nn.Embedding(char_vocab_size, char_dim, padding_idx=CHAR_PAD)
        # "Same" padding: one output per character, centred on it.
        self.conv = nn.Conv1d(char_dim, num_filters, kernel_size, padding=kernel_size // 2)

    def forward(self, chars: Tensor) -> Tensor:
        """[B, T, C] char ids -> [B, T, num_filters] word features (zeros for padded words)."""
        _check_chars(chars)
        batch_size, num_words, num_chars = chars.shape
        chars = chars.reshape(-1, num_chars)  # [N, C], N = B * T words
        is_char = (chars != CHAR_PAD).unsqueeze(1)  # [N, 1, C]
        # Zero the padded characters so windows at a word's edge see the same
        # zeros as the convolution's own padding, whatever ids the padding holds.
        embedded = self.embedding(chars).transpose(1, 2) * is_char  # [N, E, C]
        convolved = self.conv(embedded).masked_fill(~is_char, float("-inf"))  # [N, F, C]
        features = convolved.amax(dim=2)  # [N, F]; -inf for words without characters
        features = features.masked_fill(~is_char.any(dim=2), 0.0)
        return features.reshape(batch_size, num_words, -1)


class CharLSTM(nn.Module):
    """Char embedding -> BiLSTM over each word's characters -> final states of both directions.

    Args:
        char_vocab_size: number of char ids (0 is padding).
        char_dim: char embedding size.
        hidden_size: LSTM hidden size per direction; output size is twice this.
        cell: ``"lstm"``, ``"gru"`` or ``"lstmlab"`` (see :mod:`lstmlab.models.backend`).
    """

    def __init__(
        self, char_vocab_size: int, char_dim: int, hidden_size: int, cell: str = "lstm"
    ) -> None:
        super().__init__()
        self.output_dim = 2 * hidden_size
        self.embedding = nn.Embedding(char_vocab_size, char_dim, padding_idx=CHAR_PAD)
        self.lstm = make_rnn(
            cell,
            input_size=char_dim,
            hidden_size=hidden_size,
            bidirectional=True,
            batch_first=True,
        )

    def forward(self, chars: Tensor) -> Tensor:
        """[B, T, C] char ids -> [B, T, 2 * hidden_size] word features (zeros for padded words)."""
        _check_chars(chars)
        batch_size, num_words, num_chars = chars.shape
        chars = chars.reshape(-1, num_chars)  # [N, C]
        char_lengths = (chars != CHAR_PAD).sum(dim=1)  # [N]
        features = chars.new_zeros(
            chars.size(0), self.output_dim, dtype=self.embedding.weight.dtype
        )
        # Packing rejects empty sequences, and padded words need no work: run only real words.
        is_word = char_lengths > 0
        if capturing_graph():  # no data-dependent branch: every word runs, pads zeroed after
            _, h_n = run_lstm(self.lstm, self.embedding(chars), char_lengths.clamp(min=1))
            final_states = torch.cat([h_n[0], h_n[1]], dim=1)  # [N, 2H]
            features = final_states.masked_fill(~is_word.unsqueeze(1), 0.0)
        elif is_word.any():
            embedded = self.embedding(chars[is_word])  # [W, C, E]
            _, h_n = run_lstm(self.lstm, embedded, char_lengths[is_word])
            final_states = torch.cat([h_n[0], h_n[1]], dim=1)  # [W, 2H]
            # Under autocast the LSTM may return half precision; index_put needs one dtype.
            features[is_word] = final_states.to(features.dtype)
        return features.reshape(batch_size, num_words, -1)
