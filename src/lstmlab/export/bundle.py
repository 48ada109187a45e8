"""``lstmlab export``: a trained run as a self-contained bundle folder, and loading one back.

The bundle (see :mod:`lstmlab.runtime.manifest` for its files) holds the model graph
(ONNX with dynamic batch and length, or TorchScript), the weights in safetensors beside
the run's ``config.json``, the vocabularies and tag sets, the preprocessing the graph
expects (tokenizer, truncation, labels, CRF transitions) and a model card.
"""

from __future__ import annotations

import json
import os
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch
from torch import nn

from lstmlab.errors import CheckpointError, ConfigError
from lstmlab.export import FORMATS
from lstmlab.export.card import model_card
from lstmlab.export.graphs import GraphSpec, exportable_copy
from lstmlab.runtime.manifest import (
    BUNDLE_FORMAT,
    BUNDLE_VERSION,
    CONFIG_FILE,
    GRAPH_FILES,
    MANIFEST,
    WEIGHTS_FILE,
    file_digest,
    read_bundle_file,
    read_bundle_json,
    read_manifest,
    read_state,
)
from lstmlab.tasks import all_tasks, get_task
from lstmlab.tasks.spec import TaskSpec
from lstmlab.text import echo, printable
from lstmlab.training.checkpoint import load_checkpoint
from lstmlab.training.config import RunConfig
from lstmlab.training.runner import load_trained, run_task_name
from lstmlab.version import __version__

ONNX_OPSET = 17
# The self-check after export runs shapes the export's example did not have.
CHECK_BATCH, CHECK_LENGTH = 5, 13


def export_run(
    run_dir: str | Path, out: str | Path, fmt: str = "onnx", say: Any = echo
) -> dict[str, Any]:
    """Write the bundle of ``run_dir``'s best model into the new or empty folder ``out``.

    Returns the manifest written to ``out/bundle.json``.
    """
    run_dir, out = Path(run_dir), Path(out)
    if fmt not in FORMATS:
        raise ConfigError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    task = run_task_name(run_dir)
    spec = get_task(task)
    exporter = spec.exporter()
    graph = exporter.graph if exporter is not None else None
    if fmt != "safetensors" and graph is None:
        graphs = [t.name for t in all_tasks() if t.exporter() and t.exporter().graph]
        raise ConfigError(
            f"a {task} run cannot be exported as {fmt} (only {', '.join(graphs)} "
            "runs can); --format safetensors exports its weights and config"
        )
    config, model, state = load_trained(spec, run_dir)
    if exporter is not None:
        exporter.check_exportable(config, fmt)
    if fmt == "onnx" and any(isinstance(m, nn.GRU) for m in model.modules()):
        raise ConfigError(
            "a model with GRU cells (model.cell=gru) cannot be exported to "
            "ONNX (the exporter fails on its packed sequences); use --format "
            "torchscript or safetensors"
        )
    created = not out.exists()
    _prepare_out(out)
    try:
        return _write_bundle(run_dir, out, fmt, spec, config, model, state, say)
    except BaseException:  # leave no half-written bundle behind
        for path in out.iterdir():
            path.unlink()
        if created:
            out.rmdir()
        raise


def _write_bundle(
    run_dir: Path,
    out: Path,
    fmt: str,
    spec: TaskSpec,
    config: RunConfig,
    model: nn.Module,
    state: dict[str, Any],
    say: Any,
) -> dict[str, Any]:
    """Every file of the bundle into the empty folder ``out``; the manifest."""
    task = spec.name
    exporter = spec.exporter()
    graph: GraphSpec | None = exporter.graph if exporter is not None else None
    for name, content in {"config": config.to_dict(), **state}.items():
        (out / f"{name}.json").write_text(
            json.dumps(content, indent=1 if name == "config" else None) + "\n", encoding="utf-8"
        )
    save_weights(model, out / WEIGHTS_FILE)
    manifest: dict[str, Any] = {
        "format": BUNDLE_FORMAT,
        "version": BUNDLE_VERSION,
        "task": task,
        "graph_format": fmt,
        "graph": GRAPH_FILES.get(fmt),
        "weights": WEIGHTS_FILE,
        "config": CONFIG_FILE,
        "state": list(state),
        "inputs": list(graph.inputs) if graph else [],
        "outputs": list(graph.outputs) if graph else [],
        "dynamic_axes": {
            k: {str(a): n for a, n in v.items()} for k, v in graph.dynamic_axes.items()
        }
        if graph
        else {},
        "preprocess": exporter.preprocess(config, model) if exporter is not None else {},
        "source_run": str(run_dir.resolve()),
        "created": _now(),
        "lstmlab_version": __version__,
        "torch_version": str(torch.__version__),
    }
    if fmt != "safetensors":
        exported = exportable_copy(model)
        path = out / GRAPH_FILES[fmt]
        (_export_onnx if fmt == "onnx" else _export_torchscript)(exported, graph, path)
        manifest["check"] = _self_check(fmt, exported, graph, path)
        if manifest["check"]:
            say(
                f"checked: {manifest['check']['runtime']} matches PyTorch to "
                f"{manifest['check']['max_abs_diff']:.1e} at batch {CHECK_BATCH}, length "
                f"{CHECK_LENGTH}"
            )
    # What the loaders check each file against: a changed or swapped file is refused.
    manifest["files"] = {
        file.name: file_digest(file.read_bytes())
        for file in sorted(out.iterdir())
        if file.is_file()
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    card = model_card(
        spec, manifest, config, _test_metrics(run_dir), _trained_with(run_dir), run_dir, out
    )
    # Paths and settings in the card come from outside: `cat README.md` must not run escapes.
    (out / "README.md").write_text(printable(card), encoding="utf-8")
    size = sum(f.stat().st_size for f in out.iterdir() if f.is_file())
    say(f"exported {run_dir} ({task}, {fmt}) to {out}: {size / 1e6:.1f} MB")
    return manifest


def _prepare_out(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"--out {out} must be a new or empty folder (nothing in it is touched)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"cannot make {out}: {error.strerror or error}") from None


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _export_onnx(model: nn.Module, graph: GraphSpec, path: Path) -> None:
    """The legacy TorchScript-based exporter: it keeps batch and length dynamic."""
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model,
                graph.example(model, 3, 7),
                str(path),
                dynamo=False,
                input_names=list(graph.inputs),
                output_names=list(graph.outputs),
                dynamic_axes=graph.dynamic_axes,
                opset_version=ONNX_OPSET,
            )
    except ImportError as error:
        raise ConfigError(
            f"ONNX export needs the onnx extra: pip install 'lstmlab[onnx]' ({error})"
        ) from None
    except Exception as error:  # an operator the exporter does not know (a GRU's packing ...)
        first = (str(error).strip().splitlines() or [type(error).__name__])[0][:160]
        raise ConfigError(
            f"this model cannot be exported to ONNX: {first}; try --format "
            "torchscript or safetensors"
        ) from None


def _export_torchscript(model: nn.Module, graph: GraphSpec, path: Path) -> None:
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            traced = torch.jit.trace(model, graph.example(model, 3, 7), check_trace=False)
        traced.save(str(path))
    except Exception as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0][:160]
        raise ConfigError(
            f"this model cannot be traced to TorchScript: {first}; try --format onnx or safetensors"
        ) from None


@torch.no_grad()
def _self_check(fmt: str, model: nn.Module, graph: GraphSpec, path: Path) -> dict[str, Any]:
    """The exported graph vs PyTorch on a batch and length the export did not see."""
    inputs = graph.example(model, CHECK_BATCH, CHECK_LENGTH, seed=1)
    expected = model(*inputs)
    if fmt == "torchscript":
        got, runtime = torch.jit.load(str(path))(*inputs), "TorchScript"
    else:
        try:
            import onnxruntime
        except ImportError:
            return {}
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        names = {item.name for item in session.get_inputs()}
        feeds = {n: t.numpy() for n, t in zip(graph.inputs, inputs, strict=True) if n in names}
        got, runtime = torch.from_numpy(session.run(None, feeds)[0]), "ONNX Runtime"
    if expected.dim() == 3:  # per-token scores: padded rows are meaningless
        real = torch.arange(expected.size(1)) < inputs[1][:, None]
        expected, got = expected[real], got[real]
    diff = float((expected - got).abs().max())
    if not diff <= 1e-4:
        raise CheckpointError(
            f"the exported {fmt} model differs from PyTorch by {diff:.2g}; please report this"
        )
    return {"runtime": runtime, "batch": CHECK_BATCH, "length": CHECK_LENGTH, "max_abs_diff": diff}


def save_weights(model: nn.Module, path: Path) -> None:
    """The model's state_dict as safetensors (contiguous CPU tensors)."""
    from safetensors.torch import save_file

    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(tensors, str(path), metadata={"format": "pt", "lstmlab_version": __version__})
    os.chmod(path, 0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _test_metrics(run_dir: Path) -> dict[str, Any]:
    try:
        return json.loads((run_dir / "test_metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _trained_with(run_dir: Path) -> dict[str, str]:
    """The lstmlab and torch versions recorded in the run's checkpoint."""
    path = run_dir / "best.pt" if (run_dir / "best.pt").is_file() else run_dir / "last.pt"
    record = load_checkpoint(path)
    return {k: str(record.get(k, "unknown")) for k in ("lstmlab_version", "torch_version")}


def load_bundle_model(
    path: str | Path, device: torch.device | None = None
) -> tuple[TaskSpec, RunConfig, nn.Module, dict[str, Any]]:
    """A bundle's task, configuration, model (its safetensors weights, eval mode) and state."""
    from safetensors import SafetensorError
    from safetensors.torch import load as load_safetensors

    path = Path(path)
    manifest = read_manifest(path)  # every file below is the bundle's own (no .., no links)
    spec = get_task(manifest["task"])
    saved = read_bundle_json(path, manifest, manifest.get("config") or CONFIG_FILE)
    if not isinstance(saved, dict):
        raise CheckpointError(f"bundle {path}'s config is not a run configuration")
    config = spec.config_from_dict(saved)
    state = read_state(path, manifest)
    model = spec.trainer().build_model(config, state)
    weights = path / (manifest.get("weights") or WEIGHTS_FILE)
    try:
        model.load_state_dict(load_safetensors(read_bundle_file(path, manifest, weights.name)))
    except (OSError, SafetensorError) as error:
        raise CheckpointError(f"cannot read the bundle's weights {weights}: {error}") from None
    except RuntimeError as error:
        raise CheckpointError(
            f"{weights} does not fit its model: {str(error).splitlines()[0]}"
        ) from None
    model.to(device or torch.device("cpu")).eval()
    return spec, config, model, state
