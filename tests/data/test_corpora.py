"""TREC question classification and CoNLL-2002 NER (data.trec, data.tagged.read_conll2002)."""

import pytest

from archives import write_zip
from lstmlab.data.registry import locate
from lstmlab.data.tagged import TaggedSentence, read_conll2002
from lstmlab.data.trec import COARSE_CLASSES, SIZES, read_trec
from lstmlab.errors import DataError

LATIN1_TRAIN = "NUM:date When was Dvo\xf8\xe1k born ?\nLOC:other Where is it ?\n"


def test_trec_coarse_and_fine_labels_from_latin1(tmp_path):
    qc = write_zip(
        tmp_path / "qc.zip",
        {
            "qc/train.txt": LATIN1_TRAIN.encode("latin-1"),
            "qc/test.txt": b"HUM:ind Who ?\n",
        },
    )
    train = read_trec(qc, "train")
    assert [(q.text, q.label, q.where) for q in train] == [
        ("When was Dvo\xf8\xe1k born ?", "NUM", f"{qc}:qc/train.txt:1"),
        ("Where is it ?", "LOC", f"{qc}:qc/train.txt:2"),
    ]
    assert [q.label for q in read_trec(qc, "train", labels="fine")] == ["NUM:date", "LOC:other"]
    assert [q.label for q in read_trec(qc, "test")] == ["HUM"]


@pytest.mark.parametrize("line", [b"NUM When ?", b"XYZ:abc Why ?", b"NUM:date"])
def test_trec_malformed_line_names_member_and_line(tmp_path, line):
    qc = write_zip(tmp_path / "qc.zip", {"qc/train.txt": b"NUM:date When ?\n" + line + b"\n"})
    with pytest.raises(DataError, match=r"qc\.zip:qc/train\.txt:2: expected 'COARSE:fine"):
        read_trec(qc, "train")
    with pytest.raises(DataError, match=r"has no member qc/test\.txt"):
        read_trec(qc, "test")


def test_conll2002_splits_columns_and_docstart(tmp_path):
    text = b"-DOCSTART- -DOCSTART- O\nDe Art O\nKim N B-PER\nSang N I-PER\n\nAmsterdam N B-LOC\n"
    zipped = write_zip(
        tmp_path / "conll2002.zip",
        {
            "conll2002/ned.train": text,
            "conll2002/ned.testa": b"Ja Int O\n",
            "conll2002/esp.testb": b"Madrid NC B-LOC\n",
        },
    )
    assert read_conll2002(zipped, "ned", "train") == [
        TaggedSentence(["De", "Kim", "Sang"], ["O", "B-PER", "I-PER"]),
        TaggedSentence(["Amsterdam"], ["B-LOC"]),
    ]
    assert read_conll2002(zipped, "ned", "train", column=1)[0].tags == ["Art", "N", "N"]
    assert read_conll2002(zipped, "ned", "validation")[0].words == ["Ja"]
    assert read_conll2002(zipped, "esp", "test")[0].tags == ["B-LOC"]
    bad = write_zip(tmp_path / "bad.zip", {"conll2002/esp.train": b"word X O\nlonely O\n"})
    with pytest.raises(DataError, match=r"bad\.zip:conll2002/esp\.train:2: expected at least 3"):
        read_conll2002(bad, "esp", "train")


@pytest.mark.realdata
def test_real_trec_sizes_and_classes(real_data_root):
    qc = locate("trec", real_data_root)
    for split, size in SIZES.items():
        assert len(read_trec(qc, split)) == size
    train = read_trec(qc, "train")
    assert {q.label for q in train} == set(COARSE_CLASSES)
    assert len({q.label for q in read_trec(qc, "train", labels="fine")}) == 50


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("language", "split", "sentences"),
    [("esp", "train", 8_323), ("esp", "test", 1_517), ("ned", "validation", 2_895)],
)
def test_real_conll2002_sizes_and_tags(real_data_root, language, split, sentences):
    data = read_conll2002(locate("conll2002", real_data_root), language, split)
    assert len(data) == sentences
    tags = {tag for s in data for tag in s.tags}
    assert tags == {"O"} | {f"{p}-{t}" for p in "BI" for t in ("PER", "LOC", "ORG", "MISC")}
