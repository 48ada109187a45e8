"""Random manifests and vocabularies: a bundle either loads and answers, or is refused with
one lstmlab error line; nothing else escapes (no ONNX Runtime or numpy traceback)."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstmlab.errors import LstmlabError
from lstmlab.runtime import load_bundle

FAST = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**66), 2**66)
    | st.floats(allow_subnormal=False)
    | st.text(max_size=8)
    | st.sampled_from(["basic", "head", "tail", "pos", "neg", "vocab", "tags", "model.onnx"])
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=10,
)
MANIFEST_KEYS = ["task", "graph_format", "graph", "state", "inputs", "outputs", "files"]
PRE_KEYS = [
    "tokenizer",
    "max_len",
    "truncate",
    "labels",
    "batch_size",
    "lowercase",
    "max_word_chars",
    "crf",
]
changes = st.lists(
    st.tuples(
        st.sampled_from(["manifest", "preprocess", "drop"]),
        st.sampled_from(MANIFEST_KEYS + PRE_KEYS),
        values,
    ),
    min_size=1,
    max_size=3,
)


def tampered(bundle: Path, where: Path, edits) -> Path:
    out = Path(tempfile.mkdtemp(dir=where)) / "bundle"
    shutil.copytree(bundle, out)
    manifest = json.loads((out / "bundle.json").read_text())
    manifest.pop("files")  # so the checks behind the checksums are reached
    for place, key, value in edits:
        if place == "drop":
            manifest.pop(key, None)
            manifest["preprocess"].pop(key, None)
        elif place == "manifest" or not isinstance(manifest.get("preprocess"), dict):
            manifest[key] = value
        else:
            manifest["preprocess"][key] = value
    (out / "bundle.json").write_text(json.dumps(manifest))
    return out


def use(bundle: Path) -> None:
    try:
        loaded = load_bundle(bundle)
    except LstmlabError as error:
        assert len(str(error).splitlines()) == 1
        return
    try:
        if loaded.task == "sentiment":
            assert len(loaded.predict(["good film", "bad", "x " * 50])) == 3
        else:
            assert len(loaded.tag([["The", "cat"], ["A", "x" * 40, "1999"]])) == 2
    except LstmlabError as error:
        assert len(str(error).splitlines()) == 1


@pytest.mark.parametrize("which", ["sentiment_bundle", "pos_bundle", "crf_pos_bundle"])
@FAST
@given(edits=changes)
def test_random_manifest_edits(request, tmp_path, which, edits):
    use(tampered(request.getfixturevalue(which), tmp_path, edits))


@pytest.mark.parametrize("which", ["sentiment_bundle", "pos_bundle"])
@FAST
@given(name=st.sampled_from(["vocab", "chars", "tags"]), content=values)
def test_random_vocabularies(request, tmp_path, which, name, content):
    bundle = tampered(request.getfixturevalue(which), tmp_path, [])
    (bundle / f"{name}.json").write_text(json.dumps(content))
    use(bundle)
