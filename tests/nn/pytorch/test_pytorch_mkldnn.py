"""PyTorch's ``test/test_mkldnn.py::TestMkldnn::test_lstm``: the dtype and configuration sweep.

Source: pytorch/pytorch ``test/test_mkldnn.py`` (``test_lstm`` and ``_lstm_params_list``).
PyTorch runs torch's LSTM with oneDNN disabled (``model1``) and enabled (``model2``) over
2048 configurations for float32, bfloat16 and float16, and compares outputs, final states
and the gradients of input, parameters, h_0 and c_0 (each accumulated over three backward
passes) at its tolerances (float32 rtol 1.3e-6 / atol 1e-5, bfloat16 0.02, float16 1e-3;
float16 without training, as there). Adapted: ``model2`` is the class under test; the
configurations are split into one test per dtype and training mode, each running a seeded
sample of 16 configurations by default and all of them with ``LSTMLAB_PYTORCH_FULL=1``.
bfloat16 and float16 run everywhere: ``model1`` is torch's native path, which every x86-64
CPU has, and the class under test does not depend on oneDNN.
"""

from __future__ import annotations

import copy
import itertools
from contextlib import nullcontext

import pytest
import torch
from pytorch_harness import as_implementation, checks, subset

SEED = 2023
PARAMS = {  # _lstm_params_list
    "input_size": [1, 5],
    "hidden_size": [5, 16],
    "num_layers": [1, 3],
    "bidirectional": [False, True],
    "bias": [False, True],
    "batch_first": [False, True],
    "dropout": [0, 0.4, 0.7, 1],
    "batch_size": [1, 2],
    "seq_len": [1, 3],
}
CONFIGURATIONS = list(itertools.product(*PARAMS.values()))  # 1024, times training or not
TOLERANCES = {
    torch.float32: (1.3e-6, 1e-5),
    torch.bfloat16: (0.02, 0.02),
    torch.float16: (1e-3, 1e-3),
}
MODES = [(dtype, training) for dtype in TOLERANCES for training in (False, True)]
MODES.remove((torch.float16, True))  # "TODO add training support when oneDNN supports FP16"


@pytest.mark.filterwarnings("ignore:dropout option adds dropout")
@pytest.mark.parametrize(
    ("dtype", "training"),
    MODES,
    ids=[f"{str(d).removeprefix('torch.')}-{'train' if t else 'eval'}" for d, t in MODES],
)
def test_lstm(implementation, dtype, training):
    """TestMkldnn.test_lstm for one dtype and training mode."""
    t = checks()
    rtol, atol = TOLERANCES[dtype]
    key = f"mkldnn-{dtype}-{training}"
    torch.manual_seed(SEED)
    for configuration in subset(CONFIGURATIONS, 16, key):
        _check_configuration(t, implementation, dtype, training, rtol, atol, *configuration)


def _check_configuration(
    t, implementation, dtype, training, rtol, atol,
    input_size, hidden_size, num_layers, bidirectional, bias, batch_first, dropout,
    batch_size, seq_len,
):  # fmt: skip
    num_directions = 2 if bidirectional else 1
    if batch_first:
        input = torch.randn(batch_size, seq_len, input_size, dtype=torch.float32)
    else:
        input = torch.randn(seq_len, batch_size, input_size, dtype=torch.float32)
    h = torch.randn(num_layers * num_directions, batch_size, hidden_size, dtype=torch.float32)
    c = torch.randn(num_layers * num_directions, batch_size, hidden_size, dtype=torch.float32)
    model = torch.nn.LSTM(
        input_size, hidden_size, num_layers, bidirectional=bidirectional, bias=bias,
        dropout=dropout, batch_first=batch_first,
    ).float()  # fmt: skip
    model.train() if training else model.eval()
    input1 = input.clone().requires_grad_(training)
    input2 = input.clone().requires_grad_(training)
    h1 = h.clone().requires_grad_(training)
    h2 = h.clone().requires_grad_(training)
    c1 = c.clone().requires_grad_(training)
    c2 = c.clone().requires_grad_(training)
    model1 = copy.deepcopy(model).to(dtype)
    model2 = as_implementation(model, implementation).to(dtype)
    with torch.no_grad() if not training else nullcontext():
        with torch.backends.mkldnn.flags(enabled=False):
            torch.manual_seed(SEED)
            output1, (hn1, cn1) = model1(input1.to(dtype), (h1.to(dtype), c1.to(dtype)))
        torch.manual_seed(SEED)
        output2, (hn2, cn2) = model2(input2.to(dtype), (h2.to(dtype), c2.to(dtype)))
        t.assertEqual(output1, output2, rtol=rtol, atol=atol)
        t.assertEqual(hn1, hn2, rtol=rtol, atol=atol)
        t.assertEqual(cn1, cn2, rtol=rtol, atol=atol)
        if not training:
            return
        with torch.backends.mkldnn.flags(enabled=False):
            torch.manual_seed(SEED)
            output1.sum().backward(retain_graph=True)
        torch.manual_seed(SEED)
        output2.sum().backward(retain_graph=True)
        t.assertEqual(input1.grad, input2.grad, rtol=rtol, atol=atol)
        for name, para in model1.named_parameters():
            t.assertEqual(para, getattr(model2, name))
            t.assertEqual(para.grad, getattr(model2, name).grad, rtol=rtol, atol=atol)
        with torch.backends.mkldnn.flags(enabled=False):
            torch.manual_seed(SEED)
            hn1.sum().backward(retain_graph=True)
        torch.manual_seed(SEED)
        hn2.sum().backward(retain_graph=True)
        t.assertEqual(h1.grad, h2.grad, rtol=rtol, atol=atol)
        with torch.backends.mkldnn.flags(enabled=False):
            torch.manual_seed(SEED)
            cn1.sum().backward(retain_graph=True)
        torch.manual_seed(SEED)
        cn2.sum().backward(retain_graph=True)
        t.assertEqual(c1.grad, c2.grad, rtol=rtol, atol=atol)
