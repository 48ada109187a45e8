"""The LSTM backend factory."""

from __future__ import annotations

import pytest
import torch

from lstmlab.models.backend import make_lstm, run_packed


def test_torch_backend_is_torch_lstm() -> None:
    lstm = make_lstm("torch", input_size=3, hidden_size=4, batch_first=True)
    assert isinstance(lstm, torch.nn.LSTM)
    assert lstm.hidden_size == 4 and lstm.batch_first


def test_lstmlab_backend(require_lstmlab_lstm) -> None:
    from lstmlab.nn import LSTM

    assert isinstance(make_lstm("lstmlab", input_size=3, hidden_size=4), LSTM)


def test_unknown_backend_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown LSTM backend 'keras'"):
        make_lstm("keras", input_size=3, hidden_size=4)


def test_run_packed_zeroes_padding_and_returns_true_final_states() -> None:
    torch.manual_seed(0)
    lstm = make_lstm("torch", input_size=3, hidden_size=4, batch_first=True)
    inputs = torch.randn(3, 5, 3)
    lengths = torch.tensor([2, 5, 3])
    output, (h_n, _) = run_packed(lstm, inputs, lengths)
    assert output.shape == (3, 5, 4)
    for b, length in enumerate(lengths.tolist()):
        alone, (alone_h, _) = lstm(inputs[b : b + 1, :length])
        torch.testing.assert_close(output[b, :length], alone[0])
        assert (output[b, length:] == 0).all()
        torch.testing.assert_close(h_n[:, b], alone_h[:, 0])
