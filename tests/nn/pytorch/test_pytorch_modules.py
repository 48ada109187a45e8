"""PyTorch's ``test/test_modules.py`` (class ``TestModule``), run on nn.LSTM and nn.LSTMCell.

Source: pytorch/pytorch ``test/test_modules.py``. Each test below is the PyTorch test of
the same name, driven, as there, by the ``ModuleInfo`` entries for ``torch.nn.LSTM`` and
``torch.nn.LSTMCell`` in the installed ``torch.testing._internal.common_modules`` (their
sample inputs, error inputs and reference functions) and checked with PyTorch's
``TestCase.assertEqual`` at ``TestModule``'s precision (1e-5) and its per-test tolerances.
Adapted: the module class is the class under test (``implementation``); the device/dtype
grid is ``LSTMLAB_TEST_DEVICE`` with float32 (``test_grad``/``test_gradgrad``: float64, as
in PyTorch); the lazy-module and channels-last branches, which never apply to an LSTM, are
left out; ``test_cpu_gpu_parity`` compares torch's class on the CPU with the class under
test on the device (on a CPU-only machine: the CPU), instead of one class on both.
"""

from __future__ import annotations

import tempfile
from contextlib import nullcontext
from copy import deepcopy
from itertools import product
from unittest.mock import patch

import pytest
import torch
from pytorch_harness import (
    CELL_IMPLEMENTATIONS,
    DEVICE,
    FULL,
    IMPLEMENTATIONS,
    assert_equal,
    cell_class,
    lstm_class,
    subset,
)
from pytorch_harness import checks as make_checks
from torch import nn
from torch._subclasses.meta_utils import assert_metadata_eq
from torch.testing._internal.common_modules import ModuleErrorEnum, module_db
from torch.testing._internal.common_utils import (
    freeze_rng_state,
    get_tensors_from,
    gradcheck,
    gradgradcheck,
    mock_wrapper,
)
from torch.utils._pytree import tree_flatten, tree_unflatten

INFOS = {info.module_cls: info for info in module_db if info.module_cls in (nn.LSTM, nn.LSTMCell)}
# (module, implementation): LSTM on every implementation; LSTMCell has a single one.
CASES = [("LSTM", i) for i in IMPLEMENTATIONS] + [("LSTMCell", i) for i in CELL_IMPLEMENTATIONS]
case = pytest.mark.parametrize(
    ("module", "implementation"), CASES, ids=[f"{m}-{i}" for m, i in CASES]
)
training_modes = pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])


def module_under_test(module: str, implementation: str):
    """(torch's ModuleInfo for ``module``, constructor of the class under test)."""
    if module == "LSTM":
        return INFOS[nn.LSTM], lstm_class(implementation)
    return INFOS[nn.LSTMCell], cell_class(implementation)


def checks():
    return make_checks(precision=1e-5, rel_tol=1e-5)  # TestModule.precision, .rel_tol


def on_cudnn(module, implementation):
    """Whether torch's own LSTM runs on cuDNN here (only with ``LSTMLAB_TEST_DEVICE=cuda``)."""
    return (
        module == "LSTM"
        and implementation == "torch"
        and DEVICE.startswith("cuda")
        and torch.backends.cudnn.enabled
    )


def xfail_where_pytorch_does(module, implementation):
    """The expected failures torch's ModuleInfo for nn.LSTM declares on cuDNN (no batched
    gradients, no double backward, no non-contiguous hx there): for torch's class only."""
    if on_cudnn(module, implementation):
        pytest.xfail("torch's ModuleInfo marks this an expected failure on cuDNN")


def samples(info, dtype, requires_grad, training, device=DEVICE, key=None, count=4):
    """The ModuleInfo's sample inputs; with ``key``, the seeded default subset of them."""
    module_inputs = info.module_inputs_func(
        info, device=device, dtype=dtype, requires_grad=requires_grad, training=training
    )
    if key is None:
        return module_inputs
    return subset(module_inputs, count, f"{key}-{info.name}-{training}")


def build(module_cls, module_input, dtype, training, device=DEVICE):
    args, kwargs = module_input.constructor_input.args, module_input.constructor_input.kwargs
    m = module_cls(*args, **kwargs)
    m.to(device).to(dtype)
    m.train(training)
    return m


def built_samples(
    module, implementation, training, dtype, key, *, grad=False, frozen=False, count=4
):
    """TestModule's loop over the ModuleInfo's seeded samples (``key``): yields (the class
    under test built from the sample, its forward args, kwargs, the sample). ``frozen``: the
    caller's loop body runs, with the building, inside ``freeze_rng_state`` (as in PyTorch)."""
    info, module_cls = module_under_test(module, implementation)
    for module_input in samples(info, dtype, grad, training, key=key, count=count):
        with freeze_rng_state() if frozen else nullcontext():
            m = build(module_cls, module_input, dtype, training)
            forward = module_input.forward_input
            yield m, forward.args, forward.kwargs, module_input


def assert_parameters_and_buffers_are(t, module, device, dtype):
    device = torch.device(device)
    for kind, items in [
        ("Parameter", module.named_parameters()),
        ("Buffer", module.named_buffers()),
    ]:
        for name, item in items:
            t.assertEqual(item.device, device, f"{kind} {name} is on device {item.device}")
            if item.dtype.is_floating_point:
                t.assertEqual(item.dtype, dtype, f"{kind} {name} is of dtype {item.dtype}")


def traverse(obj, func):
    """TestModule._traverse_obj: apply ``func`` to every tensor in nested tuples/lists/dicts."""
    if isinstance(obj, (tuple, list)):
        return type(obj)(traverse(o, func) for o in obj)
    if isinstance(obj, dict):
        return {name: traverse(o, func) for name, o in obj.items()}
    if isinstance(obj, torch.Tensor):
        return func(obj)
    return None


def retain_grad(obj):
    traverse(obj, lambda t: t.retain_grad() if t.requires_grad else None)


def get_grads(obj):
    return traverse(obj, lambda t: t.grad if t.requires_grad else None)


def zero_grad(obj):
    def clear(t):
        t.grad = None

    traverse(obj, clear)


@case
@training_modes
def test_forward(module, implementation, training):
    """TestModule.test_forward: outputs equal the ModuleInfo's reference function's."""
    t = checks()
    dtype = torch.float32
    for m, args, kwargs, module_input in built_samples(
        module, implementation, training, dtype, "forward", frozen=True
    ):
        outputs = m(*args, **kwargs)
        if module_input.reference_fn is not None:
            ref_outputs = module_input.reference_fn(m, *args, **kwargs)
            t.assertEqual(outputs, ref_outputs)
        m.float()
        m(*args, **kwargs)
        assert_parameters_and_buffers_are(t, m, DEVICE, dtype)


@case
@training_modes
def test_factory_kwargs(module, implementation, training):
    """TestModule.test_factory_kwargs: ``device``/``dtype`` reach every created parameter."""
    t = checks()
    info, module_cls = module_under_test(module, implementation)
    dtype = torch.float64
    for module_input in samples(info, dtype, False, training):
        args, kwargs = module_input.constructor_input.args, module_input.constructor_input.kwargs
        creates = False
        parameter_new = mock_wrapper(torch.nn.Parameter.__new__)
        with patch.object(torch.nn.Parameter, "__new__", parameter_new):
            register_buffer = mock_wrapper(torch.nn.Module.register_buffer)
            with patch.object(torch.nn.Module, "register_buffer", register_buffer):
                module_cls(*args, **kwargs).train(training)
                constructor_tensors = get_tensors_from(args, kwargs)
                for mock in [parameter_new.mock, register_buffer.mock]:
                    for call_args, call_kwargs in mock.call_args_list:
                        call_tensors = get_tensors_from(call_args, call_kwargs)
                        if call_tensors and not constructor_tensors.intersection(call_tensors):
                            creates = True
        assert creates  # an LSTM creates its parameters: the check below must run
        m = module_cls(*args, **{**kwargs, "device": DEVICE, "dtype": dtype}).train(training)
        assert_parameters_and_buffers_are(t, m, DEVICE, dtype)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="TestModule runs this onlyCUDA")
@case
@training_modes
def test_multiple_device_transfer(module, implementation, training):
    """TestModule.test_multiple_device_transfer: GPU -> CPU -> GPU, running at each stop."""
    t = checks()
    info, module_cls = module_under_test(module, implementation)
    dtype = torch.float32
    device = DEVICE if DEVICE != "cpu" else "cuda:0"
    on_device = samples(info, dtype, False, training, device=device)
    on_cpu = samples(info, dtype, False, training, device="cpu")
    for input_device, input_cpu in zip(on_device, on_cpu, strict=True):
        with freeze_rng_state():
            m = build(module_cls, input_device, dtype, training, device=device)
            fw = input_device.forward_input
            m(*fw.args, **fw.kwargs)
            assert_parameters_and_buffers_are(t, m, device, dtype)
            m.cpu()
            m(*input_cpu.forward_input.args, **input_cpu.forward_input.kwargs)
            assert_parameters_and_buffers_are(t, m, "cpu", dtype)
            m.cuda()
            m(*fw.args, **fw.kwargs)
            assert_parameters_and_buffers_are(t, m, device, dtype)


@case
@training_modes
def test_repr(module, implementation, training):
    """TestModule.test_repr: ``repr`` and ``str`` work."""
    for m, *_ in built_samples(module, implementation, training, torch.float32, "repr"):
        m.__repr__()
        str(m)


@case
@training_modes
def test_pickle(module, implementation, training):
    """TestModule.test_pickle: a module saved and loaded gives the same output."""
    t = checks()
    for m, args, kwargs, _ in built_samples(
        module, implementation, training, torch.float32, "pickle", frozen=True
    ):
        output = m(*args, **kwargs)
        with tempfile.TemporaryFile() as f:
            torch.save(m, f)
            f.seek(0)
            m_copy = torch.load(f, weights_only=False)
            t.assertEqual(output, m_copy(*args, **kwargs))


def _make_non_contiguous(obj):
    def inner(t):
        if t.dim() == 0:
            return t
        out = torch.repeat_interleave(t, 2, dim=-1)[..., ::2].detach()
        out.requires_grad = t.requires_grad
        return out

    return traverse(obj, inner)


def _backward_all(out, grad_output):
    flat_out, _ = tree_flatten(out)
    flat_grad, _ = tree_flatten(grad_output)
    for o, g in zip(flat_out, flat_grad, strict=True):
        if o.requires_grad:
            o.backward(g, retain_graph=True)


@case
@training_modes
def test_non_contiguous_tensors(module, implementation, training):
    """TestModule.test_non_contiguous_tensors: same outputs and gradients for strided inputs."""
    xfail_where_pytorch_does(module, implementation)
    t = checks()
    for m, input_args, input_kwargs, _ in built_samples(
        module, implementation, training, torch.float32, "non_contiguous", grad=True
    ):
        retain_grad((input_args, input_kwargs))
        with freeze_rng_state():
            default_output = m(*input_args, **input_kwargs)
            grad_output = tuple(
                traverse(o, lambda o: o.clone().detach_().normal_() if o.requires_grad else None)
                for o in default_output
            )
            _backward_all(default_output, grad_output)
        default_input_grads = deepcopy(get_grads((input_args, input_kwargs)))
        default_param_grad = deepcopy([p.grad for p in m.parameters()])
        nc_inputs = _make_non_contiguous((input_args, input_kwargs))
        nc_grad_output = _make_non_contiguous(grad_output)
        for (in_args, in_kwargs), g_out in product(
            [(input_args, input_kwargs), nc_inputs], [grad_output, nc_grad_output]
        ):
            g_out_copy = deepcopy(g_out)
            zero_grad((in_args, in_kwargs))
            zero_grad(list(m.parameters()))
            with freeze_rng_state():
                out = m(*in_args, **in_kwargs)
                _backward_all(out, g_out_copy)
            input_args_grad, input_kwargs_grad = get_grads((in_args, in_kwargs))
            assert_equal(t, out, default_output)
            assert_equal(t, input_args_grad, default_input_grads[0], atol=1e-4, rtol=0)
            assert_equal(t, input_kwargs_grad, default_input_grads[1], atol=1e-4, rtol=0)
            assert_equal(t, [p.grad for p in m.parameters()], default_param_grad)


def _gradients_helper(module, implementation, training, check, partials=True):
    """TestModule._test_gradients_helper: the total, then each partial derivative (by
    default one seeded sample and the total only; everything in the full run)."""
    t = checks()
    for m, input_args, input_kwargs, _ in built_samples(
        module, implementation, training, torch.float64, check.__name__, grad=True, count=1
    ):
        params = tuple(m.parameters())
        assert not input_kwargs  # the LSTM samples pass everything positionally

        assert_check_passes(t, check, m, input_args, params)
        if not partials:
            continue
        old_requires_grad = [p.requires_grad for p in params]
        for p in params:
            p.requires_grad = False
        for p, old in zip(params, old_requires_grad, strict=True):
            p.requires_grad = old
            assert_check_passes(t, check, m, input_args, params)
            p.requires_grad = False


def assert_check_passes(t, check, m, input_args, params):
    """``check`` (gradcheck, gradgradcheck) of ``m``'s outputs with respect to its inputs
    and those of its parameters that require gradients now."""
    flat_input, flat_spec = tree_flatten(input_args + params)

    def fn_to_gradcheck(*flat_input_and_params):
        input_and_params = tree_unflatten(flat_input_and_params, flat_spec)
        with freeze_rng_state():
            output = m(*input_and_params[: len(input_args)])
            return tree_flatten(output)[0]

    t.assertTrue(check(fn_to_gradcheck, flat_input, nondet_tol=0.0))


@case
@training_modes
def test_grad(module, implementation, training):
    """TestModule.test_grad: gradcheck, with PyTorch's defaults (batched gradients too)."""
    xfail_where_pytorch_does(module, implementation)
    _gradients_helper(module, implementation, training, gradcheck, partials=FULL)


@case
@training_modes
def test_gradgrad(module, implementation, training):
    """TestModule.test_gradgrad: gradgradcheck (both ModuleInfo entries support gradgrad)."""
    xfail_where_pytorch_does(module, implementation)
    assert module_under_test(module, implementation)[0].supports_gradgrad
    _gradients_helper(module, implementation, training, gradgradcheck, partials=FULL)


def _to_device(obj, device):
    if isinstance(obj, torch.Tensor):
        res = obj.detach().to(device=device)
        res.requires_grad = obj.requires_grad
        return res
    if isinstance(obj, tuple):
        return tuple(_to_device(o, device) for o in obj)
    if isinstance(obj, dict):
        return {key: _to_device(o, device) for key, o in obj.items()}
    return deepcopy(obj)


@case
@training_modes
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
def test_cpu_gpu_parity(module, implementation, training, dtype):
    """TestModule.test_cpu_gpu_parity: torch's class on the CPU vs the class under test.

    PyTorch's tolerances for this test (float32 5e-2, float64 4e-4) and its five backward
    passes per output without zeroing gradients (so accumulated gradients are compared).
    """
    if not training and on_cudnn(module, implementation):
        pytest.skip("as in PyTorch: cuDNN has no backward pass in eval mode")
    t = make_checks(precision={torch.float32: 5e-2, torch.float64: 4e-4}[dtype], rel_tol=0)
    info, module_cls = module_under_test(module, implementation)
    torch_cls = nn.LSTM if module == "LSTM" else nn.LSTMCell
    for module_input in samples(info, dtype, True, training, "cpu", "parity", count=2):
        cpu_args = module_input.forward_input.args
        gpu_args = _to_device(cpu_args, DEVICE)
        retain_grad((cpu_args, gpu_args))
        args, kwargs = module_input.constructor_input.args, module_input.constructor_input.kwargs
        cpu_module = torch_cls(*args, **kwargs).to(dtype).to("cpu").train(training)
        gpu_module = module_cls(*args, **kwargs).to(dtype).to(DEVICE).train(training)
        for cpu_p, gpu_p in zip(cpu_module.parameters(), gpu_module.parameters(), strict=True):
            gpu_p.data.copy_(cpu_p)
        cpu_outputs = cpu_module(*cpu_args)
        gpu_outputs = gpu_module(*gpu_args)
        assert_equal(t, cpu_outputs, gpu_outputs)

        def check_backward(
            cpu_output, gpu_output, cpu_module=cpu_module, gpu_module=gpu_module,
            cpu_args=cpu_args, gpu_args=gpu_args,
        ):  # fmt: skip
            cpu_grad_output = cpu_output.clone().normal_()
            gpu_grad_output = cpu_grad_output.type_as(gpu_output)
            cpu_output.backward(cpu_grad_output, retain_graph=True)
            gpu_output.backward(gpu_grad_output, retain_graph=True)
            assert_equal(t, get_grads(cpu_args), get_grads(gpu_args))
            cpu_grads = [p.grad for p in cpu_module.parameters()]
            assert_equal(t, cpu_grads, [p.grad for p in gpu_module.parameters()])

        for _ in range(5):
            flat_cpu, _ = tree_flatten(cpu_outputs)
            flat_gpu, _ = tree_flatten(gpu_outputs)
            for cpu_output, gpu_output in zip(flat_cpu, flat_gpu, strict=True):
                if cpu_output.requires_grad:
                    check_backward(cpu_output, gpu_output)


@case
@training_modes
def test_memory_format(module, implementation, training):
    """TestModule.test_memory_format: outputs and input gradients are contiguous and unchanged
    by ``module.to(memory_format=...)`` (no LSTM input is 4-D or 5-D: contiguous formats only)."""
    t = checks()

    def req_grad(x):
        return isinstance(x, torch.Tensor) and x.requires_grad

    def assert_contiguous(obj):
        traverse(obj, lambda x: t.assertTrue(x.is_contiguous()))

    for m, args, _, _ in built_samples(
        module, implementation, training, torch.float32, "memory_format", grad=True, frozen=True
    ):
        desired_outputs = m(*args)
        ref_diff_outputs = tuple(o for o in tree_flatten(desired_outputs)[0] if req_grad(o))
        params = tuple(m.parameters())
        ref_diff_inputs = tuple(x for x in tree_flatten((args, params))[0] if req_grad(x))
        ref_grad_outputs = tuple(torch.rand_like(o) for o in ref_diff_outputs)
        ref_grad_inputs = torch.autograd.grad(
            ref_diff_outputs, ref_diff_inputs, grad_outputs=ref_grad_outputs
        )
        args = traverse(args, lambda x: x.clone().detach().requires_grad_(x.requires_grad))
        for module_mem_format in [torch.preserve_format, torch.contiguous_format]:
            m.to(memory_format=module_mem_format)
            outputs = m(*args)
            if module_mem_format != torch.preserve_format:
                t.assertEqual(outputs, desired_outputs)
            assert_contiguous(outputs)
            diff_outputs = tuple(o for o in tree_flatten(outputs)[0] if req_grad(o))
            if training and diff_outputs:
                params = tuple(m.parameters())
                diff_inputs = tuple(x for x in tree_flatten((args, params))[0] if req_grad(x))
                grad_outputs = tuple(
                    torch.empty_like(o).copy_(g)
                    for o, g in zip(diff_outputs, ref_grad_outputs, strict=True)
                )
                grad_inputs = torch.autograd.grad(
                    diff_outputs, diff_inputs, grad_outputs=grad_outputs
                )
                t.assertEqual(grad_inputs, ref_grad_inputs)
                assert_contiguous(grad_inputs)


@case
def test_if_train_and_eval_modes_differ(module, implementation):
    """TestModule.test_if_train_and_eval_modes_differ: reading ``training`` in forward is
    allowed only where the ModuleInfo says train and eval differ."""
    t = checks()
    info, _ = module_under_test(module, implementation)
    for m, args, kwargs, _ in built_samples(
        module, implementation, True, torch.float32, "train_eval"
    ):
        delattr(m, "training")
        try:
            m(*args, **kwargs)
        except AttributeError as e:
            if "'training'" not in str(e):
                raise
            t.assertTrue(info.train_and_eval_differ)


@case
@training_modes
def test_device_ctx_init(module, implementation, training):
    """TestModule.test_device_ctx_init: built under ``torch.device('meta')``, the parameters
    are meta tensors with the CPU module's metadata."""
    t = checks()
    info, module_cls = module_under_test(module, implementation)
    dtype = torch.float32
    module_inputs = samples(info, dtype, False, training, "cpu", key="ctx_init")
    with torch.device("meta"):
        module_inputs_meta = samples(info, dtype, False, training, None, key="ctx_init")
    for module_input, module_input_meta in zip(module_inputs, module_inputs_meta, strict=True):
        c_args, c_kwargs = (
            module_input.constructor_input.args,
            module_input.constructor_input.kwargs,
        )
        meta_c = module_input_meta.constructor_input
        m_cpu = module_cls(*c_args, **c_kwargs)
        with torch.device("meta"):
            m = module_cls(*meta_c.args, **meta_c.kwargs)
        for p_meta, p_cpu in zip(m.parameters(), m_cpu.parameters(), strict=True):
            t.assertTrue(p_meta.is_meta)
            assert_metadata_eq(t.assertEqual, p_meta, p_cpu)


@case
@training_modes
def test_errors(module, implementation, training):
    """TestModule.test_errors: the ModuleInfo's error inputs raise its exception and message."""
    t = checks()
    info, module_cls = module_under_test(module, implementation)
    error_inputs = info.module_error_inputs_func(
        info, device=DEVICE, dtype=torch.float32, requires_grad=False, training=training
    )
    assert error_inputs
    for error_input in error_inputs:
        module_input = error_input.module_error_input
        c_args, c_kwargs = (
            module_input.constructor_input.args,
            module_input.constructor_input.kwargs,
        )
        if error_input.error_on == ModuleErrorEnum.CONSTRUCTION_ERROR:
            with t.assertRaisesRegex(error_input.error_type, error_input.error_regex):
                module_cls(*c_args, **c_kwargs)
        else:
            m = module_cls(*c_args, **c_kwargs)
            fw = module_input.forward_input
            with t.assertRaisesRegex(error_input.error_type, error_input.error_regex):
                m(*fw.args, **fw.kwargs)
