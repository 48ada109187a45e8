"""Char encoders: shapes, char padding ignored, padded words give zeros without NaNs."""

from __future__ import annotations

import pytest
import torch

from lstmlab.models.char_encoder import CharCNN, CharLSTM, make_char_encoder

CHAR_VOCAB = 12
# Two sentences; sentence 1 has one padded word (an all-zero row).
WORDS = [[[3, 4, 5], [6], [7, 8, 9, 10]], [[2, 2], [11, 5, 4, 3], []]]


def char_tensor(words: list[list[list[int]]], num_chars: int) -> torch.Tensor:
    """[B, T, num_chars] char ids, right-padded with 0."""
    chars = torch.zeros(len(words), max(len(s) for s in words), num_chars, dtype=torch.long)
    for b, sentence in enumerate(words):
        for t, word in enumerate(sentence):
            chars[b, t, : len(word)] = torch.tensor(word)
    return chars


def make_encoder(kind: str, cell: str = "lstm") -> CharCNN | CharLSTM:
    torch.manual_seed(0)
    return make_char_encoder(kind, CHAR_VOCAB, char_dim=5, char_hidden=4, cell=cell)


@pytest.mark.parametrize(("kind", "output_dim"), [("cnn", 4), ("lstm", 8)])
def test_shape_and_padded_words(kind: str, output_dim: int) -> None:
    encoder = make_encoder(kind)
    features = encoder(char_tensor(WORDS, num_chars=6))
    assert encoder.output_dim == output_dim
    assert features.shape == (2, 3, output_dim)
    assert (features[1, 2] == 0).all()
    assert (features[0].abs().sum(dim=1) > 0).all()
    features.sum().backward()
    for param in encoder.parameters():
        assert torch.isfinite(param.grad).all()


@pytest.mark.parametrize("kind", ["cnn", "lstm"])
def test_each_word_as_if_alone(kind: str) -> None:
    encoder = make_encoder(kind)
    with torch.no_grad():
        # A different pad embedding must not matter either.
        encoder.embedding.weight[0].normal_()
        batched = encoder(char_tensor(WORDS, num_chars=9))
        for b, sentence in enumerate(WORDS):
            for t, word in enumerate(sentence):
                if word:
                    alone = encoder(torch.tensor([[word]]))
                    torch.testing.assert_close(batched[b, t], alone[0, 0])


def test_char_lstm_joins_forward_end_and_backward_start() -> None:
    encoder = make_encoder("lstm")
    word = WORDS[0][2]
    with torch.no_grad():
        features = encoder(torch.tensor([[word]]))[0, 0]
        outputs, _ = encoder.lstm(encoder.embedding(torch.tensor([word])))
    torch.testing.assert_close(features[:4], outputs[0, -1, :4])
    torch.testing.assert_close(features[4:], outputs[0, 0, 4:])


def test_char_lstm_backends_agree() -> None:
    torch_encoder, lab_encoder = make_encoder("lstm"), make_encoder("lstm", cell="lstmlab")
    lab_encoder.load_state_dict(torch_encoder.state_dict())
    chars = char_tensor(WORDS, num_chars=5)
    with torch.no_grad():
        torch.testing.assert_close(lab_encoder(chars), torch_encoder(chars))


def test_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="unknown char encoder 'gru'"):
        make_encoder("gru")
    with pytest.raises(ValueError, match="odd"):
        CharCNN(CHAR_VOCAB, 5, num_filters=4, kernel_size=4)
    with pytest.raises(ValueError, match="chars must be"):
        make_encoder("cnn")(torch.zeros(2, 3, dtype=torch.long))
