"""Tampered bundles: every one is refused at load with one line (exit 2), and no bundle
reads a file outside itself.

Each case edits a copy of a tiny exported bundle. With ``checksums=False`` the manifest's
SHA-256 table is dropped first (a bundle exported before it, or one whose manifest was
edited to match), so the checks behind it are exercised too.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import lstmlab
from lstmlab.errors import LstmlabError
from lstmlab.runtime import load_bundle
from lstmlab.runtime.__main__ import main as runtime_main

SECRET = "SECRET-CANARY-7f3a"


def copy_bundle(bundle: Path, where: Path, checksums: bool = True) -> Path:
    out = where / "bundle"
    shutil.copytree(bundle, out)
    (where / "secret.json").write_text(json.dumps({"tokens": [SECRET, SECRET]}))
    if not checksums:
        edit_manifest(out, lambda m: m.pop("files"))
    return out


def edit_manifest(bundle: Path, change: Callable[[dict], object]) -> None:
    manifest = json.loads((bundle / "bundle.json").read_text())
    change(manifest)
    (bundle / "bundle.json").write_text(json.dumps(manifest))


def edit_pre(**values) -> Callable[[Path], None]:
    def change(bundle: Path) -> None:
        edit_manifest(bundle, lambda m: m["preprocess"].update(values))

    return change


def drop_pre(key: str) -> Callable[[Path], None]:
    return lambda bundle: edit_manifest(bundle, lambda m: m["preprocess"].pop(key))


def set_key(key: str, value) -> Callable[[Path], None]:
    return lambda bundle: edit_manifest(bundle, lambda m: m.__setitem__(key, value))


def write(name: str, data: bytes | Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def change(bundle: Path) -> None:
        old = (bundle / name).read_bytes()
        (bundle / name).write_bytes(data(old) if callable(data) else data)

    return change


def bigger_vocab(bundle: Path) -> None:
    vocab = json.loads((bundle / "vocab.json").read_text())
    vocab["tokens"] += [f"extra{i}" for i in range(5000)]
    (bundle / "vocab.json").write_text(json.dumps(vocab))


def smaller(name: str) -> Callable[[Path], None]:
    """``name``.json with its last three entries gone: as another bundle's, smaller one."""

    def change(bundle: Path) -> None:
        vocab = json.loads((bundle / name).read_text())
        vocab["tokens"] = vocab["tokens"][:-3]
        (bundle / name).write_text(json.dumps(vocab))

    return change


def symlink(name: str, target: str) -> Callable[[Path], None]:
    def change(bundle: Path) -> None:
        (bundle / name).unlink()
        os.symlink(target, bundle / name)

    return change


def expect_refused(bundle: Path, match: str) -> LstmlabError:
    with pytest.raises(LstmlabError, match=match) as caught:
        load_bundle(bundle)
    message = str(caught.value)
    assert len(message.splitlines()) == 1 and SECRET not in message
    return caught.value


# (name, change, what the one-line error says); the file cases run without checksums.
SENTIMENT_CASES = [
    ("truncated graph", write("model.onnx", lambda b: b[: len(b) // 2]), "not a readable ONNX"),
    ("garbage graph", write("model.onnx", b"\x00garbage" * 50), "not a readable ONNX"),
    ("empty graph", write("model.onnx", b""), "not a readable ONNX"),
    ("batch_size 0", edit_pre(batch_size=0), "batch_size must be an integer >= 1"),
    ("batch_size abc", edit_pre(batch_size="abc"), "batch_size must be an integer >= 1"),
    ("batch_size -1", edit_pre(batch_size=-1), "batch_size must be an integer >= 1"),
    ("batch_size true", edit_pre(batch_size=True), "batch_size must be an integer >= 1"),
    ("labels []", edit_pre(labels=[]), "labels must list two or more"),
    ("labels repeated", edit_pre(labels=["pos", "pos"]), "labels must list two or more"),
    ("labels not names", edit_pre(labels=[0, 1]), "labels must list two or more"),
    ("three labels", edit_pre(labels=["a", "b", "c"]), "gives 2 scores per text but .* 3 labels"),
    ("unknown tokenizer", edit_pre(tokenizer="evil"), "unknown tokenizer 'evil'"),
    ("no tokenizer", drop_pre("tokenizer"), "unknown tokenizer None"),
    ("max_len -5", edit_pre(max_len=-5), "max_len must be an integer >= 0"),
    ("max_len text", edit_pre(max_len="5"), "max_len must be an integer >= 0"),
    ("truncate evil", edit_pre(truncate="evil"), "truncate must be one of"),
    ("task lm", set_key("task", "lm"), "'lm' bundle; this runtime runs sentiment and pos"),
    ("task evil", set_key("task", "evil"), "'evil' bundle"),
    ("no task", lambda b: edit_manifest(b, lambda m: m.pop("task")), "no valid 'task'"),
    ("no preprocess", lambda b: edit_manifest(b, lambda m: m.pop("preprocess")), "preprocess"),
    ("state not a list", set_key("state", "vocab"), "no valid 'state'"),
    ("no vocabulary", set_key("state", []), "no 'vocab' vocabulary"),
    ("vocab larger than the embedding", bigger_vocab, "larger than its embedding"),
    ("vocab smaller than the embedding", smaller("vocab.json"), "embedding has more"),
    ("vocab not one", write("vocab.json", b'{"tokens": 5}'), "not a vocabulary"),
    ("vocab empty", write("vocab.json", b'{"tokens": []}'), "empty vocabulary"),
    ("vocab nested", write("vocab.json", b"[" * 100_000 + b"]" * 100_000), "corrupt"),
    ("vocab not UTF-8", write("vocab.json", b"\xff\xfe{}"), "corrupt"),
    ("graph torchscript", set_key("graph_format", "torchscript"), "holds no ONNX model"),
    ("manifest a list", write("bundle.json", b"[]"), "not an lstmlab bundle manifest"),
    ("manifest version 2", set_key("version", 2), "bundle version 2"),
    ("files not a table", set_key("files", ["x"]), "no valid 'files'"),
]

ESCAPES = [
    ("state ../../secret", set_key("state", ["../secret"]), "reads only its own files"),
    ("state absolute", set_key("state", ["/tmp/secret"]), "reads only its own files"),
    ("graph ../", set_key("graph", "../secret.json"), "reads only its own files"),
    ("graph absolute", set_key("graph", "/etc/passwd"), "reads only its own files"),
    ("graph in a folder", set_key("graph", "sub/model.onnx"), "reads only its own files"),
    ("graph not a name", set_key("graph", 5), "reads only its own files"),
    ("config ../", set_key("config", "../secret.json"), "reads only its own files"),
    ("weights ../", set_key("weights", "../secret.json"), "reads only its own files"),
    ("vocab a symlink", symlink("vocab.json", "../secret.json"), "symbolic link"),
    ("graph a symlink", symlink("model.onnx", "../secret.json"), "symbolic link"),
    ("manifest a symlink", symlink("bundle.json", "../secret.json"), "symbolic link"),
    (
        "vocab a folder",
        lambda b: ((b / "vocab.json").unlink(), (b / "vocab.json").mkdir()),
        "not a regular",
    ),
    (
        "vocab a FIFO",
        lambda b: ((b / "vocab.json").unlink(), os.mkfifo(b / "vocab.json")),
        "not a regular",
    ),
    ("vocab missing", lambda b: (b / "vocab.json").unlink(), "missing"),
]


@pytest.mark.parametrize(("name", "change", "match"), SENTIMENT_CASES, ids=lambda c: c)
def test_tampered_sentiment_bundle_is_one_line(sentiment_bundle, tmp_path, name, change, match):
    bundle = copy_bundle(sentiment_bundle, tmp_path, checksums=False)
    change(bundle)
    expect_refused(bundle, match)


@pytest.mark.parametrize(("name", "change", "match"), ESCAPES, ids=lambda c: c)
@pytest.mark.parametrize("loader", ["runtime", "torch"])
def test_a_bundle_reads_only_its_own_files(sentiment_bundle, tmp_path, name, change, match, loader):
    bundle = copy_bundle(sentiment_bundle, tmp_path)
    change(bundle)
    load = load_bundle if loader == "runtime" else lstmlab.load
    # lstmlab.load also opens only under the bundle (lstmlab.confine): either refusal will do.
    with pytest.raises(LstmlabError, match=f"{match}|outside the folders") as caught:
        load(bundle)
    assert len(str(caught.value).splitlines()) == 1 and SECRET not in str(caught.value)


POS_CASES = [
    ("no max_word_chars", drop_pre("max_word_chars"), "max_word_chars must be an integer"),
    ("max_word_chars 0", edit_pre(max_word_chars=0), "max_word_chars must be an integer"),
    ("lowercase text", edit_pre(lowercase="yes"), "lowercase must be true or false"),
    ("no tag set", set_key("state", ["vocab", "chars"]), "no 'tags' vocabulary"),
    (
        "a tag more",
        write(
            "tags.json",
            lambda b: json.dumps({"tokens": [*json.loads(b)["tokens"], "EXTRA"]}).encode(),
        ),
        "but the bundle has",
    ),
    ("chars smaller", smaller("chars.json"), "chars.json has .* the graph's embedding has more"),
    ("crf not a table", edit_pre(crf=[1, 2]), "crf must be a table"),
    ("crf too small", edit_pre(crf={"start": [0], "end": [0], "transitions": [[0]]}), "crf.start"),
]


@pytest.mark.parametrize(("name", "change", "match"), POS_CASES, ids=lambda c: c)
def test_tampered_pos_bundle_is_one_line(pos_bundle, tmp_path, name, change, match):
    bundle = copy_bundle(pos_bundle, tmp_path, checksums=False)
    change(bundle)
    expect_refused(bundle, match)


def test_crf_scores_must_be_finite(crf_pos_bundle, tmp_path):
    bundle = copy_bundle(crf_pos_bundle, tmp_path, checksums=False)
    crf = json.loads((bundle / "bundle.json").read_text())["preprocess"]["crf"]
    crf["start"][0] = float("nan")
    edit_pre(crf=crf)(bundle)
    expect_refused(bundle, "crf.start must be")


def test_graphs_of_another_task_are_refused(sentiment_bundle, pos_bundle, tmp_path):
    sentiment = copy_bundle(sentiment_bundle, tmp_path / "s", checksums=False)
    shutil.copy(pos_bundle / "model.onnx", sentiment / "model.onnx")
    expect_refused(sentiment, "needs an input 'chars' that a sentiment bundle does not have")
    pos = copy_bundle(pos_bundle, tmp_path / "p", checksums=False)
    shutil.copy(sentiment_bundle / "model.onnx", pos / "model.onnx")
    expect_refused(pos, "must have one output of rank 3")


@pytest.mark.parametrize(
    ("name", "loaders"),
    [("vocab.json", "runtime torch"), ("model.onnx", "runtime"), ("config.json", "torch")],
)
def test_a_file_swapped_in_from_another_bundle_is_refused(
    sentiment_bundle, pos_bundle, tmp_path, name, loaders
):
    bundle = copy_bundle(sentiment_bundle, tmp_path)
    shutil.copy(pos_bundle / name, bundle / name)
    if "runtime" in loaders:  # the runtime reads no config.json, PyTorch no model.onnx
        expect_refused(bundle, "not the file exported with this bundle")
    if "torch" in loaders:
        with pytest.raises(LstmlabError, match="not the file exported with this bundle"):
            lstmlab.load(bundle)


def test_the_runtime_command_exits_2_on_a_tampered_bundle(sentiment_bundle, tmp_path, capsys):
    bundle = copy_bundle(sentiment_bundle, tmp_path, checksums=False)
    edit_pre(batch_size=-1)(bundle)
    assert runtime_main([str(bundle), "good film"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("lstmlab: error: ") and len(err.splitlines()) == 1


def test_an_intact_bundle_still_loads(sentiment_bundle, tmp_path):
    bundle = copy_bundle(sentiment_bundle, tmp_path)
    assert load_bundle(bundle).predict("wonderful film")["label"] in ("pos", "neg")


def test_onnx_runtime_logs_nothing_raw_to_the_terminal(sentiment_bundle, tmp_path, capfd):
    # ONNX Runtime's C++ logger writes to file descriptor 2 itself, in colour, quoting node
    # names from the graph; only the one lstmlab line may reach the terminal.
    bundle = copy_bundle(sentiment_bundle, tmp_path, checksums=False)
    bigger_vocab(bundle)
    assert runtime_main([str(bundle), "good film"]) == 2
    out, err = capfd.readouterr()
    assert out == "" and "\x1b" not in err and err.count("\n") == 1
    assert "larger than its embedding" in err
