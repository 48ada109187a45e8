"""Labelled texts for classification: CSV, TSV, JSON lines, label<TAB>text (data.labelled)."""

import csv
import gzip
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmlab.data.labelled import (
    MAX_FIELD_CHARS,
    LabelledFormat,
    LabelledText,
    check_known_labels,
    detect_format,
    label_counts,
    label_names,
    read_labelled,
)
from lstmlab.errors import DataError


def write(path, text: str, gz: bool = False, bom: bool = False):
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def pairs(examples):
    return [(e.text, e.labels) for e in examples]


@pytest.mark.parametrize("gz", [False, True])
def test_csv_with_quotes_newlines_bom_and_crlf(tmp_path, gz):
    text = 'id,text,label\r\n1,"Hello, ""world""\r\nsecond line",pos\r\n\r\n2,plain,neg\r\n'
    path = write(tmp_path / ("a.csv.gz" if gz else "a.csv"), text, gz=gz, bom=True)
    examples = read_labelled(path)
    assert pairs(examples) == [('Hello, "world"\nsecond line', ("pos",)), ("plain", ("neg",))]
    assert [e.where for e in examples] == [f"{path}:2", f"{path}:5"]  # where each starts


def test_tsv_jsonl_and_label_text_and_their_detection(tmp_path):
    tsv = write(tmp_path / "a.tsv", "label\ttext\nB\tsecond one\n")
    label_text = write(tmp_path / "b.tsv", "pos\tgreat film\nneg\tbad\n")
    jsonl = write(
        tmp_path / "c.txt", '{"text": "x y", "label": 3}\n\n{"text": "z", "label": "A"}\n'
    )
    plain = write(tmp_path / "d.txt", "pos\tgreat film\n")
    csv_txt = write(tmp_path / "e.txt", "text,label\nok,Q\n")
    assert [detect_format(p) for p in (tsv, label_text, jsonl, plain, csv_txt)] == [
        "tsv",
        "label_text",
        "jsonl",
        "label_text",
        "csv",
    ]
    assert pairs(read_labelled(tsv)) == [("second one", ("B",))]
    assert pairs(read_labelled(label_text)) == [("great film", ("pos",)), ("bad", ("neg",))]
    assert pairs(read_labelled(jsonl)) == [("x y", ("3",)), ("z", ("A",))]
    assert pairs(read_labelled(csv_txt)) == [("ok", ("Q",))]


def test_other_column_names(tmp_path):
    path = write(tmp_path / "a.csv", "sentence,category,x\nhi,greet,1\n")
    how = LabelledFormat(text_column="sentence", label_column="category")
    assert pairs(read_labelled(path, how)) == [("hi", ("greet",))]
    jsonl = write(tmp_path / "a.jsonl", '{"sentence": "hi", "category": "greet"}\n')
    assert pairs(read_labelled(jsonl, how)) == [("hi", ("greet",))]


def test_multi_label_by_delimiter_and_json_list(tmp_path):
    how = LabelledFormat(multi_label=True, label_delimiter="|")
    path = write(tmp_path / "a.tsv.gz", "text\tlabel\nboth\tA|B|A\nnone\t\n", gz=True)
    assert pairs(read_labelled(path, how)) == [("both", ("A", "B")), ("none", ())]
    jsonl = write(tmp_path / "b.jsonl", '{"text": "t", "label": ["x", "y"]}\n')
    assert pairs(read_labelled(jsonl, how)) == [("t", ("x", "y"))]
    listed = write(tmp_path / "c.csv", 'text,label\nt,"[""x"", ""y""]"\n')
    assert pairs(read_labelled(listed, how)) == [("t", ("x", "y"))]
    with pytest.raises(DataError, match=r"b\.jsonl:1: a list of labels .* data\.multi_label=true"):
        read_labelled(jsonl)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "a.csv",
            "text,label\nx,pos,extra\n",
            r"a\.csv:2: expected 2 fields as in the header, found 3",
        ),
        (
            "b.csv",
            'text,label\nok,pos\n"open,pos\nmore,neg\n',
            r"b\.csv:3: .*quote .* never closed",
        ),
        ("c.csv", "text,lab\nx,pos\n", r"c\.csv:1: .*no column 'label'.*--label-column"),
        ("d.jsonl", '{"text": "x", "label": "a"}\n{"text": "x"\n', r"d\.jsonl:2: not valid JSON"),
        ("e.jsonl", '{"text": "x"}\n', r"e\.jsonl:1: the object has no key 'label'"),
        ("f.jsonl", "[1, 2]\n", r"f\.jsonl:1: expected a JSON object"),
        ("g.jsonl", '{"text": 5, "label": "a"}\n', r"g\.jsonl:1: 'text' must be a string"),
        ("h.tsv", "pos\tfine\nneg no tab\n", r"h\.tsv:2: expected 'label<TAB>text'"),
        ("i.tsv", "pos\tfine\n\t text\n", r"i\.tsv:2: the label is empty"),
        ("j.tsv", "pos\t   \n", r"j\.tsv:1: the text is empty"),
        ("k.txt", "just words\n", r"k\.txt:1: cannot tell the format"),
        ("l.csv", "", r"l\.csv: holds no labelled examples"),
        ("m.csv", "text,label\n\n", r"m\.csv: holds no labelled examples"),
        ("n.jsonl", '{"text": "x", "label": null}\n', r"n\.jsonl:1: a label must be a string"),
    ],
)
def test_errors_name_file_and_line(tmp_path, name, content, message):
    path = write(tmp_path / name, content)
    with pytest.raises(DataError, match=message) as caught:
        read_labelled(path)
    assert len(str(caught.value).splitlines()) == 1


def test_dev_zero_and_huge_fields_are_one_line_errors(tmp_path):
    for fmt in ("auto", "csv", "jsonl", "label_text"):
        with pytest.raises(DataError, match=r"/dev/zero:1: a line longer than") as caught:
            read_labelled("/dev/zero", LabelledFormat(format=fmt))
        assert len(str(caught.value)) < 200
    # An unclosed quote with a huge rest of the file stops at the field limit.
    huge = write(tmp_path / "huge.csv", 'text,label\n"' + ("word\n" * (MAX_FIELD_CHARS // 4)))
    with pytest.raises(DataError, match=r"huge\.csv:2: not valid CSV \(field larger than"):
        read_labelled(huge)


def test_labels_never_seen_in_training_name_file_line_and_label(tmp_path):
    test = write(tmp_path / "test.csv", "text,label\na,pos\nb,neutral\n")
    examples = read_labelled(test)
    with pytest.raises(DataError, match=r"test\.csv:3: label 'neutral' was never seen in training"):
        check_known_labels(examples, ["neg", "pos"])
    check_known_labels(examples, ["neg", "pos", "neutral"])


def test_label_names_and_counts():
    examples = [LabelledText("a", ("b", "a")), LabelledText("c", ("b",))]
    assert label_names(examples) == ["a", "b"]
    assert label_counts(examples) == {"b": 2, "a": 1}


# Texts as a user's files hold them: quotes, commas, tabs, newlines, braces, non-ASCII;
# never blank, never with a CR (every reader ends a line at a CR), not padded with blanks
# around a tab-free label.
texts = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00"), min_size=1
).filter(lambda t: t.strip())
labels = st.text(st.characters(whitelist_categories=("L", "N")), min_size=1, max_size=8)
datasets = st.lists(
    st.tuples(texts, st.lists(labels, min_size=1, max_size=3, unique=True)), min_size=1, max_size=8
)


@settings(max_examples=60, deadline=None)
@given(
    data=datasets, fmt=st.sampled_from(["csv", "tsv", "jsonl"]), gz=st.booleans(), bom=st.booleans()
)
def test_round_trip_of_written_files(tmp_path_factory, data, fmt, gz, bom):
    how = LabelledFormat(multi_label=True, label_delimiter=";")
    out = io.StringIO()
    if fmt == "jsonl":
        for text, names in data:
            out.write(json.dumps({"label": names, "text": text}) + "\n")
    else:
        writer = csv.writer(out, delimiter="\t" if fmt == "tsv" else ",", lineterminator="\n")
        writer.writerow(["label", "text"])
        writer.writerows([(";".join(names), text) for text, names in data])
    path = tmp_path_factory.mktemp("rt") / (f"data.{fmt}" + (".gz" if gz else ""))
    write(path, out.getvalue(), gz=gz, bom=bom)
    assert pairs(read_labelled(path, how)) == [(text, tuple(names)) for text, names in data]
