"""The LSTM backend factory."""

from __future__ import annotations

import pytest
import torch

from lstmlab.models.backend import make_lstm, run_lstm


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


def test_run_lstm_zeroes_padding_and_returns_true_final_states() -> None:
    torch.manual_seed(0)
    lstm = make_lstm("torch", input_size=3, hidden_size=4, batch_first=True)
    inputs = torch.randn(3, 5, 3)
    lengths = torch.tensor([2, 5, 3])
    output, h_n = run_lstm(lstm, inputs, lengths)
    assert output.shape == (3, 5, 4)
    for b, length in enumerate(lengths.tolist()):
        alone, (alone_h, _) = lstm(inputs[b : b + 1, :length])
        torch.testing.assert_close(output[b, :length], alone[0])
        assert (output[b, length:] == 0).all()
        torch.testing.assert_close(h_n[:, b], alone_h[:, 0])


def packed_reference(lstm, inputs, lengths):
    """What run_lstm must equal: nn.LSTM over a PackedSequence."""
    packed = torch.nn.utils.rnn.pack_padded_sequence(
        inputs, lengths, batch_first=True, enforce_sorted=False
    )
    output, (h_n, _) = lstm(packed)
    output, _ = torch.nn.utils.rnn.pad_packed_sequence(
        output, batch_first=True, total_length=inputs.size(1)
    )
    return output, h_n


@pytest.mark.parametrize("num_layers", [1, 2, 3])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("bias", [False, True])
def test_padded_directions_equal_packed_outputs_states_and_gradients(
    num_layers, bidirectional, bias
) -> None:
    torch.manual_seed(num_layers)
    lstm = torch.nn.LSTM(
        3,
        4,
        num_layers,
        bias=bias,
        batch_first=True,
        bidirectional=bidirectional,
        dtype=torch.float64,
    )
    inputs = torch.randn(5, 7, 3, dtype=torch.float64, requires_grad=True)
    lengths = torch.tensor([7, 1, 4, 6, 2])
    weights = torch.randn(5, 7, 4 * (2 if bidirectional else 1), dtype=torch.float64)

    results = []
    for run in (packed_reference, run_lstm):
        lstm.zero_grad()
        inputs.grad = None
        output, h_n = run(lstm, inputs, lengths)
        ((output * weights).sum() + h_n.sum()).backward()
        grads = [inputs.grad.clone()] + [p.grad.clone() for p in lstm.parameters()]
        results.append((output.detach(), h_n.detach(), grads))
    (out_a, h_a, grads_a), (out_b, h_b, grads_b) = results
    torch.testing.assert_close(out_b, out_a, rtol=0, atol=1e-12)
    torch.testing.assert_close(h_b, h_a, rtol=0, atol=1e-12)
    for grad_b, grad_a in zip(grads_b, grads_a, strict=True):
        torch.testing.assert_close(grad_b, grad_a, rtol=0, atol=1e-12)


def test_padded_directions_apply_inter_layer_dropout_only_in_training() -> None:
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(3, 4, 2, batch_first=True, dropout=0.5)
    inputs, lengths = torch.randn(2, 5, 3), torch.tensor([5, 3])
    first, _ = run_lstm(lstm, inputs, lengths)
    second, _ = run_lstm(lstm, inputs, lengths)
    assert not torch.equal(first, second)
    lstm.eval()
    torch.testing.assert_close(
        run_lstm(lstm, inputs, lengths)[0], packed_reference(lstm, inputs, lengths)[0]
    )
