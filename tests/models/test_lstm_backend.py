"""Recurrent cells by name, and running them over padded batches."""

from __future__ import annotations

import pytest
import torch

from lstmlab.models.backend import make_rnn, run_lstm
from lstmlab.models.classifier import TextClassifier
from lstmlab.models.tagger import SequenceTagger
from lstmlab.nn import LSTM


def test_cells_by_name() -> None:
    assert type(make_rnn("lstm", input_size=3, hidden_size=4)) is torch.nn.LSTM
    assert type(make_rnn("gru", input_size=3, hidden_size=4)) is torch.nn.GRU
    assert type(make_rnn("lstmlab", input_size=3, hidden_size=4)) is LSTM
    with pytest.raises(ValueError, match="unknown recurrent cell 'keras'"):
        make_rnn("keras", input_size=3, hidden_size=4)


@pytest.mark.parametrize("cell", ["lstm", "gru", "lstmlab"])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_every_cell_gives_the_same_shapes(cell: str, num_layers: int) -> None:
    """A GRU returns h_n alone (an LSTM (h_n, c_n)); run_lstm gives [L * D, B, H] for both."""
    rnn = make_rnn(
        cell,
        input_size=3,
        hidden_size=4,
        num_layers=num_layers,
        bidirectional=True,
        batch_first=True,
    )
    output, h_n = run_lstm(rnn, torch.randn(5, 6, 3), torch.tensor([6, 1, 3, 6, 2]))
    assert output.shape == (5, 6, 8)
    assert h_n.shape == (2 * num_layers, 5, 4)


@pytest.mark.parametrize("pooling", ["last", "max", "concat", "lab"])
def test_a_gru_classifier_and_tagger_train_a_step(pooling: str) -> None:
    torch.manual_seed(0)
    ids, lengths = torch.randint(1, 20, (4, 7)), torch.tensor([7, 2, 5, 3])
    classifier = TextClassifier(20, 2, hidden_size=6, num_layers=2, pooling=pooling, cell="gru")
    logits = classifier(ids, lengths)
    assert logits.shape == (4, 2)
    tagger = SequenceTagger(20, 5, hidden_size=6, cell="gru")
    emissions = tagger(ids, lengths)
    assert emissions.shape == (4, 7, 5)
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor([0, 1, 1, 0]))
    loss = loss + emissions.square().mean()
    loss.backward()
    assert all(
        p.grad is not None
        for p in classifier.parameters()
        if p.requires_grad and p is not classifier.embedding.weight
    )


@pytest.mark.parametrize("model_cls", ["classifier", "tagger"])
def test_transparent_cell_equals_the_torch_cell_with_the_same_weights(model_cls: str) -> None:
    torch.manual_seed(0)
    ids, lengths = torch.randint(1, 20, (4, 7)), torch.tensor([7, 2, 5, 3])

    def make(cell: str) -> torch.nn.Module:
        if model_cls == "classifier":
            return TextClassifier(20, 2, hidden_size=6, num_layers=2, pooling="concat", cell=cell)
        return SequenceTagger(20, 5, hidden_size=6, num_layers=2, cell=cell)

    torch_model, lab_model = make("lstm").double().eval(), make("lstmlab").double().eval()
    lab_model.load_state_dict(torch_model.state_dict())  # same parameter names and shapes
    torch.testing.assert_close(
        lab_model(ids, lengths), torch_model(ids, lengths), rtol=0, atol=1e-10
    )


def test_run_lstm_zeroes_padding_and_returns_true_final_states() -> None:
    torch.manual_seed(0)
    lstm = make_rnn("lstm", input_size=3, hidden_size=4, batch_first=True)
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
