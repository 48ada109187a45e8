"""``lstmlab export RUN --out DIR [--format onnx|torchscript|safetensors]``: a run as a bundle."""

from __future__ import annotations

import argparse
from pathlib import Path

from lstmlab.export import FORMATS


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export a trained run as a self-contained bundle (ONNX, model card)",
        description="Export RUN_DIR's best model into a new folder: the model graph (ONNX "
        "with dynamic batch and length, or TorchScript), safetensors weights "
        "with the configuration, the vocabularies and tokenizer settings, and a "
        "model card (README.md). `lstmlab predict/tag BUNDLE` use it with "
        "PyTorch; `python -m lstmlab.runtime BUNDLE` runs an ONNX bundle "
        "without PyTorch.",
    )
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    parser.add_argument("--out", type=Path, required=True, help="a new or empty folder")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="onnx",
        help="the model graph's format (default onnx; safetensors: weights and config only)",
    )
    parser.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    from lstmlab.export import export_run  # imports torch: not for `export --help`

    export_run(args.run_dir, args.out, args.format)
    return 0
