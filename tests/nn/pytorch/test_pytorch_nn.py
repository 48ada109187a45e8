"""PyTorch's LSTM and LSTMCell tests from ``test/test_nn.py`` (classes ``TestNN`` and
``TestNNDeviceType``), run on the class under test.

Source: pytorch/pytorch ``test/test_nn.py``; each test names the PyTorch test it comes from.
Adapted: ``nn.LSTM`` / ``nn.LSTMCell`` are replaced by the class under test (tests that
loop over RNN, GRU and LSTM keep the LSTM case); device-type tests run on
``LSTMLAB_TEST_DEVICE`` (the CPU by default) in float64 where PyTorch's run in double; tests
that compared the CPU with cuDNN build torch's class on the CPU and the class under test on
the device. Assertions, sizes and tolerances are PyTorch's.
"""

from __future__ import annotations

from copy import deepcopy
from functools import partial
from itertools import product

import pytest
import torch
import torch.nn.utils.rnn as rnn_utils
from pytorch_harness import (
    DEVICE,
    as_implementation,
    assert_equal,
    cell_class,
    checks,
    lstm_class,
    subset,
)
from torch import nn
from torch.testing._internal.common_utils import gradcheck, gradgradcheck

cell_implementations = pytest.mark.parametrize("cell", ["torch", "lstmlab"])


@cell_implementations
def test_RNN_cell_no_broadcasting(cell):
    """TestNN.test_RNN_cell_no_broadcasting (its LSTMCell cases): no silent broadcasting of
    a batch of 1, a hidden size of 1 or an input size of 1."""
    t = checks()
    LSTMCell = cell_class(cell)

    def test(input, hx, input_size, hidden_size):
        lstm_cell = LSTMCell(input_size, hidden_size)
        t.assertRaises(RuntimeError, lambda: lstm_cell(input, hx))

    def test_all(hidden_size, bad_hx, good_hx, input_size, input):
        test(input, (bad_hx, good_hx), input_size, hidden_size)
        test(input, (good_hx, bad_hx), input_size, hidden_size)

    hidden_size, input_size = 20, 10
    input = torch.randn(3, input_size)
    bad_hx = torch.randn(1, hidden_size)
    good_hx = torch.randn(3, hidden_size)
    test_all(hidden_size, bad_hx, good_hx, input_size, input)  # batch size broadcasting
    bad_hx = torch.randn(3, 1)
    test_all(hidden_size, bad_hx, good_hx, input_size, input)  # hidden size broadcasting
    bad_input = torch.randn(3, 1)
    test_all(hidden_size, good_hx, good_hx, input_size, bad_input)  # input size broadcasting


@cell_implementations
def test_LSTM_cell(cell):
    """TestNN.test_LSTM_cell: six steps and a backward pass, with and without bias."""
    for bias in (True, False):
        input = torch.randn(3, 10)
        hx = torch.randn(3, 20)
        cx = torch.randn(3, 20)
        lstm = cell_class(cell)(10, 20, bias=bias)
        for _ in range(6):
            hx, cx = lstm(input, (hx, cx))
        (hx + cx).sum().backward()


@cell_implementations
def test_LSTM_cell_forward_input_size(cell):
    """TestNN.test_LSTM_cell_forward_input_size."""
    t = checks()
    input, hx, cx = torch.randn(3, 11), torch.randn(3, 20), torch.randn(3, 20)
    lstm = cell_class(cell)(10, 20)
    t.assertRaises(Exception, lambda: lstm(input, (hx, cx)))  # noqa: B017 (PyTorch's)


@cell_implementations
def test_LSTM_cell_forward_hidden_size(cell):
    """TestNN.test_LSTM_cell_forward_hidden_size."""
    t = checks()
    input, hx, cx = torch.randn(3, 10), torch.randn(3, 21), torch.randn(3, 20)
    lstm = cell_class(cell)(10, 20)
    t.assertRaises(Exception, lambda: lstm(input, (hx, cx)))  # noqa: B017 (PyTorch's)
    t.assertRaises(Exception, lambda: lstm(input, (cx, hx)))  # noqa: B017 (PyTorch's)


@cell_implementations
def test_RNN_cell_forward_zero_hidden_size(cell):
    """TestNN.test_RNN_cell_forward_zero_hidden_size (its LSTMCell case)."""
    t = checks()
    input, hx = torch.randn(3, 10), torch.randn(3, 0)
    h, c = cell_class(cell)(10, 0)(input, (hx, hx))
    t.assertEqual(h.shape, torch.Size([3, 0]))
    t.assertEqual(c.shape, torch.Size([3, 0]))


@cell_implementations
def test_lstmcell_backward_only_one_output_grad(cell):
    """TestNNDeviceType.test_lstmcell_backward_only_one_output_grad: an undefined gradient
    for one of (h, c) does not hamper the backward pass."""
    t = checks()
    lstm_cell = cell_class(cell)(2, 3).to(DEVICE).to(dtype=torch.double)
    s = torch.randn(1, 2, device=DEVICE, dtype=torch.double, requires_grad=True)
    for i in range(2):
        out = lstm_cell(s)[i]
        out.sum().backward()
        t.assertFalse(s.grad is None or s.grad.abs().sum().item() == 0)


def test_rnn_weight_norm(implementation):
    """TestNN.test_rnn_weight_norm: ``weight_norm`` turns one of ``_flat_weights`` into a
    plain tensor; removing it restores the Parameter, under its own name only."""
    t = checks()
    LSTM = lstm_class(implementation)

    def check_weight_norm(module, name, num_params):
        module = torch.nn.utils.weight_norm(module, name=name)
        t.assertEqual(
            sum(isinstance(p, torch.nn.Parameter) for p in module._flat_weights), num_params - 1
        )
        module = torch.nn.utils.remove_weight_norm(module, name=name)
        t.assertEqual(
            sum(isinstance(p, torch.nn.Parameter) for p in module._flat_weights), num_params
        )
        t.assertTrue(name in module._parameters)
        t.assertIsNotNone(module._parameters[name])
        t.assertTrue(name + "_v" not in module._parameters)
        t.assertTrue(name + "_g" not in module._parameters)
        t.assertTrue(name in dict(module.named_parameters()))
        t.assertIsNotNone(dict(module.named_parameters())[name])
        t.assertTrue(name + "_v" not in dict(module.named_parameters()))
        t.assertTrue(name + "_g" not in dict(module.named_parameters()))

    check_weight_norm(LSTM(32, 32), "weight_ih_l0", 4)
    check_weight_norm(LSTM(32, 32, proj_size=16), "weight_hr_l0", 5)


def test_rnn_weight_norm_forward_uses_the_normalised_weight(implementation):
    """Beyond TestNN.test_rnn_weight_norm: a weight-normed LSTM computes with ``g * v/|v|``
    and trains ``g`` and ``v`` (torch's own class as the reference)."""
    t = checks()
    torch.manual_seed(3)
    theirs = torch.nn.utils.weight_norm(nn.LSTM(3, 4), name="weight_hh_l0")
    ours = torch.nn.utils.weight_norm(
        as_implementation(nn.LSTM(3, 4), implementation), name="weight_hh_l0"
    )
    ours.load_state_dict(theirs.state_dict())
    with torch.no_grad():
        ours.weight_hh_l0_g.mul_(2)
        theirs.weight_hh_l0_g.mul_(2)
    x = torch.randn(5, 2, 3)
    t.assertEqual(ours(x)[0], theirs(x)[0])
    ours(x)[0].sum().backward()
    theirs(x)[0].sum().backward()
    t.assertEqual(ours.weight_hh_l0_v.grad, theirs.weight_hh_l0_v.grad)
    t.assertEqual(ours.weight_hh_l0_g.grad, theirs.weight_hh_l0_g.grad)


def _rnn_args_check(LSTM, proj_size):
    """TestNN._test_rnn_args_check / test_projections_lstm_args_check, the LSTM mode: each
    wrong size in input or state raises RuntimeError."""
    t = checks()
    input_size, hidden_size, num_layers, batch_size, seq_len = 3, 5, 2, 4, 6
    bad_size = 7  # prime: no size divides it
    h_size = proj_size or hidden_size
    correct_input_shape = (seq_len, batch_size, input_size)
    correct_h_shape = (num_layers, batch_size, h_size)
    correct_c_shape = (num_layers, batch_size, hidden_size)

    def update_shape(shape, dim, new_dim_size):
        new_shape = list(shape)
        new_shape[dim] = new_dim_size
        return tuple(new_shape)

    def test(input_shape, h_shape, c_shape):
        model = LSTM(input_size, hidden_size, num_layers, proj_size=proj_size)
        input = torch.randn(input_shape)
        h, c = torch.randn(h_shape), torch.randn(c_shape)
        t.assertRaises(RuntimeError, lambda: model(input, (h, c)))

    test(update_shape(correct_input_shape, 1, bad_size), correct_h_shape, correct_c_shape)
    test(update_shape(correct_input_shape, 2, bad_size), correct_h_shape, correct_c_shape)
    for dim in (0, 1, 2):
        test(correct_input_shape, update_shape(correct_h_shape, dim, bad_size), correct_c_shape)
        test(correct_input_shape, correct_h_shape, update_shape(correct_c_shape, dim, bad_size))


def test_rnn_args_check(implementation):
    """TestNN.test_rnn_args_check (LSTM)."""
    _rnn_args_check(lstm_class(implementation), proj_size=0)


def test_projections_lstm_args_check(implementation):
    """TestNN.test_projections_lstm_args_check."""
    _rnn_args_check(lstm_class(implementation), proj_size=2)


def test_rnn_initial_hidden_state(implementation):
    """TestNN.test_rnn_initial_hidden_state (LSTM): zero states equal omitted states."""
    t = checks()
    rnn = lstm_class(implementation)(30, 20, 2)
    input = torch.randn(10, 32, 30)
    hidden = torch.zeros(2, 32, 20)
    output1, hidden1 = rnn(input, (hidden, hidden))
    output2, hidden2 = rnn(input)
    t.assertEqual(output1, output2)
    t.assertEqual(hidden1, hidden2)


def test_projections_lstm_initial_hidden_state(implementation):
    """TestNN.test_projections_lstm_initial_hidden_state."""
    t = checks()
    for bidir in [False, True]:
        rnn = lstm_class(implementation)(30, 20, 2, bidirectional=bidir, proj_size=10)
        num_dirs = 2 if bidir else 1
        input = torch.randn(10, 32, 30)
        hidden = (torch.zeros(2 * num_dirs, 32, 10), torch.zeros(2 * num_dirs, 32, 20))
        output1, hidden1 = rnn(input, hidden)
        output2, hidden2 = rnn(input)
        t.assertEqual(output1, output2)
        t.assertEqual(hidden1, hidden2)


def test_error_RNN_seq_len_zero(implementation):
    """TestNN.test_error_RNN_seq_len_zero (LSTM): torch's message for an empty sequence."""
    t = checks()
    for bidirectional in [True, False]:
        input = torch.ones(0, 10, 5, device=DEVICE)
        rnn = lstm_class(implementation)(5, 6, bidirectional=bidirectional).to(DEVICE)
        with t.assertRaisesRegex(
            RuntimeError, "Expected sequence length to be larger than 0 in RNN"
        ):
            rnn(input)


def test_RNN_input_size_zero(implementation):
    """TestNN.test_RNN_input_size_zero (LSTM): a batch of zero sequences runs, forward and
    backward."""
    t = checks()
    input = torch.zeros((5, 0, 3), device=DEVICE)
    rnn = lstm_class(implementation)(input_size=3, hidden_size=4).to(DEVICE)
    outs = rnn(input)
    t.assertEqual(outs[0].shape, torch.Size([5, 0, 4]))
    outs[0].sum().backward()


def test_partial_flat_weights(implementation):
    """TestNN.test_partial_flat_weights: a module with one weight deleted moves between
    devices; with the weight put back it computes as before (on the CPU when there is no
    GPU; PyTorch's test needs CUDA)."""
    t = checks()
    m = lstm_class(implementation)(10, 6, 2)
    inp = torch.randn(3, 2, 10)
    out_expected = m(inp)
    weight_orig = m.weight_hh_l0
    del m.weight_hh_l0
    t.assertFalse(hasattr(m, "weight_hh_l0"))
    m.to(DEVICE)
    m.weight_hh_l0 = weight_orig.to(DEVICE)
    t.assertEqual(m(inp.to(DEVICE))[0].cpu(), out_expected[0])


def test_LSTM_grad_and_gradgrad(implementation):
    """TestNNDeviceType.test_LSTM_grad_and_gradgrad (via ``_test_rnn_mod``): gradcheck and
    gradgradcheck of every output with respect to the input, with and without bias."""
    hsize = 4
    inp = torch.rand(1, 3, hsize, device=DEVICE, dtype=torch.float64, requires_grad=True)
    for bias in [True, False]:
        mod = lstm_class(implementation)(hsize, hsize, bias=bias).to(DEVICE).to(torch.float64)

        def flatten_out(mod, inp):
            out = mod(inp)
            return tuple([t if isinstance(t, torch.Tensor) else tt for t in out for tt in t])

        gradcheckfunc = partial(flatten_out, mod)
        with torch.backends.cudnn.flags(enabled=False):
            assert gradcheck(gradcheckfunc, inp, check_batched_grad=False)
            assert gradgradcheck(gradcheckfunc, inp, check_batched_grad=False)


def test_LSTM_differentiable_backward_using_oneDNN(implementation):
    """TestNN.test_LSTM_differentiable_backward_using_oneDNN: a gradient taken with
    ``create_graph=True`` is itself differentiated, and both equal torch's without oneDNN.

    Adapted: torch's class with oneDNN disabled is the reference, the class under test
    (oneDNN on, as in PyTorch's test) the second.
    """
    t = checks()
    torch.manual_seed(0)
    batch, seq_len, input_size, hidden_size, num_layers = 2, 3, 4, 5, 2
    reference = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
    under_test = as_implementation(reference, implementation)
    x = torch.randn(batch, seq_len, input_size)

    def first_and_second(module, use_onednn):
        inp = x.clone().requires_grad_(True)
        with torch.backends.mkldnn.flags(enabled=use_onednn):
            output, _ = module(inp)
            (grad_input,) = torch.autograd.grad(output.square().sum(), inp, create_graph=True)
            grad_input.square().sum().backward()
        return grad_input.detach(), inp.grad, [p.grad for p in module.parameters()]

    expected = first_and_second(reference, use_onednn=False)
    got = first_and_second(under_test, use_onednn=True)
    t.assertEqual(got, expected)
    t.assertTrue(all(g.abs().sum() > 0 for g in got[2]))  # second derivatives reach the weights


def test_rnn_retain_variables(implementation):
    """TestNNDeviceType.test_rnn_retain_variables (LSTM, double): repeated backward passes
    through a retained graph give the same gradients."""
    t = checks()
    rnn = lstm_class(implementation)(10, 20, num_layers=2).to(DEVICE, torch.double)
    input = torch.randn(5, 6, 10, device=DEVICE, dtype=torch.double, requires_grad=True)
    output = rnn(input)
    output[0].sum().backward(retain_graph=True)
    grads = [input.grad.data.clone()] + [p.grad.data.clone() for p in rnn.parameters()]
    for _ in range(4):
        rnn.zero_grad()
        input.grad.data.zero_()
        output[0].sum().backward(retain_graph=True)
        grads2 = [input.grad.data] + [p.grad.data for p in rnn.parameters()]
        t.assertEqual(grads, grads2)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
def test_variable_sequence(implementation, dtype):
    """TestNNDeviceType.test_variable_sequence: a packed batch equals each sequence run on
    its own, forward and backward, sorted or not, with given or default states, projected
    or not (by default a seeded 6 of its 20 cases)."""
    t = checks()
    precision = {torch.float32: 1e-5, torch.float64: 1e-5}[dtype]  # dtype2prec_DONTUSE
    LSTM = lstm_class(implementation)

    def pad(var, length):
        if var.size(0) == length:
            return var
        return torch.cat([var, var.new_zeros(length - var.size(0), *var.size()[1:])])

    def maybe_index_tuple(maybe_tuple_of_tensors, index):
        if maybe_tuple_of_tensors is None:
            return None
        return tuple(
            maybe_tuple_of_tensors[j][:, index : index + 1, :].contiguous() for j in range(2)
        )

    def check_lengths(lengths, enforce_sorted, use_default_hiddens, proj_size):
        input_size, hidden_size, num_layers, bidirectional = 3, 4, 2, True
        max_length = max(lengths)
        x_leaf = torch.randn(
            max_length, len(lengths), input_size, device=DEVICE, dtype=dtype, requires_grad=True
        )
        num_directions = 2 if bidirectional else 1
        lstm = LSTM(
            input_size,
            hidden_size,
            bidirectional=bidirectional,
            num_layers=num_layers,
            proj_size=proj_size,
        ).to(DEVICE, dtype)
        lstm2 = deepcopy(lstm).to(DEVICE, dtype)
        x = x_leaf
        hidden0 = None
        if not use_default_hiddens:
            real_hidden_size = hidden_size if proj_size == 0 else proj_size
            states = num_directions * num_layers
            hidden0 = (
                torch.randn(states, len(lengths), real_hidden_size, device=DEVICE, dtype=dtype),
                torch.randn(states, len(lengths), hidden_size, device=DEVICE, dtype=dtype),
            )
        seq_outs, seq_hiddens = [], []
        for i, length in enumerate(lengths):
            out, hid = lstm2(x[:length, i : i + 1], maybe_index_tuple(hidden0, i))
            seq_outs.append(pad(out, max_length))
            seq_hiddens.append(hid)
        seq_out = torch.cat(seq_outs, 1)
        seq_hidden = tuple(torch.cat(hids, 1) for hids in zip(*seq_hiddens, strict=True))

        packed = rnn_utils.pack_padded_sequence(x, lengths, enforce_sorted=enforce_sorted)
        packed_out, packed_hidden = lstm(packed, hidden0)
        unpacked, unpacked_len = rnn_utils.pad_packed_sequence(packed_out)

        t.assertEqual(packed_hidden, seq_hidden, atol=precision, rtol=0)
        t.assertEqual(unpacked, seq_out, atol=precision, rtol=0)
        t.assertEqual(unpacked_len, lengths, atol=precision, rtol=0)

        seq_out.sum().backward()
        grad_x = x_leaf.grad.data.clone()
        x_leaf.grad.data.zero_()
        unpacked.sum().backward()
        t.assertEqual(x_leaf.grad, grad_x, atol=precision, rtol=0)
        for p1, p2 in zip(lstm.parameters(), lstm2.parameters(), strict=True):
            t.assertEqual(p1.grad, p2.grad, atol=precision, rtol=0)

    tests = [
        [True, [5]],
        [False, [5]],
        [True, [10, 10, 6, 2, 2, 1, 1]],
        [False, [10, 10, 6, 2, 2, 1, 1]],
        [False, [2, 1, 3, 2, 10, 5, 3]],
    ]
    cases = [
        (seq_lens, enforce_sorted, use_default_hiddens, proj_size)
        for enforce_sorted, seq_lens in tests
        for use_default_hiddens in (True, False)
        for proj_size in [0, 2]
    ]
    for arguments in subset(cases, 6, f"variable_sequence-{dtype}"):
        check_lengths(*arguments)


def _forward_backward(on_device, rnn, input_val, grad_output, weights_val, hx_val, grad_hy,
                      cx_val=None, grad_cy=None):  # fmt: skip
    """TestNN._test_RNN_cpu_vs_cudnn's ``forward_backward`` (the LSTM branch)."""
    for x_layer, y_layer in zip(rnn.all_weights, weights_val, strict=True):
        for x, y in zip(x_layer, y_layer, strict=True):
            x.data.copy_(y.data)
    if isinstance(input_val, rnn_utils.PackedSequence):
        input = rnn_utils.PackedSequence(
            input_val.data.data.requires_grad_(True), input_val.batch_sizes
        )
        input_var = input.data
    else:
        input = input_val.clone().requires_grad_(True)
        input_var = input
    cx_source = hx_val if cx_val is None else cx_val
    hx = (hx_val.clone().requires_grad_(True), cx_source.add(1).requires_grad_(True))
    if on_device:
        rnn.to(DEVICE)
        input_var.data = input_var.data.to(DEVICE)
        hx[0].data = hx[0].data.to(DEVICE)
        hx[1].data = hx[1].data.to(DEVICE)
        grad_hy = grad_hy.to(DEVICE)
        if grad_cy is not None:
            grad_cy = grad_cy.to(DEVICE)
        grad_output = grad_output.to(DEVICE)
    output, hy = rnn(input, hx)
    if isinstance(output, rnn_utils.PackedSequence):
        output = output.data
    grad_c = grad_hy + 1 if grad_cy is None else grad_cy + 1
    torch.autograd.backward([output, hy[0], hy[1]], [grad_output, grad_hy, grad_c])
    return {
        "output": output.data,
        "hy": hy[0].data,
        "weights": rnn.all_weights,
        "grad_input": input_var.grad.data,
        "grad_hx": hx[0].grad.data,
        "cy": hy[1].data,
        "grad_cx": hx[1].grad.data,
    }


def _rnn_cpu_vs_device(implementation, dropout, dtype=torch.double):
    """TestNN._test_RNN_cpu_vs_cudnn, its LSTM loops (with and without projections): torch's
    class on the CPU vs the class under test on the device, 64 configurations each (by
    default a seeded 16 of the 128)."""
    t = checks()
    input_size, hidden_size, proj_size, num_layers, seq_length, batch = 10, 6, 3, 2, 7, 6

    def make_noncontig(tensor):
        ndim = tensor.dim()
        return torch.stack([tensor.clone().zero_(), tensor], ndim).select(ndim, 1)

    def compare_cpu_gpu(outputs_cpu, outputs_gpu):
        t.assertEqual(list(outputs_cpu.keys()), list(outputs_gpu.keys()))
        for key in outputs_cpu:
            if key != "weights":
                t.assertEqual(outputs_cpu[key], outputs_gpu[key], atol=5e-5, rtol=0, msg=key)
        grads_cpu = [[w.grad.data for w in layer] for layer in outputs_cpu["weights"]]
        grads_gpu = [[w.grad.data for w in layer] for layer in outputs_gpu["weights"]]
        assert_equal(t, grads_cpu, grads_gpu, atol=5e-5, rtol=0)

    configurations = subset(list(product((False, True), repeat=7)), 16, f"cpu_vs_cudnn-{dropout}")
    for projected, *flags in configurations:
        bias, bidirectional, batch_first, contig, variable_len, lens_as_tensor = flags
        out_size = proj_size if projected else hidden_size
        extra = {"proj_size": proj_size} if projected else {}
        if True:
            num_directions = 2 if bidirectional else 1
            if batch_first:
                input_val = torch.randn(batch, seq_length, input_size, dtype=dtype)
                grad_output = torch.randn(batch, seq_length, out_size * num_directions, dtype=dtype)
            else:
                input_val = torch.randn(seq_length, batch, input_size, dtype=dtype)
                grad_output = torch.randn(seq_length, batch, out_size * num_directions, dtype=dtype)
            states = num_layers * num_directions
            hx_val = torch.randn(states, batch, out_size, dtype=dtype)
            cx_val = torch.randn(states, batch, hidden_size, dtype=dtype) if projected else None
            grad_hy = torch.randn(states, batch, out_size, dtype=dtype)
            grad_cy = torch.randn(states, batch, hidden_size, dtype=dtype) if projected else None
            if not contig:
                grad_output = make_noncontig(grad_output)
                grad_hy = make_noncontig(grad_hy)
                input_val = make_noncontig(input_val)
                hx_val = make_noncontig(hx_val)
                if projected:
                    grad_cy = make_noncontig(grad_cy)
                    cx_val = make_noncontig(cx_val)
            if variable_len:
                lengths = [7, 5, 5, 2, 1, 1]
                if lens_as_tensor:
                    lengths = torch.tensor(lengths, dtype=torch.long)
                input_val = rnn_utils.pack_padded_sequence(
                    input_val, lengths, batch_first=batch_first
                )
                grad_output = rnn_utils.pack_padded_sequence(
                    grad_output, lengths, batch_first=batch_first
                ).data
            arguments = (input_size, hidden_size, num_layers)
            options = {"bias": bias, "dropout": dropout, "bidirectional": bidirectional}
            options |= {"batch_first": batch_first, **extra}
            rnn = nn.LSTM(*arguments, **options).to(dtype)
            outputs_cpu = _forward_backward(
                False, rnn, input_val, grad_output, rnn.all_weights, hx_val, grad_hy,
                cx_val, grad_cy,
            )  # fmt: skip
            rnn_gpu = lstm_class(implementation)(*arguments, **options).to(dtype)
            outputs_gpu = _forward_backward(
                True, rnn_gpu, input_val, grad_output, rnn.all_weights, hx_val, grad_hy,
                cx_val, grad_cy,
            )  # fmt: skip
            compare_cpu_gpu(outputs_cpu, outputs_gpu)


def test_RNN_cpu_vs_cudnn_no_dropout(implementation):
    """TestNN.test_RNN_cpu_vs_cudnn_no_dropout (its LSTM cases), double."""
    _rnn_cpu_vs_device(implementation, dropout=0)


def test_RNN_cpu_vs_cudnn_with_dropout(implementation):
    """TestNN.test_RNN_cpu_vs_cudnn_with_dropout (its LSTM cases): dropout 1, the one
    dropout whose result does not depend on the random draws."""
    _rnn_cpu_vs_device(implementation, dropout=1)
