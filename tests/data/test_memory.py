"""Data in memory: lists, dicts of columns, data frames (data.memory), and seeded subsets."""

import pytest

from lstmlab.data.labelled import LabelledFormat, read_labelled
from lstmlab.data.memory import (
    is_memory_data,
    labelled_from_memory,
    tagged_from_memory,
    write_conll,
    write_jsonl,
)
from lstmlab.data.splits import seeded_subset
from lstmlab.data.tagged import TaggedSentence, read_tagged_file
from lstmlab.errors import DataError


class FakeFrame:
    """What lstmlab reads of a pandas DataFrame: ``columns`` and ``to_dict("list")``."""

    def __init__(self, columns: dict[str, list]):
        self.columns = list(columns)
        self._data = columns

    def to_dict(self, orient: str):
        assert orient == "list"
        return dict(self._data)


def pairs(examples):
    return [(e.text, e.labels) for e in examples]


def test_pairs_dicts_columns_and_frames_give_the_same_examples():
    expected = [("good film", ("pos",)), ("dull", ("neg",)), ("fine", ("3",))]
    as_pairs = [("good film", "pos"), ("dull", "neg"), ("fine", 3)]
    as_dicts = [{"text": t, "label": y, "id": i} for i, (t, y) in enumerate(as_pairs)]
    columns = {"text": [t for t, _ in as_pairs], "label": [y for _, y in as_pairs]}
    for data in (as_pairs, as_dicts, columns, FakeFrame(columns)):
        assert is_memory_data(data)
        assert pairs(labelled_from_memory(data)) == expected
    frame = FakeFrame({"sentence": ["a b"], "y": ["q"]})
    how = LabelledFormat(text_column="sentence", label_column="y")
    assert pairs(labelled_from_memory(frame, how=how)) == [("a b", ("q",))]


def test_multi_label_in_memory():
    how = LabelledFormat(multi_label=True)
    data = [("both", ["a", "b"]), ("one", ("c",)), ("joined", "a,c"), ("none", [])]
    assert pairs(labelled_from_memory(data, how=how)) == [
        ("both", ("a", "b")),
        ("one", ("c",)),
        ("joined", ("a", "c")),
        ("none", ()),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([("ok", "a"), ("", "b")], r"^train\[1\]: the text is empty"),
        ([("ok", "a"), ("x", "")], r"^train\[1\]: the label is empty"),
        ([("ok", "a"), ("x",)], r"^train\[1\]: expected a \(text, label\) pair"),
        ([(5, "a")], r"^train\[0\]: the text must be a string"),
        ([("x", ["a", "b"])], r"^train\[0\]: a list of labels .*multi_label"),
        ([{"text": "x"}], r"^train\[0\]: has no 'label'"),
        ({"text": ["a"], "labels": ["b"]}, r"^train: has no column 'label'"),
        ({"text": ["a", "b"], "label": ["b"]}, r"^train: 2 texts but 1 labels"),
        ([], r"^train: holds no labelled examples"),
        (42, r"^train: expected a list"),
    ],
)
def test_bad_examples_are_named(data, message):
    with pytest.raises(DataError, match=message):
        labelled_from_memory(data)


def test_tagged_sentences_in_memory_and_their_errors():
    data = [(["The", "cat"], ["B-NP", "I-NP"]), (("sat",), ("B-VP",))]
    assert tagged_from_memory(data) == [
        TaggedSentence(["The", "cat"], ["B-NP", "I-NP"]),
        TaggedSentence(["sat"], ["B-VP"]),
    ]
    bad = {
        r"test\[0\]: 2 tokens but 1 tags": [(["a", "b"], ["O"])],
        r"test\[0\]: a sentence needs at least one token": [([], [])],
        r"test\[0\]: every token must be a non-empty string": [(["a b"], ["O"])],
        r"test\[0\]: every tag must be": [(["a"], [None])],
        r"test\[0\]: expected a \(tokens, tags\) pair": [["a"]],
        r"test: holds no sentences": [],
    }
    for message, data in bad.items():
        with pytest.raises(DataError, match=message):
            tagged_from_memory(data, "test")


def test_written_files_read_back_to_the_same_examples(tmp_path):
    data = [('say "hi", then\nleave', "a"), ("é\ttab", "b")]
    examples = labelled_from_memory(data)
    assert pairs(read_labelled(write_jsonl(examples, tmp_path / "t.jsonl"))) == pairs(examples)
    how = LabelledFormat(multi_label=True)
    multi = labelled_from_memory([("x", ["a,b"]), ("y", [])], how=how)  # a label with a comma
    back = read_labelled(write_jsonl(multi, tmp_path / "m.jsonl", multi_label=True), how)
    assert pairs(back) == [("x", ("a,b",)), ("y", ())]
    sentences = tagged_from_memory([(["A", "b"], ["B-X", "O"]), (["c"], ["O"])])
    assert read_tagged_file(write_conll(sentences, tmp_path / "s.txt")) == sentences


def test_seeded_subsets():
    assert seeded_subset(10, 0, seed=1) == list(range(10))
    assert seeded_subset(10, 20, seed=1) == list(range(10))
    subset = seeded_subset(1000, 50, seed=3)
    assert len(set(subset)) == 50 and subset == sorted(subset)
    assert subset == seeded_subset(1000, 50, seed=3) != seeded_subset(1000, 50, seed=4)
    with pytest.raises(ValueError):
        seeded_subset(5, -1, seed=0)


def test_saved_memory_splits_are_named_by_content_and_read_back(tmp_path):
    from lstmlab.data.memory import save_labelled_memory, save_tagged_memory

    path, pairs = save_labelled_memory("train", [("a b", "x"), ("c", ["y", "z"])], tmp_path)
    assert pairs and path.name.startswith("train-") and path.suffix == ".jsonl"
    how = LabelledFormat(multi_label=True)
    assert [(e.text, e.labels) for e in read_labelled(path, how)] == [
        ("a b", ("x",)),
        ("c", ("y", "z")),
    ]
    again, _ = save_labelled_memory("train", [("a b", "x"), ("c", ["y", "z"])], tmp_path)
    other, _ = save_labelled_memory("train", [("a b", "x")], tmp_path)
    assert again == path != other
    frame = FakeFrame({"sentence": ["hi"], "y": ["q"]})
    framed, pairs = save_labelled_memory("valid", frame, tmp_path)
    assert not pairs
    columns = LabelledFormat(text_column="sentence", label_column="y")
    assert [(e.text, e.label) for e in read_labelled(framed, columns)] == [("hi", "q")]
    tagged = save_tagged_memory("test", [(["A", "b"], ["B-X", "O"])], tmp_path)
    assert read_tagged_file(tagged) == [TaggedSentence(["A", "b"], ["B-X", "O"])]
    with pytest.raises(DataError, match=r"train\[0\]: expected a \(text, label\) pair"):
        save_labelled_memory("train", [("only",)], tmp_path)
