"""torch.export and torch.jit.trace on the models: no data-dependent guard in the forward.

torch.export keeps the batch dynamic; the length is fixed per exported program, because
torch.nn.LSTM itself unrolls its time loop under torch.export (ONNX export, through
``lstmlab export``, keeps both dynamic).
"""

from __future__ import annotations

import pytest
import torch

from lstmlab.models.classifier import TextClassifier
from lstmlab.models.inputs import check_ids_and_lengths
from lstmlab.models.tagger import SequenceTagger
from lstmlab.nn import LSTM


def padded(batch: int, length: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, length + 1, (batch,), generator=generator)
    lengths[0] = length
    ids = torch.randint(1, 30, (batch, length), generator=generator)
    return ids * (torch.arange(length) < lengths[:, None]), lengths


@pytest.mark.parametrize("pooling", ["last", "concat", "lab"])
def test_torch_export_sentiment_classifier(pooling):
    torch.manual_seed(0)
    model = TextClassifier(30, embedding_dim=6, hidden_size=5, num_layers=2, pooling=pooling).eval()
    batch = torch.export.Dim("batch", min=1)
    program = torch.export.export(model, padded(3, 8, 0), dynamic_shapes=({0: batch}, {0: batch}))
    ids, lengths = padded(7, 8, 1)  # another batch size and other lengths
    torch.testing.assert_close(program.module()(ids, lengths), model(ids, lengths))


@pytest.mark.parametrize("char_encoder", ["cnn", "lstm"])
def test_torch_export_sequence_tagger(char_encoder):
    torch.manual_seed(0)
    model = SequenceTagger(
        30,
        5,
        word_dim=6,
        char_vocab_size=9,
        char_dim=4,
        char_hidden=4,
        char_encoder=char_encoder,
        num_casing=8,
        hidden_size=5,
        use_crf=True,
    ).eval()

    def inputs(batch: int, seed: int) -> tuple[torch.Tensor, ...]:
        ids, lengths = padded(batch, 6, seed)
        real = (ids != 0)[:, :, None]
        chars = torch.randint(1, 9, (batch, 6, 4)) * real
        chars[:, :, 2:] = 0  # words of two characters, padded to four
        return ids, lengths, chars, torch.randint(1, 8, (batch, 6)) * real[:, :, 0]

    batch = torch.export.Dim("batch", min=1)
    program = torch.export.export(model, inputs(3, 0), dynamic_shapes=({0: batch},) * 4)
    example = inputs(5, 1)
    real = torch.arange(6) < example[1][:, None]
    torch.testing.assert_close(program.module()(*example)[real], model(*example)[real])


@pytest.mark.filterwarnings("ignore::torch.jit.TracerWarning")
def test_jit_trace_transparent_lstm():
    torch.manual_seed(0)
    lstm = LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True).eval()
    x = torch.randn(2, 5, 3)
    traced = torch.jit.trace(lstm, x, check_trace=False)
    other = torch.randn(2, 5, 3)
    torch.testing.assert_close(traced(other)[0], lstm(other)[0])


def test_input_checks_still_run_eagerly():
    with pytest.raises(ValueError, match="lengths must lie in"):
        check_ids_and_lengths(torch.zeros(2, 3, dtype=torch.long), torch.tensor([4, 1]))
