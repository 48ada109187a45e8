"""The tagger task: any CoNLL-style file, span F1 as conlleval, a constrained CRF, spans."""

from __future__ import annotations

import json
import random

import pytest

import lstmlab
from archives import write_zip
from lstmlab.errors import ConfigError
from lstmlab.tasks import get_task
from lstmlab.training.spans import is_valid

PEOPLE = [["Kim", "Sang"], ["Ada"], ["Lea", "van", "Dam"]]
PLACES = [["Amsterdam"], ["New", "York"], ["Gent"]]
FILLER = ["we", "met", "in", "and", "then", "saw", "near", "today", "with", "."]

TINY = {
    "train.epochs": 8,
    "train.lr": 0.02,
    "train.batch_size": 8,
    "train.threads": 1,
    "model.word_dim": 16,
    "model.hidden_size": 16,
    "model.char_encoder": "none",
    "model.dropout": 0.0,
}


def sentences(n: int, seed: int) -> list[tuple[list[str], list[str]]]:
    """Filler words around one or two names (PER) and places (LOC), tagged IOB2."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        words, tags = [], []
        for _ in range(rng.randint(1, 3)):
            words += (filler := rng.choices(FILLER, k=rng.randint(1, 3)))
            tags += ["O"] * len(filler)
            kind, names = rng.choice([("PER", PEOPLE), ("LOC", PLACES)])
            name = rng.choice(names)
            words += name
            tags += [f"B-{kind}"] + [f"I-{kind}"] * (len(name) - 1)
        rows.append((words, tags))
    return rows


def write_conll(path, rows):
    # Three columns, the tags last, as CoNLL NER files have them.
    path.write_text(
        "".join(
            "".join(f"{w} X {t}\n" for w, t in zip(ws, ts, strict=True)) + "\n" for ws, ts in rows
        )
    )
    return path


def test_span_f1_of_a_constrained_crf_from_files(tmp_path):
    train = write_conll(tmp_path / "train.txt", sentences(150, 1))
    test = write_conll(tmp_path / "test.txt", sentences(40, 2))
    result = lstmlab.train(
        "tagger",
        out=tmp_path / "run",
        **{
            **TINY,
            "data.train_file": str(train),
            "data.test_file": str(test),
            "model.use_crf": True,
        },
    )
    assert result["scheme"] == "iob2"
    assert result["spans"]["f1"] >= 0.95
    assert set(result["spans"]["per_type"]) == {"PER", "LOC"}
    history = result.history
    assert "val_span_f1" in history[-1]
    # A CRF's training accuracy would be the emissions' argmax, not its prediction: absent.
    assert "train_acc" not in history[-1] and "val_acc" in history[-1]
    tagger = lstmlab.load(tmp_path / "run")
    assert tagger.model.crf.constrained
    found = tagger.spans("we met Kim Sang in Amsterdam .")
    assert [(s["type"], s["text"], s["char_start"], s["char_end"]) for s in found] == [
        ("PER", "Kim Sang", 7, 15),
        ("LOC", "Amsterdam", 19, 28),
    ]
    for words, _ in sentences(30, 3):
        assert is_valid([t for _, t in tagger.tag(words)], "iob2")


def test_in_memory_sentences_equal_the_same_file(tmp_path):
    rows, held_out = sentences(60, 4), sentences(20, 5)
    settings = {**TINY, "train.epochs": 2}
    from_memory = lstmlab.train(
        "tagger", out=tmp_path / "memory", train=rows, test=held_out, **settings
    )
    train = write_conll(tmp_path / "train.txt", rows)
    test = write_conll(tmp_path / "test.txt", held_out)
    from_files = lstmlab.train(
        "tagger",
        out=tmp_path / "files",
        **settings,
        **{"data.train_file": str(train), "data.test_file": str(test)},
    )
    assert from_memory["spans"] == from_files["spans"]
    assert from_memory["test_loss"] == pytest.approx(from_files["test_loss"], rel=1e-6)


def test_tag_command_prints_spans_and_json_offsets(tmp_path, capsys):
    from lstmlab.cli.main import main

    train = write_conll(tmp_path / "train.txt", sentences(100, 6))
    lstmlab.train("tagger", out=tmp_path / "run", **{**TINY, "data.train_file": str(train)})
    capsys.readouterr()
    assert main(["tag", str(tmp_path / "run"), "--json", "we met Ada in Gent ."]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["tags"] == ["O", "O", "B-PER", "O", "B-LOC", "O"]
    assert record["spans"] == [
        {"type": "PER", "start": 2, "end": 3, "text": "Ada", "char_start": 7, "char_end": 10},
        {"type": "LOC", "start": 4, "end": 5, "text": "Gent", "char_start": 14, "char_end": 18},
    ]
    assert main(["tag", str(tmp_path / "run"), "we met Ada in Gent ."]) == 0
    assert capsys.readouterr().out.rstrip("\n").endswith("[PER Ada]  [LOC Gent]")


def test_export_and_runtime_equal_pytorch_with_the_constraints(tmp_path):
    from lstmlab.export import export_run
    from lstmlab.runtime import load_bundle

    rows = sentences(60, 7)
    lstmlab.train(
        "tagger",
        out=tmp_path / "run",
        train=rows,
        **{**TINY, "train.epochs": 1, "model.use_crf": True},
    )
    export_run(tmp_path / "run", tmp_path / "bundle", say=lambda *_: None)
    trained, bundle = lstmlab.load(tmp_path / "run"), load_bundle(tmp_path / "bundle")
    queries = [words for words, _ in sentences(25, 8)]
    assert bundle.tag(queries) == trained.tag(queries)
    assert bundle.spans("we met Ada in Gent .") == trained.spans("we met Ada in Gent .")
    for pairs in bundle.tag(queries):  # one epoch: only the constraints keep these valid
        assert is_valid([t for _, t in pairs], "iob2")


def test_gold_tags_never_seen_in_training_are_scored_as_missed_spans(tmp_path):
    # CoNLL-2000's I-PRT may fall only in the held-out part: the run must not refuse it.
    rows = sentences(80, 6)
    held_out = sentences(20, 7)
    held_out.append((["we", "met", "Acme", "Corp", "."], ["O", "O", "B-ORG", "I-ORG", "O"]))
    result = lstmlab.train(
        "tagger", out=tmp_path / "run", train=rows, test=held_out, **{**TINY, "model.use_crf": True}
    )
    spans = result["spans"]
    assert spans["per_type"]["ORG"]["gold"] == 1  # its name read, its span counted ...
    assert spans["per_type"]["ORG"]["recall"] == 0.0  # ... and missed: the model cannot say it
    assert spans["gold"] == spans["per_type"]["PER"]["gold"] + spans["per_type"]["LOC"]["gold"] + 1
    assert result["unseen_tag_tokens"] == 2
    assert result["token_accuracy"] < 1.0


def conll2002_root(tmp_path):
    """A data root whose conll2002.zip has a few Spanish and Dutch sentences per split."""
    root = tmp_path / "data"
    members = {}
    for lang, (n_train, n_valid, n_test) in (("esp", (5, 2, 3)), ("ned", (7, 4, 6))):
        for split, n in (("train", n_train), ("testa", n_valid), ("testb", n_test)):
            rows = sentences(n, seed=len(members))
            members[f"conll2002/{lang}.{split}"] = "\n".join(
                "".join(f"{w} {lang.upper()} {t}\n" for w, t in zip(words, tags, strict=True))
                for words, tags in rows
            )
    write_zip(root / "nltk" / "conll2002.zip", members)
    return root


def prepare_conll2002(root, *settings):
    spec = get_task("tagger")
    overrides = ["data.corpus=conll2002", "data.language=esp", *settings]
    config = spec.resolve_config(None, overrides)
    return spec.trainer().prepare(config, str(root))


def test_extra_languages_join_the_training_sentences_only(tmp_path):
    root = conll2002_root(tmp_path)
    alone = prepare_conll2002(root)
    both = prepare_conll2002(root, 'data.extra_languages=["ned"]')
    assert len(alone.train) == 5 and len(both.train) == 5 + 7
    assert (len(both.val), len(both.test)) == (len(alone.val), len(alone.test)) == (2, 3)
    assert both.info["with the training sentences of"] == "ned"
    # The model card names the training data actually used.
    spec = get_task("tagger")
    config = spec.resolve_config(None, ["data.corpus=conll2002", 'data.extra_languages=["ned"]'])
    described = spec.exporter().describe_data(config)
    assert described.startswith("CoNLL-2002 named entities, Spanish (train + Dutch train;")
    # The POS column as an input: the values of both languages are in its vocabulary.
    featured = prepare_conll2002(root, 'data.extra_languages=["ned"]', "data.feature_columns=[1]")
    assert {"ESP", "NED"} <= set(featured.vocabs["feature1"]["tokens"])


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (['data.extra_languages=["deu"]'], "must list CoNLL-2002 languages: esp, ned"),
        (['data.extra_languages=["esp"]'], "names data.language or a language twice"),
        (['data.extra_languages=["ned", "ned"]'], "names data.language or a language twice"),
        (["data.corpus=conll2000", 'data.extra_languages=["ned"]'], "needs data.corpus"),
    ],
)
def test_extra_languages_are_checked(settings, message):
    with pytest.raises(ConfigError, match=message):
        get_task("tagger").resolve_config(
            None, ["data.corpus=conll2002", "data.language=esp", *settings]
        )
