import gzip
import zipfile

import pytest

from lstmlab.data.tagged import (
    TaggedSentence,
    read_brown,
    read_conll,
    read_tagged_file,
    read_two_column,
    read_universal_map,
)
from lstmlab.errors import DataError

# CRLF ends, a tab, trailing blanks, -DOCSTART-, two blank lines, no final blank line.
CONLL = (
    "-DOCSTART- -X- O\r\n\r\n"
    "He PRP B-NP\r\n"
    "ran\tVBD   B-VP  \r\n"
    ". . O\r\n"
    "\r\n   \r\n"
    "Dogs NNS B-NP\r\n"
    "bark VBP B-VP"
)


def write(path, text, gz=False):
    if gz:
        with gzip.open(path, "wt", encoding="utf-8", newline="") as f:
            f.write(text)
    else:
        path.write_bytes(text.encode("utf-8"))
    return path


@pytest.mark.parametrize("gz", [False, True])
def test_conll_pos_and_chunk_columns(tmp_path, gz):
    path = write(tmp_path / ("a.txt.gz" if gz else "a.txt"), CONLL, gz)
    pos = read_conll(path)
    assert pos == [
        TaggedSentence(["He", "ran", "."], ["PRP", "VBD", "."]),
        TaggedSentence(["Dogs", "bark"], ["NNS", "VBP"]),
    ]
    assert [s.tags for s in read_conll(path, column=2)] == [["B-NP", "B-VP", "O"], ["B-NP", "B-VP"]]


def test_conll_malformed_line_names_file_and_line(tmp_path):
    path = write(tmp_path / "bad.txt", "He PRP B-NP\nran\n")
    with pytest.raises(DataError, match=r"bad\.txt, line 2"):
        read_conll(path)


def test_two_column(tmp_path):
    path = write(tmp_path / "lab.txt", "The DT\r\ncat NN\t\n\nSleeps VBZ")
    assert read_two_column(path) == [
        TaggedSentence(["The", "cat"], ["DT", "NN"]),
        TaggedSentence(["Sleeps"], ["VBZ"]),
    ]
    bad = write(tmp_path / "bad.txt", "The DT\ncat NN B-NP\n")
    with pytest.raises(DataError, match=r"bad\.txt, line 2: expected 2 columns"):
        read_two_column(bad)


def test_missing_and_undecodable_files(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_conll(tmp_path / "missing.txt")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"caf\xe9 NN X\n")
    with pytest.raises(DataError, match="UTF-8"):
        read_conll(binary)


def make_brown(tmp_path):
    path = tmp_path / "brown.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("brown/", "")
        z.writestr("brown/README", "not/corpus text/xx")
        z.writestr("brown/cb01", "\n\n\tA/at 1/2/cd dog/nn-tl ./.\n\n")
        z.writestr("brown/ca01", "\r\n\tThe/at jury/nn said/vbd ./.\r\n\r\n\tIt/pps ran/vbd\r\n")
    maps = tmp_path / "universal_tagset.zip"
    with zipfile.ZipFile(maps, "w") as z:
        z.writestr("universal_tagset/en-brown.map", "AT\tDET\nNN\tNOUN\nVBD\tVERB\n.\t.\nCD\tNUM\n")
    return path, maps


def test_brown_reads_files_in_order_and_upper_cases_tags(tmp_path):
    path, _ = make_brown(tmp_path)
    sentences = read_brown(path)
    assert [s.words for s in sentences] == [
        ["The", "jury", "said", "."],
        ["It", "ran"],
        ["A", "1/2", "dog", "."],
    ]
    assert sentences[2].tags == ["AT", "CD", "NN-TL", "."]


def test_brown_universal_mapping(tmp_path):
    path, maps = make_brown(tmp_path)
    sentences = read_brown(path, universal_map_zip=maps)
    assert sentences[0].tags == ["DET", "NOUN", "VERB", "."]
    assert sentences[1].tags == ["X", "VERB"]  # PPS is not in the (small) map: X, as NLTK does
    assert read_universal_map(maps)["CD"] == "NUM"


def test_brown_malformed_token(tmp_path):
    path = tmp_path / "brown.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("brown/ca01", "\tThe/at\n\tjury said/vbd\n")
    with pytest.raises(DataError, match=r"brown/ca01, line 2: token 'jury'"):
        read_brown(path)


def test_brown_wrong_zip(tmp_path):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("something.txt", "x")
    with pytest.raises(DataError, match="brown"):
        read_brown(path)
    with pytest.raises(DataError, match=r"en-brown\.map"):
        read_universal_map(path)
    not_zip = write(tmp_path / "fake.zip", "hello")
    with pytest.raises(DataError):
        read_brown(not_zip)


def test_read_tagged_file_dispatch(tmp_path):
    conll = write(tmp_path / "c.txt", CONLL)
    two = write(tmp_path / "t.txt", "-DOCSTART-\n\nThe DT\n")
    brown, _ = make_brown(tmp_path)
    assert read_tagged_file(conll) == read_conll(conll)
    assert read_tagged_file(two) == [TaggedSentence(["The"], ["DT"])]
    assert read_tagged_file(brown) == read_brown(brown)
    assert read_tagged_file(two, fmt="conll") == read_conll(two)
    with pytest.raises(DataError, match="format"):
        read_tagged_file(two, fmt="xml")
    with pytest.raises(DataError, match="line 1"):
        read_tagged_file(write(tmp_path / "one.txt", "word\n"))
