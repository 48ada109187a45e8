"""The corpus builders of issue #20's benchmarks, on tiny archives made here:
benchmarks/trec_lm_corpus.py (Brown + the TREC training questions, never the test ones) and
benchmarks/ner_joint_corpus.py (CoNLL-2002 Spanish and Dutch as one training set)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from archives import write_zip
from lstmlab.data.tagged import read_tagged_file

BENCHMARKS = Path(__file__).parents[2] / "benchmarks"


def run_script(name: str, data: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / name), *args],
        env={**os.environ, "LSTMLAB_DATA": str(data)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_trec_lm_corpus_holds_brown_and_the_training_questions_only(tmp_path) -> None:
    data = tmp_path / "data"
    brown = {f"brown/ca{i:02d}": f"\n\tSentence/nn number/nn {i}/cd ./.\n" for i in range(1, 51)}
    write_zip(data / "nltk" / "brown.zip", {"brown/": "", **brown})
    write_zip(
        data / "nltk" / "qc.zip",
        {
            "qc/train.txt": "HUM:ind Who wrote Hamlet ?\nNUM:date When did it end ?\n",
            "qc/test.txt": "LOC:city What city hosts the secret test question ?\n",
        },
    )
    out = tmp_path / "text"
    printed = run_script("trec_lm_corpus.py", data, "--out", str(out), "--question-copies", "3")
    train = (out / "train.txt").read_text().splitlines()
    valid = (out / "valid.txt").read_text().splitlines()
    assert "train.txt: " in printed and "valid.txt: " in printed
    assert train.count("Who wrote Hamlet ?") == 3 and train.count("When did it end ?") == 3
    assert not any("secret" in line for line in train + valid)  # test questions: never
    sentences = [f"Sentence number {i} ." for i in range(1, 51)]
    assert len(valid) == 1 and sorted(valid + train[:-6]) == sorted(sentences)


def test_trec_lm_corpus_without_brown_holds_out_training_questions(tmp_path) -> None:
    data = tmp_path / "data"
    asked = ["Who wrote Hamlet ?", "When did it end ?", "Where is Rome ?", "What is a cat ?"]
    write_zip(
        data / "nltk" / "qc.zip",
        {
            "qc/train.txt": "".join(f"HUM:ind {q}\n" for q in asked),
            "qc/test.txt": "LOC:city What city hosts the secret test question ?\n",
        },
    )
    out = tmp_path / "text"
    args = ["--out", str(out), "--no-brown", "--valid-fraction", "0.25", "--question-copies", "2"]
    run_script("trec_lm_corpus.py", data, *args)  # no brown.zip: never opened
    train = (out / "train.txt").read_text().splitlines()
    valid = (out / "valid.txt").read_text().splitlines()
    assert len(valid) == 1 and len(train) == 6 and valid[0] not in train
    assert sorted(set(train) | set(valid)) == sorted(asked)
    assert all(train.count(q) == 2 for q in set(train))


def test_ner_joint_corpus_mixes_both_languages_and_keeps_the_test_sets_apart(tmp_path) -> None:
    data = tmp_path / "data"
    members = {}
    for lang, name in (("esp", "Madrid"), ("ned", "Amsterdam")):
        members[f"conll2002/{lang}.train"] = f"{name} NP B-LOC\nes V O\n\nKim NP B-PER\n"
        members[f"conll2002/{lang}.testa"] = f"{name} NP B-LOC\n"
        members[f"conll2002/{lang}.testb"] = f"{lang} NC B-MISC\n"
    members["conll2002/ned.train"] = "-DOCSTART- -DOCSTART- O\n" + members["conll2002/ned.train"]
    write_zip(data / "nltk" / "conll2002.zip", members)
    out = tmp_path / "ner"
    run_script("ner_joint_corpus.py", data, "--out", str(out))
    train = read_tagged_file(out / "train.txt")
    assert sorted(" ".join(s.words) for s in train) == ["Amsterdam es", "Kim", "Kim", "Madrid es"]
    assert [s.words for s in read_tagged_file(out / "valid.txt")] == [["Madrid"], ["Amsterdam"]]
    for lang in ("esp", "ned"):
        (test,) = read_tagged_file(out / f"{lang}.testb.txt")
        assert (test.words, test.tags) == ([lang], ["B-MISC"])
