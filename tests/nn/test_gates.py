"""forward_with_gates: every gate of every layer and direction, consistent with the equations."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from lstmlab.nn import LSTM


def test_gate_shapes_and_keys_follow_the_output_layout():
    lstm = LSTM(3, 5, num_layers=2, bidirectional=True, proj_size=2, batch_first=True)
    x = torch.randn(4, 7, 3)  # (B, T, input_size)
    output, _, gates = lstm.forward_with_gates(x)
    assert sorted(gates) == ["l0", "l0_reverse", "l1", "l1_reverse"]
    for record in gates.values():
        for name in "ifgoc":
            assert getattr(record, name).shape == (4, 7, 5)
        assert record.h.shape == (4, 7, 2)
    assert output.shape == (4, 7, 4)
    unbatched = lstm.forward_with_gates(x[0])[2]
    assert unbatched["l1"].f.shape == (7, 5)


def test_gates_agree_with_outputs_and_equations():
    torch.manual_seed(8)
    theirs = nn.LSTM(3, 4, num_layers=2, bidirectional=True, dtype=torch.float64)
    lstm = LSTM.from_torch(theirs)
    x = torch.randn(6, 2, 3, dtype=torch.float64)
    output, (h_n, c_n), gates = lstm.forward_with_gates(x)
    torch.testing.assert_close(output, theirs(x)[0], rtol=0, atol=1e-12)
    # The last layer's h, per direction, is the output.
    torch.testing.assert_close(torch.cat([gates["l1"].h, gates["l1_reverse"].h], -1), output)
    # Final states: the forward direction ends at the last step, the reverse at the first.
    torch.testing.assert_close(gates["l0"].c[-1], c_n[0])
    torch.testing.assert_close(gates["l0_reverse"].c[0], c_n[1])
    torch.testing.assert_close(gates["l1_reverse"].h[0], h_n[3])
    for record in gates.values():
        for gate in (record.i, record.f, record.o):
            assert ((gate > 0) & (gate < 1)).all()
        assert (record.g.abs() < 1).all()
        c_prev = torch.cat([torch.zeros_like(record.c[:1]), record.c[:-1]])
        if record is gates["l0"]:
            torch.testing.assert_close(record.c, record.f * c_prev + record.i * record.g)
        torch.testing.assert_close(record.h, record.o * torch.tanh(record.c))
    # First step of layer 0 from the weights directly (zero initial state).
    preactivation = x[0] @ theirs.weight_ih_l0.T + theirs.bias_ih_l0 + theirs.bias_hh_l0
    i, f, g, o = preactivation.chunk(4, dim=-1)
    torch.testing.assert_close(gates["l0"].i[0], torch.sigmoid(i))
    torch.testing.assert_close(gates["l0"].f[0], torch.sigmoid(f))
    torch.testing.assert_close(gates["l0"].g[0], torch.tanh(g))
    torch.testing.assert_close(gates["l0"].o[0], torch.sigmoid(o))


def test_packed_input_gives_packed_gates():
    lstm = LSTM(3, 4)
    x = torch.randn(5, 3, 3)
    packed = pack_padded_sequence(x, torch.tensor([2, 5, 3]), enforce_sorted=False)
    output, _, gates = lstm.forward_with_gates(packed)
    assert torch.equal(gates["l0"].f.batch_sizes, packed.batch_sizes)
    assert gates["l0"].f.data.shape == (10, 4)
    torch.testing.assert_close(gates["l0"].h.data, output.data)


@pytest.mark.parametrize("implementation", ["reference", "fast"])
def test_forward_with_gates_matches_forward(implementation):
    lstm = LSTM(3, 4, num_layers=2, proj_size=2)
    lstm.implementation = implementation
    x = torch.randn(5, 2, 3)
    output, (h_n, c_n) = lstm(x)
    output_g, (h_g, c_g), _ = lstm.forward_with_gates(x)
    torch.testing.assert_close(output, output_g)
    torch.testing.assert_close(h_n, h_g)
    torch.testing.assert_close(c_n, c_g)
