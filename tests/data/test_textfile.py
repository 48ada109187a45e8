"""The one reading policy every text reader shares (lstmlab.data.textfile)."""

import gzip
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmlab.data.textfile import BOM, QUOTE_CHARS, quote, read_lines, read_text
from lstmlab.errors import DataError


def lines(path):
    return [line for _, line in read_lines(path)]


def test_line_ends_and_byte_order_mark(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"\xef\xbb\xbfone\r\ntwo\rthree\nfour")
    assert lines(path) == ["one", "two", "three", "four"]
    assert [n for n, _ in read_lines(path)] == [1, 2, 3, 4]
    assert read_text(path) == "one\ntwo\nthree\nfour\n"


def test_invalid_bytes_and_nul_name_file_and_line(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"fine\nab\xff\n")
    with pytest.raises(DataError, match=r"bad\.txt:2: not UTF-8 text \(byte 0xff at column 3\)"):
        lines(bad)
    binary = tmp_path / "b.bin"
    binary.write_bytes(b"ELF\x00\x01\x02")
    with pytest.raises(DataError, match=r"b\.bin:1: .*binary"):
        lines(binary)


def test_gzip_plain_corrupt_and_truncated(tmp_path):
    good = tmp_path / "g.txt.gz"
    good.write_bytes(gzip.compress(b"x y\n"))
    assert lines(good) == ["x y"]
    data = bytearray(gzip.compress(b"hello world\n" * 200))
    corrupt = tmp_path / "c.txt.gz"
    data[20:40] = b"\x00" * 20  # not truncated: garbage inside the deflate stream
    corrupt.write_bytes(bytes(data))
    truncated = tmp_path / "t.txt.gz"
    truncated.write_bytes(gzip.compress(b"hello world\n" * 200)[:30])
    not_gzip = tmp_path / "n.txt.gz"
    not_gzip.write_bytes(b"plain text\n")
    for path in (corrupt, truncated, not_gzip):
        with pytest.raises(DataError, match="not a valid gzip file") as caught:
            lines(path)
        assert len(str(caught.value).splitlines()) == 1


def test_missing_directory_and_unreadable(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        lines(tmp_path / "nowhere.txt")
    with pytest.raises(DataError, match="is a directory"):
        lines(tmp_path)
    if os.geteuid() != 0:  # root reads anything
        locked = tmp_path / "locked.txt"
        locked.write_text("x\n")
        locked.chmod(0)
        with pytest.raises(DataError, match="permission denied"):
            lines(locked)


def test_pipes_are_read(tmp_path):
    read, write = os.pipe()
    os.write(write, b"from a pipe\n")
    os.close(write)
    try:
        assert lines(f"/proc/self/fd/{read}" if os.path.exists("/proc") else f"/dev/fd/{read}") == [
            "from a pipe"
        ]
    finally:
        os.close(read)


def test_dev_stdin_in_a_subprocess():
    code = "from lstmlab.data.textfile import read_text; print(read_text('/dev/stdin'), end='')"
    out = subprocess.run(
        [sys.executable, "-c", code], input=b"a\nb\n", capture_output=True, check=True
    ).stdout
    assert out == b"a\nb\n"


def test_quotes_are_cut():
    assert quote("short") == "'short'"
    long = quote("x" * 10_000_000)
    assert len(long) < QUOTE_CHARS + 10 and long.endswith("...")


def test_a_huge_line_gives_a_short_error(tmp_path):
    from lstmlab.data.review_files import read_review_file

    path = tmp_path / "huge.tsv"
    path.write_bytes(b"x" * 5_000_000)  # no newline, no tab
    with pytest.raises(DataError) as caught:
        read_review_file(path)
    assert len(str(caught.value)) < 300


def test_dev_zero_is_one_error_line_read_only_as_far_as_the_limit():
    # /dev/zero never ends a line: the reader stops at the limit instead of filling memory.
    with pytest.raises(DataError, match=r"^/dev/zero:1: a line longer than 1,000 bytes") as caught:
        list(read_lines("/dev/zero", max_line_bytes=1000))
    assert len(str(caught.value).splitlines()) == 1


def test_the_line_limit_names_the_long_line_and_keeps_crlf_whole(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"abc\r\nde\rfgh\n" + b"x" * 10 + b"\nshort\n")
    with pytest.raises(DataError, match=r"a\.txt:4: a line longer than 3 bytes"):
        list(read_lines(path, max_line_bytes=3))
    path.write_bytes(b"\xef\xbb\xbfabc\r\nde\rfgh")  # each line exactly fits
    assert lines_limited(path, 3) == ["abc", "de", "fgh"]


def lines_limited(path, limit):
    return [line for _, line in read_lines(path, max_line_bytes=limit)]


@settings(max_examples=300, deadline=None)
@given(
    body=st.lists(st.sampled_from([b"a", b"b", b"\r", b"\n"]), max_size=40).map(b"".join),
    bom=st.booleans(),
    limit=st.integers(1, 8),
)
def test_bounded_lines_equal_splitlines_or_name_a_too_long_line(tmp_path_factory, body, bom, limit):
    path = tmp_path_factory.mktemp("lines") / "f.txt"
    path.write_bytes((BOM if bom else b"") + body)
    expected = body.decode().splitlines() if body else ([""] if bom else [])
    too_long = [n for n, line in enumerate(expected, start=1) if len(line) > limit]
    if too_long:
        with pytest.raises(DataError, match=rf"f\.txt:{too_long[0]}: a line longer than"):
            lines_limited(path, limit)
    else:
        assert lines_limited(path, limit) == expected


def test_text_batches_read_only_as_far_as_needed():
    from lstmlab.data.textfile import text_batches

    read = []

    def endless():
        number = 0
        while True:
            number += 1
            read.append(number)
            yield "" if number % 3 == 0 else f"text {number}"

    batches = text_batches(endless(), size=4)
    assert next(batches) == ["text 1", "text 2", "text 4", "text 5"]  # blank lines dropped
    assert len(read) == 5  # nothing read beyond the first batch
    assert next(batches) == ["text 7", "text 8", "text 10", "text 11"]


def test_text_batches_of_nothing():
    from lstmlab.data.textfile import text_batches

    with pytest.raises(DataError, match="no text to process"):
        list(text_batches(["", "  "]))
    assert list(text_batches([], keep_blank=True)) == [[""]]
    assert list(text_batches(["", "a"], keep_blank=True)) == [["", "a"]]


def test_a_file_read_whole_is_bounded(tmp_path):
    path = tmp_path / "big.json"
    path.write_text("[1]\n" * 100)
    assert read_text(path, max_bytes=400) == "[1]\n" * 100
    with pytest.raises(DataError, match="larger than 399 bytes"):
        read_text(path, max_bytes=399)
    with pytest.raises(DataError, match="/dev/zero"):
        read_text("/dev/zero", max_bytes=1000)
