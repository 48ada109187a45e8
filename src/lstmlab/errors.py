"""Errors a user can act on.

Every error raised for bad input (missing data, malformed lines, a wrong
checkpoint, a bad option) derives from :class:`LstmlabError`; the command line
prints its message on one line and exits non-zero, without a traceback.
"""

# Control characters (C0 but tab, DEL, C1) and the Unicode line and paragraph separators:
# in a message they would break its line (str.splitlines splits on several) or drive the
# terminal. They come from user input quoted in messages, and are shown escaped.
_ESCAPES = {
    code: repr(chr(code))[1:-1]
    for code in [*range(0x00, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029]
    if code != 0x09
}


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped (``\\n``, ``\\x1e``)."""
    return text.translate(_ESCAPES)


class LstmlabError(Exception):
    """Base class: the message must be one line that says what is wrong and what to do.

    ``str()`` of it is always one line: control characters in it are escaped.
    """

    def __str__(self) -> str:
        return one_line(super().__str__())


class DataError(LstmlabError):
    """A data set is missing, corrupt or malformed."""


class ConfigError(LstmlabError):
    """A preset, option or ``--set key=value`` is invalid."""


class CheckpointError(LstmlabError):
    """A checkpoint or run folder is missing, corrupt, or from another task or version."""
