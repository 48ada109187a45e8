"""Property tests: every data reader (tagged columns, CoNLL-U, Brown zips, review files,
word vectors) either parses its input or raises a one-line LstmlabError.

Inputs are arbitrary bytes, and text made of plausible tokens in several encodings, line
ends and truncations, plain or gzipped. No reader may raise anything else (UnicodeDecodeError,
zlib.error, IndexError, ...), and its error must name the file and stay short.
"""

from __future__ import annotations

import gzip
import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstmlab.data.review_files import read_review_file
from lstmlab.data.tagged import (
    read_brown,
    read_conll,
    read_conllu,
    read_tagged_file,
    read_two_column,
    read_universal_map,
    sniff_format,
)
from lstmlab.data.vectors import read_vectors
from lstmlab.errors import LstmlabError

FAST = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Pieces that make lines look like real input, so the parsers get past their first check.
TOKENS = [
    "The",
    "DT",
    "NN",
    "B-NP",
    "-DOCSTART-",
    "#",
    "# text = x",
    "1",
    "2",
    "1-2",
    "0.1",
    "3.1",
    "_",
    "pos",
    "neg",
    "positive",
    "0",
    "n't",
    "é",
    "\u2028",
    "\x00",
    "\ufeff",
    "",
    "the",
    "cat",
    "0.5",
    "-1e3",
    "nan",
    "inf",
    "\u00b2",
    "\u0663",
    "300",
]
SEPARATORS = [" ", "\t", "  ", "\t\t"]
LINE_ENDS = ["\n", "\r\n", "\r"]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"]


@st.composite
def text_files(draw) -> bytes:
    """Token lines with mixed separators, line ends, an encoding, maybe cut short."""
    lines = draw(
        st.lists(
            st.lists(st.sampled_from(TOKENS), max_size=11).map(
                lambda tokens: draw(st.sampled_from(SEPARATORS)).join(tokens)
            ),
            max_size=12,
        )
    )
    text = draw(st.sampled_from(LINE_ENDS)).join(lines)
    data = text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return data


def any_file_bytes():
    return st.one_of(st.binary(max_size=300), text_files())


def assert_reads_or_one_line_error(read, path) -> None:
    try:
        result = read(path)
    except LstmlabError as error:
        message = str(error)
        assert path.name in message, message
        assert len(message.splitlines()) == 1 and len(message) < 500, message
    else:
        assert result is not None


READERS = {
    "two_column": read_two_column,
    "conll": read_conll,
    "conll_chunk": lambda path: read_conll(path, column=2),
    "conllu": read_conllu,
    "conllu_xpos": lambda path: read_conllu(path, tag="xpos"),
    "auto": read_tagged_file,
    "sniff": sniff_format,
    "reviews": read_review_file,
    "vectors": lambda path: read_vectors(
        path, ["<pad>", "<unk>", "the", "The", "cat"], skip=("<pad>", "<unk>")
    ),
}


@pytest.mark.parametrize("reader", sorted(READERS))
@FAST
@given(data=any_file_bytes(), gz=st.booleans(), cut=st.integers(0, 400))
def test_text_readers(tmp_path, reader, data, gz, cut):
    path = tmp_path / ("input.txt.gz" if gz else "input.txt")
    if gz:
        data = gzip.compress(data)
        data = data[: max(cut, 1)] if cut < len(data) else data  # a truncated gzip, sometimes
    path.write_bytes(data)
    assert_reads_or_one_line_error(READERS[reader], path)


NUMBERS = ["1", "0.5", "-2e-3", "300", "nan", "inf", "1e999", "x", "\u00b2", "\u0663", ""]


@st.composite
def vector_files(draw) -> bytes:
    """A word-vector file: maybe a 'count dimension' header, then 'word v1 v2 ...' lines."""
    lines = []
    if draw(st.booleans()):
        header = st.one_of(
            st.lists(st.sampled_from(NUMBERS), min_size=1, max_size=3),
            st.lists(st.sampled_from(["0", "300", "\u00b2", "\u0663"]), min_size=2, max_size=2),
        )  # "count dimension"-like
        lines.append(" ".join(draw(header)))
    for _ in range(draw(st.integers(0, 5))):
        word = draw(st.sampled_from(["the", "The", "cat", "<unk>", "x y", ""]))
        values = draw(st.lists(st.sampled_from(NUMBERS), max_size=4))
        lines.append(draw(st.sampled_from([" ", "\t"])).join([word, *values]))
    return draw(st.sampled_from(LINE_ENDS)).join(lines).encode("utf-8")


@FAST
@given(data=vector_files(), gz=st.booleans())
def test_vector_files(tmp_path, data, gz):
    path = tmp_path / ("v.txt.gz" if gz else "v.txt")
    path.write_bytes(gzip.compress(data) if gz else data)
    assert_reads_or_one_line_error(READERS["vectors"], path)


@FAST
@given(data=st.binary(max_size=200), gz=st.booleans())
def test_corrupt_gzip(tmp_path, data, gz):
    # A gzip header followed by garbage: zlib.error inside the stream.
    path = tmp_path / "c.txt.gz"
    packed = bytearray(gzip.compress(b"The DT\n" * 50))
    packed[10 : 10 + len(data)] = data
    path.write_bytes(bytes(packed))
    for read in (read_conll, read_two_column, read_review_file, read_tagged_file):
        assert_reads_or_one_line_error(read, path)


@st.composite
def zip_files(draw) -> bytes:
    """A zip with brown/cXNN members or the tag map, holding fuzzed text; sometimes cut."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(
        buffer, "w", compression=draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
    ) as archive:
        for name in draw(
            st.lists(
                st.sampled_from(
                    ["brown/ca01", "brown/cb02", "universal_tagset/en-brown.map", "README"]
                ),
                max_size=3,
                unique=True,
            )
        ):
            archive.writestr(name, draw(any_file_bytes()))
    data = buffer.getvalue()
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return data


@FAST
@given(data=st.one_of(zip_files(), st.binary(max_size=200)))
def test_zip_readers(tmp_path, data):
    path = tmp_path / "brown.zip"
    path.write_bytes(data)
    assert_reads_or_one_line_error(read_brown, path)
    assert_reads_or_one_line_error(read_universal_map, path)
    assert_reads_or_one_line_error(lambda p: read_brown(p, universal_map_zip=p), path)
