import gzip
import zipfile

import pytest

from lstmlab.data.tagged import (
    TaggedSentence,
    read_brown,
    read_conll,
    read_conllu,
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


# Comments, a multi-word token (3-4: "don't" = "do" + "n't"), an empty node (5.1), a FORM
# with a space, CRLF ends, no final blank line.
CONLLU = "\r\n".join(
    [
        "# sent_id = 1",
        "# text = I don't know.",
        "1\tI\tI\tPRON\tPRP\t_\t3\tnsubj\t_\t_",
        "2-3\tdon't\t_\t_\t_\t_\t_\t_\t_\t_",
        "2\tdo\tdo\tAUX\tVBP\t_\t4\taux\t_\t_",
        "3\tn't\tnot\tPART\tRB\t_\t4\tadvmod\t_\t_",
        "4\tknow\tknow\tVERB\tVB\t_\t0\troot\t_\t_",
        "4.1\tknows\t_\t_\t_\t_\t_\t_\t_\t_",
        "5\t.\t.\tPUNCT\t.\t_\t4\tpunct\t_\t_",
        "",
        "# sent_id = 2",
        "1\tNew York\tNew York\tPROPN\tNNP\t_\t0\troot\t_\t_",
    ]
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


def test_conll_last_column(tmp_path):
    path = write(tmp_path / "ner.txt", "Kim NNP B-PER\nsang VBD O\n\nHi O\n")
    assert [s.tags for s in read_conll(path, column=-1)] == [["B-PER", "O"], ["O"]]
    with pytest.raises(DataError, match=r"ner\.txt:1: expected at least 2 columns"):
        read_conll(write(tmp_path / "ner.txt", "Kim\n"), column=-1)


def test_conll_malformed_line_names_file_and_line(tmp_path):
    path = write(tmp_path / "bad.txt", "He PRP B-NP\nran\n")
    with pytest.raises(DataError, match=r"bad\.txt:2:"):
        read_conll(path)


def test_two_column(tmp_path):
    path = write(tmp_path / "lab.txt", "The DT\r\ncat NN\t\n\nSleeps VBZ")
    assert read_two_column(path) == [
        TaggedSentence(["The", "cat"], ["DT", "NN"]),
        TaggedSentence(["Sleeps"], ["VBZ"]),
    ]
    bad = write(tmp_path / "bad.txt", "The DT\ncat NN B-NP\n")
    with pytest.raises(DataError, match=r"bad\.txt:2: expected 2 columns"):
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
    with pytest.raises(DataError, match=r"one\.txt:1:"):
        read_tagged_file(write(tmp_path / "one.txt", "word\n"))


@pytest.mark.parametrize("gz", [False, True])
def test_conllu_tags_syntactic_words(tmp_path, gz):
    path = write(tmp_path / ("ud.conllu.gz" if gz else "ud.conllu"), CONLLU, gz)
    assert read_conllu(path) == [
        TaggedSentence(["I", "do", "n't", "know", "."], ["PRON", "AUX", "PART", "VERB", "PUNCT"]),
        TaggedSentence(["New York"], ["PROPN"]),
    ]
    assert [s.tags for s in read_conllu(path, tag="xpos")] == [
        ["PRP", "VBP", "RB", "VB", "."],
        ["NNP"],
    ]
    with pytest.raises(ValueError, match="upos"):
        read_conllu(path, tag="lemma")


def test_conllu_errors_name_file_and_line(tmp_path):
    spaces = write(tmp_path / "spaces.conllu", "# c\n1 The the DET DT _ 2 det _ _\n")
    with pytest.raises(DataError, match=r"spaces\.conllu:2: expected 10 tab-separated"):
        read_conllu(spaces)
    bad_id = write(tmp_path / "id.conllu", "x\tThe\tthe\tDET\tDT\t_\t2\tdet\t_\t_\n")
    with pytest.raises(DataError, match=r"id.conllu:1: bad word id 'x'"):
        read_conllu(bad_id)
    no_xpos = write(tmp_path / "nox.conllu", "1\tThe\tthe\tDET\t_\t_\t2\tdet\t_\t_\n")
    assert read_conllu(no_xpos) == [TaggedSentence(["The"], ["DET"])]
    with pytest.raises(DataError, match=r"nox.conllu:1: the word 'The' has no XPOS tag.*upos"):
        read_conllu(no_xpos, tag="xpos")


def test_sniffing_conllu_by_name_and_by_content(tmp_path):
    named = write(tmp_path / "ud.conllu", CONLLU)
    unnamed = write(tmp_path / "ud.txt", CONLLU)
    starts_with_multiword = write(
        tmp_path / "mw.txt",
        "\n".join(
            [
                "1-2\tdon't\t_\t_\t_\t_\t_\t_\t_\t_",
                "1\tdo\tdo\tAUX\tVBP\t_\t0\troot\t_\t_",
                "2\tn't\tnot\tPART\tRB\t_\t1\tadvmod\t_\t_",
            ]
        ),
    )
    for path in (named, unnamed, starts_with_multiword):
        assert read_tagged_file(path) == read_conllu(path), path
    assert read_tagged_file(unnamed, conllu_tag="xpos")[0].tags[0] == "PRP"
    # A CoNLL-2000 file whose first token is "#" is still CoNLL, not a comment.
    hash_first = write(tmp_path / "hash.txt", "# # B-NP\n100 CD I-NP\n")
    assert read_tagged_file(hash_first) == [TaggedSentence(["#", "100"], ["#", "CD"])]


def test_read_tagged_file_passes_the_conll_column(tmp_path):
    conll = write(tmp_path / "c.txt", CONLL)
    assert read_tagged_file(conll, column=2) == read_conll(conll, column=2)


def _conllu(*ids):
    return "".join(f"{i}\tw{n}\tw\tNOUN\tNN\t_\t0\tdep\t_\t_\n" for n, i in enumerate(ids))


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        (("1", "3"), r"u\.conllu:2: word id 3 out of order \(expected 2"),
        (("1", "1"), r"u\.conllu:2: word id 1 out of order"),
        (("2",), r"u\.conllu:1: word id 2 out of order"),
        (
            ("1-3", "1", "2"),
            r"u\.conllu:3: a multi-word token .* reaches word 3, but the sentence "
            r"has 2",
        ),
        (("1", "1-2", "1"), r"u\.conllu:2: multi-word token 1-2 must span words 2"),
        (("1-1", "1"), r"multi-word token 1-1"),
        (("1", "2.1", "2"), r"u\.conllu:2: empty node 2\.1 must follow word 1"),
    ],
)
def test_conllu_ids_are_checked(tmp_path, ids, message):
    with pytest.raises(DataError, match=message):
        read_conllu(write(tmp_path / "u.conllu", _conllu(*ids)))


def test_conllu_ids_restart_in_each_sentence(tmp_path):
    text = _conllu("0.1", "1", "1.1", "2") + "\n" + _conllu("1-2", "1", "2", "2.1")
    assert [len(s) for s in read_conllu(write(tmp_path / "u.conllu", text))] == [2, 2]


def test_bom_and_bad_bytes_in_tagged_files(tmp_path):
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbfThe DT\ncat NN\n")
    assert read_tagged_file(bom) == [TaggedSentence(["The", "cat"], ["DT", "NN"])]
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"The DT\nc\xe4t NN\n")
    with pytest.raises(DataError, match=r"bad\.txt:2: not UTF-8"):
        read_tagged_file(bad)
