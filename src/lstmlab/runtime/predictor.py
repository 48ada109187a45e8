"""An exported bundle's model run by ONNX Runtime, with numpy pre- and post-processing.

The same steps as the PyTorch path (``lstmlab predict``/``tag``): the run's tokenizer and
vocabularies, its truncation, batches of similar lengths (sorted, as the evaluation does),
softmax or per-token argmax / CRF Viterbi decoding. Imports no torch.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from lstmlab.data.tokenize import get_tokenizer, sentence_batch
from lstmlab.data.truncation import truncate
from lstmlab.errors import CheckpointError, ConfigError, DataError
from lstmlab.models.features import casing_class
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
from lstmlab.runtime.manifest import read_bundle_file, read_manifest, read_state


def load_bundle(path: str | Path, threads: int = 0) -> OnnxBundle:
    """The ONNX model of the bundle folder ``path`` (``threads``: 0 = ONNX Runtime's default)."""
    return OnnxBundle(path, threads=threads)


class OnnxBundle:
    """A bundle's ONNX model: ``predict`` for sentiment bundles, ``tag`` for POS bundles."""

    def __init__(self, path: str | Path, threads: int = 0) -> None:
        self.path = Path(path)
        self.manifest = read_manifest(self.path)
        self.task: str = self.manifest["task"]
        self.pre: dict[str, Any] = self.manifest["preprocess"]
        where = str(self.path)
        spec = runtime_task(where, self.task)
        graph = self.manifest.get("graph")
        if self.manifest.get("graph_format") != "onnx" or not graph:
            raise ConfigError(
                f"{self.path} holds no ONNX model (it was exported with --format "
                f"{self.manifest.get('graph_format')}); export it with --format onnx"
            )
        check_preprocess(where, self.task, self.pre)
        self.vocabs = check_vocabs(where, spec, read_state(self.path, self.manifest))
        self.session = _session(
            self.path, read_bundle_file(self.path, self.manifest, graph), threads
        )
        check_graph_inputs(where, self.task, spec, self.session)
        self.input_names = {item.name for item in self.session.get_inputs()}
        classes = class_count(spec, self.pre, self.vocabs)
        check_crf(where, self.pre.get("crf"), classes)
        try:
            probe = self._run(probe_feeds(self.task, self.vocabs))
        except Exception as error:  # ONNX Runtime's own errors: an index out of range, ...
            raise CheckpointError(
                f"{where}: the graph does not run on the bundle's vocabularies (one larger "
                f"than its embedding?): {first_line(error)}"
            ) from None
        check_probe(where, spec, probe, classes)
        for name in embedded_vocabularies(self.task, self.input_names):
            try:
                self._run(probe_feeds(self.task, self.vocabs, beyond=name))
            except Exception:  # out of the embedding's range, as it must be
                continue
            raise CheckpointError(
                f"{where}: {name}.json has {len(self.vocabs[name]):,} entries but the graph's "
                "embedding has more (a vocabulary from another bundle?)"
            )
        self.batch_size = int(self.pre.get("batch_size", 256))

    def __repr__(self) -> str:
        return f"OnnxBundle({str(self.path)!r}, task={self.task!r})"

    def _require(self, task: str, method: str) -> None:
        if self.task != task:
            raise ConfigError(f"this is a {self.task} bundle; {method}() needs a {task} one")

    def _run(self, feeds: dict[str, np.ndarray]) -> np.ndarray:
        """The graph's one output for a padded batch (inputs the graph does not take dropped)."""
        return self.session.run(None, {k: v for k, v in feeds.items() if k in self.input_names})[0]

    # ------------------------------------------------------------------ sentiment
    def encode_review(self, text: str) -> list[int]:
        """Token ids of a review, truncated as in training (an empty one is ``<unk>``)."""
        vocab = self.vocabs["vocab"]
        ids = vocab.encode(get_tokenizer(self.pre["tokenizer"])(text)) or [vocab.unk_index]
        return truncate(ids, self.pre.get("max_len") or None, self.pre.get("truncate", "head"))

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Class probabilities [N, C] of each review (float32 softmax of the logits)."""
        self._require("sentiment", "probabilities")
        encoded = [self.encode_review(text) for text in texts]
        out = np.zeros((len(texts), len(self.pre["labels"])), dtype=np.float32)
        for order in _batches([len(ids) for ids in encoded], self.batch_size):
            ids, lengths = _pad([encoded[i] for i in order])
            out[order] = _softmax(self._run({"ids": ids, "lengths": lengths}))
        return out

    def predict(self, texts: str | list[str]) -> Any:
        """Label and probability of one review (a dict) or of each review in a list."""
        self._require("sentiment", "predict")
        batch = [texts] if isinstance(texts, str) else list(texts)
        probabilities = self.probabilities(batch)
        labels = self.pre["labels"]
        results = [
            {
                "text": text,
                "label": labels[int(row.argmax())],
                "probability": float(row.max()),
                "p_pos": float(row[-1]),
            }
            for text, row in zip(batch, probabilities, strict=True)
        ]
        return results[0] if isinstance(texts, str) else results

    # ------------------------------------------------------------------ tagging
    def emissions(self, sentences: list[list[str]]) -> list[np.ndarray]:
        """Tag scores [T_i, K] of each tokenised sentence."""
        self._require("pos", "emissions")
        if any(not words for words in sentences):
            raise DataError("cannot tag an empty sentence")
        out: list[np.ndarray] = [np.empty(0)] * len(sentences)
        for order in _batches([len(words) for words in sentences], self.batch_size):
            feeds = self._tagger_batch([sentences[i] for i in order])
            scores = self._run(feeds)
            for row, index in enumerate(order):
                out[index] = scores[row, : len(sentences[index])]
        return out

    def tag(self, sentences: str | list[str] | list[list[str]]) -> Any:
        """(word, tag) pairs of one sentence, or a list of them for a list of sentences.

        The same shapes as ``lstmlab.load(run).tag``: a string is split into words.
        """
        self._require("pos", "tag")
        words, one = sentence_batch(sentences)
        tagged = self.tag_words(words)
        return tagged[0] if one else tagged

    def tag_words(self, sentences: list[list[str]]) -> list[list[tuple[str, str]]]:
        """(word, tag) pairs of each sentence given as a list of words."""
        tags = self.vocabs["tags"].tokens
        return [
            [(w, tags[t]) for w, t in zip(s, self._decode(e), strict=True)]
            for s, e in zip(sentences, self.emissions(sentences), strict=True)
        ]

    def _tagger_batch(self, sentences: list[list[str]]) -> dict[str, np.ndarray]:
        """ids [B, T], lengths [B], chars [B, T, C], casing [B, T]: as the trainer's collate."""
        vocab, chars = self.vocabs["vocab"], self.vocabs["chars"]
        lower, cut = self.pre.get("lowercase", True), int(self.pre["max_word_chars"])
        ids, lengths = _pad([vocab.encode(w.lower() if lower else w for w in s) for s in sentences])
        width = min(cut, max(len(w) for s in sentences for w in s))
        char_ids = np.zeros((*ids.shape, max(width, 1)), dtype=np.int64)
        casing = np.zeros(ids.shape, dtype=np.int64)
        for b, words in enumerate(sentences):
            for t, word in enumerate(words):
                encoded = chars.encode(word[:cut])
                char_ids[b, t, : len(encoded)] = encoded
                casing[b, t] = casing_class(word)
        return {"ids": ids, "lengths": lengths, "chars": char_ids, "casing": casing}

    def _decode(self, emissions: np.ndarray) -> list[int]:
        """Tag ids of one sentence's [T, K] scores: argmax, or the CRF's Viterbi path."""
        crf = self.pre.get("crf")
        if not crf:
            return emissions.argmax(axis=1).tolist()
        return viterbi(
            emissions,
            np.asarray(crf["start"], dtype=np.float32),
            np.asarray(crf["transitions"], dtype=np.float32),
            np.asarray(crf["end"], dtype=np.float32),
        )


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


def viterbi(
    emissions: np.ndarray, start: np.ndarray, transitions: np.ndarray, end: np.ndarray
) -> list[int]:
    """Best tag path of [T, K] scores under a linear-chain CRF (transitions [K, K]: from, to)."""
    best = start + emissions[0]  # [K]
    pointers = []
    for t in range(1, len(emissions)):
        scores = best[:, None] + transitions + emissions[t][None, :]  # [from, to]
        pointers.append(scores.argmax(axis=0))
        best = scores.max(axis=0)
    tag = int((best + end).argmax())
    path = [tag]
    for came_from in reversed(pointers):
        tag = int(came_from[tag])
        path.append(tag)
    return path[::-1]


def _batches(lengths: list[int], batch_size: int) -> Iterator[list[int]]:
    """Indices sorted by (length, index), in chunks: the evaluation's batches."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]


def _pad(sequences: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Right-padded ids [B, T_max] (pad 0) and lengths [B], int64."""
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    ids = np.zeros((len(sequences), int(lengths.max())), dtype=np.int64)
    for row, sequence in enumerate(sequences):
        ids[row, : len(sequence)] = sequence
    return ids, lengths


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)
