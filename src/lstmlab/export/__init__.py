"""Export a trained run as a bundle (ONNX or TorchScript graph, safetensors weights, model
card), and load a bundle back into PyTorch. Running a bundle without PyTorch is
:mod:`lstmlab.runtime`'s job."""

from lstmlab.export.bundle import FORMATS, export_run, load_bundle_model

__all__ = ["FORMATS", "export_run", "load_bundle_model"]
