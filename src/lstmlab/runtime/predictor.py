"""An exported bundle's model run by ONNX Runtime: the task's own predictor (the same class
``lstmlab.load`` returns) over an ONNX backend. Imports no torch.

The steps around the graph are the task's codec, exactly as on the PyTorch path: the run's
tokenizer and vocabularies, its truncation, batches of similar lengths (sorted, as the
evaluation does), then softmax or per-token argmax / CRF Viterbi decoding.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from lstmlab.errors import CheckpointError, ConfigError
from lstmlab.models.viterbi import viterbi
from lstmlab.runtime.checks import (
    check_crf,
    check_graph_inputs,
    check_preprocess,
    check_probe,
    check_vocabs,
    class_count,
    embedded_vocabularies,
    first_line,
    probe_feeds,
    runtime_task,
)
from lstmlab.runtime.manifest import read_bundle_file, read_bundle_json, read_manifest, read_state
from lstmlab.tasks import all_tasks, get_task
from lstmlab.tasks.predictor import Predictor

__all__ = ["OnnxGraph", "load_bundle", "viterbi"]


class OnnxGraph:
    """A predictor's backend: the bundle's ONNX graph in an ONNX Runtime session."""

    def __init__(self, path: Path, model: bytes, threads: int = 0) -> None:
        self.session = _session(path, model, threads)
        self.input_names = {item.name for item in self.session.get_inputs()}

    def run(self, feeds: dict[str, np.ndarray]) -> np.ndarray:
        """The graph's first output for a padded batch (inputs the graph does not take dropped)."""
        return self.session.run(None, {k: v for k, v in feeds.items() if k in self.input_names})[0]


def _session(path: Path, model: bytes, threads: int) -> Any:
    """An ONNX Runtime session over the graph's bytes (as read and checked, not re-opened)."""
    try:
        import onnxruntime
    except ImportError:
        raise ConfigError(
            "the ONNX runtime is not installed: pip install onnxruntime "
            "(or pip install 'lstmlab[onnx]')"
        ) from None
    options = onnxruntime.SessionOptions()
    # ONNX Runtime logs its own errors straight to the terminal (coloured, quoting names
    # from the graph): fatal ones only; every error it raises becomes one lstmlab line.
    options.log_severity_level = 4
    onnxruntime.set_default_logger_severity(4)
    if threads:
        options.intra_op_num_threads = options.inter_op_num_threads = threads
    try:
        return onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    except Exception as error:  # InvalidProtobuf, Fail, ...: a truncated or foreign file
        raise CheckpointError(
            f"{path}: the model graph is not a readable ONNX model (truncated or corrupt?): "
            f"{first_line(error)}"
        ) from None


def load_bundle(path: str | Path, threads: int = 0) -> Predictor:
    """The ONNX model of the bundle folder ``path``, as its task's predictor (``predict``,
    ``tag`` ...; ``threads``: 0 = ONNX Runtime's default)."""
    from lstmlab.training.config import build_section

    path = Path(path)
    manifest = read_manifest(path)
    graph = manifest.get("graph")
    if manifest.get("graph_format") != "onnx" or not graph:
        raise ConfigError(
            f"{path} holds no ONNX model (it was exported with --format "
            f"{manifest.get('graph_format')}); export it with --format onnx"
        )
    spec = _runtime_task(path, manifest["task"])
    where, pre = str(path), manifest["preprocess"]
    state = read_state(path, manifest)
    backend = OnnxGraph(path, read_bundle_file(path, manifest, graph), threads)
    _check(where, spec, pre, state, backend)
    config = _RuntimeConfig(
        spec.name, build_section(spec.data_config, _data(path, manifest), "data")
    )
    predictor = spec.part("predictor")(spec, config, state, backend, pre)
    predictor.batch_size = int(manifest["preprocess"].get("batch_size", predictor.batch_size))
    predictor.manifest = manifest
    predictor.path = path
    return predictor


def _runtime_task(path: Path, task: Any) -> Any:
    """The bundle's task, if it is one this runtime can run (it has a codec, a predictor
    and an export part); CheckpointError naming those that are, otherwise."""
    runnable = [t.name for t in all_tasks() if t.codec and t.predictor and t.export]
    if not isinstance(task, str) or task not in runnable:
        raise CheckpointError(
            f"{path} is a {task!r} bundle; this runtime runs {' and '.join(runnable)} bundles"
        )
    return get_task(task)


class _RuntimeConfig:
    """The part of a run's configuration a bundle's predictor needs: task and ``[data]``."""

    def __init__(self, task: str, data: Any) -> None:
        self.task = task
        self.data = data


def _check(where: str, task: Any, pre: dict, state: dict, backend: OnnxGraph) -> None:
    """The bundle against its own graph (see :mod:`lstmlab.runtime.checks`), before any text
    is read: a tampered or mixed-up bundle is one line at load."""
    codec = task.part("codec")
    spec = runtime_task(where, codec)
    if spec is None:  # a codec that does not describe its graph: read without the checks
        return
    check_preprocess(where, codec, pre)
    vocabs = check_vocabs(where, spec, state)
    check_graph_inputs(where, task.name, spec, backend.session)
    classes = class_count(spec, pre, vocabs)
    check_crf(where, pre.get("crf"), classes)
    try:
        probe = backend.run(probe_feeds(codec, vocabs))
    except Exception as error:  # ONNX Runtime's own errors: an index out of range, ...
        raise CheckpointError(
            f"{where}: the graph does not run on the bundle's vocabularies (one larger "
            f"than its embedding?): {first_line(error)}"
        ) from None
    check_probe(where, spec, probe, classes)
    for name in embedded_vocabularies(spec, backend.input_names):
        try:
            backend.run(probe_feeds(codec, vocabs, beyond=name))
        except Exception:  # out of the embedding's range, as it must be
            continue
        raise CheckpointError(
            f"{where}: {name}.json has {len(vocabs[name]):,} entries but the graph's "
            "embedding has more (a vocabulary from another bundle?)"
        )


def _data(path: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """The ``[data]`` settings of the bundle's ``config.json``."""
    saved = read_bundle_json(path, manifest, manifest.get("config") or "config.json")
    if not isinstance(saved, dict) or not isinstance(saved.get("data"), dict):
        raise CheckpointError(f"bundle {path}: config.json has no [data] section")
    return dict(saved["data"])
