from lstmlab.errors import DataError, one_line


def test_messages_are_always_one_line():
    error = DataError("bad name 'a\nb\x1ec\u2028d' \x1b[31m\tend")
    assert str(error) == "bad name 'a\\nb\\x1ec\\u2028d' \\x1b[31m\tend"
    assert len(str(error).splitlines()) == 1
    assert one_line("plain é text") == "plain é text"
