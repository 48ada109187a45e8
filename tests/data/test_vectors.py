"""Word-vector files: GloVe, word2vec/fastText headers, .gz, coverage, one-line errors."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from lstmlab.data.vectors import read_vectors
from lstmlab.errors import DataError

TOKENS = ["<pad>", "<unk>", "the", "cat", "dog", "Paris"]
SPECIALS = ("<pad>", "<unk>")


def test_glove_format_without_header(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_text("the 0.1 0.2 0.3\ncat 1 2 3\nunrelated 9 9 9\n")
    vectors = read_vectors(path, TOKENS, skip=SPECIALS)
    assert vectors.dimension == 3 and vectors.words_in_file == 3
    np.testing.assert_allclose(vectors.vectors[2], [0.1, 0.2, 0.3], rtol=1e-6)
    np.testing.assert_allclose(vectors.vectors[3], [1, 2, 3])
    assert vectors.found.tolist() == [False, False, True, True, False, False]
    assert vectors.coverage == pytest.approx(2 / 4)
    assert "2 of 4 vocabulary words found (50.0 %)" in vectors.summary()
    assert vectors.record()["found"] == 2


def test_word2vec_header_gzip_and_lowercase_fallback(tmp_path):
    path = tmp_path / "vectors.vec.gz"
    with gzip.open(path, "wt", encoding="utf-8") as file:
        file.write("3 2\nparis 5 5\nDOG 7 7\ndog 1 1\n")
    vectors = read_vectors(path, TOKENS, skip=SPECIALS)
    assert vectors.dimension == 2 and vectors.words_in_file == 3
    np.testing.assert_allclose(vectors.vectors[5], [5, 5])  # "Paris" from "paris"
    np.testing.assert_allclose(vectors.vectors[4], [1, 1])  # the exact spelling wins
    assert vectors.record()["found_lowercased"] == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("the 1 2 3\ncat 1 2\n", r"vec.txt:2: 2 values where the vectors have 3"),
        ("2 3\nthe 1 2 3\ncat 1 x 3\n", r"vec.txt:3: 'x' is not a number"),
        ("the 1 2\ncat 1 nan\n", r"vec.txt:2: a value is not finite"),
        ("", r"holds no word vectors"),
        ("lonely\n", r"vec.txt:1: a word without numbers"),
    ],
)
def test_malformed_files_are_one_line_errors(tmp_path, text, message):
    path = tmp_path / "vec.txt"
    path.write_text(text)
    with pytest.raises(DataError, match=message) as error:
        read_vectors(path, TOKENS, skip=SPECIALS)
    assert "\n" not in str(error.value)


def test_binary_file_is_refused_with_its_line(tmp_path):
    path = tmp_path / "vec.bin"
    path.write_bytes(b"the 1 2\n\xff\xfe\x00 binary\n")
    with pytest.raises(DataError, match=r"vec.bin:2: not UTF-8"):
        read_vectors(path, TOKENS, skip=SPECIALS)
