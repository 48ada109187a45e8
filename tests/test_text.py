"""Terminal-safe text: no control character or bidi override is shown raw."""

import io
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lstmlab.text import SafeStream, one_line, printable, terminal_safe_output

HOSTILE = "a\x1b]0;PWN\x07b\x1b[2Jc\u202ed\x9be\u2066f\x00g\x7fh"


def test_controls_and_bidi_overrides_are_escaped():
    shown = one_line(HOSTILE + "\nnext\r")
    assert shown == "a\\x1b]0;PWN\\x07b\\x1b[2Jc\\u202ed\\x9be\\u2066f\\x00g\\x7fh\\nnext\\r"
    assert all(ch.isprintable() for ch in shown)


def test_printable_keeps_lines_and_tabs_and_plain_unicode():
    assert printable("é\tü\nשלום") == "é\tü\nשלום"
    assert printable("x\r\x1b") == "x\\r\\x1b"


def test_the_streams_escape_every_write_and_keep_the_rest():
    out = io.StringIO()
    stream = SafeStream(out, {27: "\\x1b"})
    stream.write("a\x1bb")
    stream.writelines(["\x1b", "c"])
    assert out.getvalue() == "a\\x1bb\\x1bc"
    assert stream.getvalue() == out.getvalue()  # other attributes are the stream's


def test_terminal_safe_output_covers_stdout_and_stderr(capsys):
    with terminal_safe_output():
        print(HOSTILE)
        print("50%\r60%\x1b[A", file=sys.stderr)
    out, err = capsys.readouterr()
    assert "\x1b" not in out and "\u202e" not in out and out.startswith("a\\x1b]0;")
    assert err == "50%\r60%\\x1b[A\n"  # progress bars keep their carriage return


@pytest.mark.parametrize("char", ["\x1b", "\u202e", "\x9b", "\u2028"])
def test_error_messages_use_the_same_escapes(char):
    from lstmlab.errors import DataError

    assert char not in str(DataError(f"bad {char} input"))


DANGEROUS = {
    *map(chr, range(0x00, 0x20)),
    *map(chr, range(0x7F, 0xA0)),
    "\u061c",
    "\u200e",
    "\u200f",
    *map(chr, range(0x202A, 0x202F)),
    *map(chr, range(0x2066, 0x206A)),
    "\u2028",
    "\u2029",
}


@given(st.text(st.sampled_from(sorted(DANGEROUS)) | st.characters(), max_size=60))
def test_no_control_or_bidi_character_survives(text):
    assert not (set(printable(text)) & (DANGEROUS - {"\t", "\n"}))
    assert not (set(one_line(text)) & (DANGEROUS - {"\t"}))
