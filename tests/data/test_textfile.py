"""The one reading policy every text reader shares (lstmlab.data.textfile)."""

import gzip
import os
import subprocess
import sys

import pytest

from lstmlab.data.textfile import QUOTE_CHARS, quote, read_lines, read_text
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
