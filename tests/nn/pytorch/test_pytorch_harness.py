"""The PyTorch harness imported for these tests leaves the rest of the suite's process alone."""

from __future__ import annotations

import pytorch_harness  # noqa: F401  (imports torch.testing._internal)
import torch


def test_backends_flags_stay_settable():
    assert not torch.backends.flags_frozen()
    enabled = torch.backends.mkldnn.enabled
    torch.backends.mkldnn.enabled = enabled  # raises when torch's harness froze the flags


def test_torchscript_calls_are_not_wrapped():
    for call in (torch._C.ScriptFunction.__call__, torch._C.ScriptMethod.__call__):
        assert getattr(call, "__module__", None) != "torch.testing._internal.common_utils"
