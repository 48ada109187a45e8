"""What the PyTorch-derived tests share: the classes under test and PyTorch's own harness.

Every test in this folder comes from PyTorch's test suite (repository ``pytorch/pytorch``;
each test names its file and test) and runs against four classes: torch's own (the control,
which must pass too) and ``lstmlab.nn.LSTM`` on each of its three implementations. Where
the original compared two torch back ends (CPU against cuDNN or oneDNN), torch's class is
the first and the class under test the second. Assertions use PyTorch's ``TestCase`` from
the installed ``torch.testing._internal``, so their tolerances are PyTorch's.

The device is the CPU unless ``LSTMLAB_TEST_DEVICE`` names another (``cuda:0``), as
``benchmarks/gpu_check.sh`` does. By default the tests that loop over many samples or
configurations run a seeded subset of them (:func:`subset`); ``LSTMLAB_PYTORCH_FULL=1``
runs them all.
"""

from __future__ import annotations

import copy
import importlib
import os
import random
from collections.abc import Callable

import torch
from torch import Tensor, nn
from torch.utils._pytree import tree_flatten

from lstmlab.nn import LSTM, LSTMCell


def _import_pytorch_harness() -> None:
    """Import torch's testing modules, undoing what they change for the whole process.

    Importing ``common_utils`` freezes ``torch.backends`` flags (setting one outside a
    ``flags()`` block then raises) and wraps every TorchScript call in a profiling helper.
    This suite runs in one process with the rest of lstmlab's tests, which must not see that.
    """
    script_calls = (torch._C.ScriptFunction.__call__, torch._C.ScriptMethod.__call__)
    importlib.import_module("torch.testing._internal.common_utils")
    importlib.import_module("torch.testing._internal.common_modules")

    torch._C.ScriptFunction.__call__, torch._C.ScriptMethod.__call__ = script_calls
    # What disable_global_flags() set, in the namespace that flags_frozen() reads.
    torch.backends.flags_frozen.__globals__["__allow_nonbracketed_mutation_flag"] = True
    assert not torch.backends.flags_frozen()


_import_pytorch_harness()
from torch.testing._internal.common_utils import TestCase  # noqa: E402

IMPLEMENTATIONS = ["torch", "reference", "fast", "fast-python"]
CELL_IMPLEMENTATIONS = ["torch", "lstmlab"]  # LSTMCell has one implementation
DEVICE = os.environ.get("LSTMLAB_TEST_DEVICE", "cpu")


def lstm_class(implementation: str) -> Callable[..., nn.Module]:
    """A constructor with ``torch.nn.LSTM``'s signature building the class under test."""
    if implementation == "torch":
        return nn.LSTM

    def make(*args, **kwargs) -> LSTM:
        module = LSTM(*args, **kwargs)
        module.implementation = implementation
        return module

    return make


def cell_class(implementation: str) -> type[nn.Module]:
    return nn.LSTMCell if implementation == "torch" else LSTMCell


def as_implementation(module: nn.LSTM, implementation: str) -> nn.Module:
    """A copy of torch's ``module`` (same weights and mode) as the class under test."""
    if implementation == "torch":
        return copy.deepcopy(module)
    ours = LSTM.from_torch(module)
    ours.implementation = implementation
    return ours


class Checks(TestCase):
    """PyTorch's ``TestCase``, used for its ``assertEqual`` (PyTorch's tolerances) and friends."""

    def runTest(self) -> None:  # unittest needs a method to name; the checks are called directly
        pass


def checks(precision: float = 0.0, rel_tol: float = 0.0) -> Checks:
    """A ``TestCase`` whose ``precision``/``rel_tol`` are set as a PyTorch test class sets them."""
    case = Checks()
    case.precision, case.rel_tol = precision, rel_tol
    return case


def assert_equal(case: TestCase, actual, expected, **tolerances) -> None:
    """``case.assertEqual(actual, expected)`` for nested results, checked in one comparison.

    The same verdict as PyTorch's call on the nested structure (closeness is elementwise, so
    comparing the concatenation with the same tolerances decides the same), but one call
    instead of one per tensor: PyTorch's ``assertEqual`` costs about a millisecond a call,
    and these tests make thousands. Structure, shapes, dtypes and devices are compared first.
    """
    flat_actual, spec_actual = tree_flatten(actual)
    flat_expected, spec_expected = tree_flatten(expected)
    case.assertEqual(spec_actual, spec_expected)
    groups: dict[tuple, tuple[list[Tensor], list[Tensor]]] = {}
    for a, e in zip(flat_actual, flat_expected, strict=True):
        if not (isinstance(a, Tensor) and isinstance(e, Tensor)):
            case.assertEqual(a, e, **tolerances)
            continue
        case.assertEqual(
            (a.shape, a.dtype, a.device, a.layout), (e.shape, e.dtype, e.device, e.layout)
        )
        group = groups.setdefault((a.dtype, a.device), ([], []))
        group[0].append(a.detach().reshape(-1))
        group[1].append(e.detach().reshape(-1))
    for group_actual, group_expected in groups.values():
        case.assertEqual(torch.cat(group_actual), torch.cat(group_expected), **tolerances)


FULL = os.environ.get("LSTMLAB_PYTORCH_FULL", "") not in ("", "0")


def subset(items: list, count: int, key: str) -> list:
    """All of ``items`` with ``LSTMLAB_PYTORCH_FULL=1``; by default ``count`` of them.

    The default choice is seeded by ``key`` (the test's name, not the implementation's), so
    every run, and every class under test, gets the same ones. It keeps the suite within its
    time budget: PyTorch's gradgradcheck of all 16 LSTM samples, every partial derivative
    apart, is tens of minutes on two cores.
    """
    items = list(items)
    if FULL or len(items) <= count:
        return items
    chosen = sorted(random.Random(key).sample(range(len(items)), count))
    return [items[k] for k in chosen]
