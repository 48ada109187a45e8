"""Export a trained run as a bundle (ONNX or TorchScript graph, safetensors weights, model
card), and load a bundle back into PyTorch. Running a bundle without PyTorch is
:mod:`lstmlab.runtime`'s job."""

from __future__ import annotations

from typing import Any

# The bundle's graph formats. Here, not in lstmlab.export.bundle (imported on first use
# below): that imports torch, which `lstmlab export --help` must not wait for.
FORMATS = ("onnx", "torchscript", "safetensors")

__all__ = ["FORMATS", "export_run", "load_bundle_model"]


def __getattr__(name: str) -> Any:
    if name in ("export_run", "load_bundle_model"):
        from lstmlab.export import bundle

        return getattr(bundle, name)
    raise AttributeError(f"module 'lstmlab.export' has no attribute {name!r}")
