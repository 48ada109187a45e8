"""Errors a user can act on.

Every error raised for bad input (missing data, malformed lines, a wrong
checkpoint, a bad option) derives from :class:`LstmlabError`; the command line
prints its message on one line and exits non-zero, without a traceback.
"""

from lstmlab.text import one_line

__all__ = ["CheckpointError", "ConfigError", "DataError", "LstmlabError", "one_line"]


class LstmlabError(Exception):
    """Base class: the message must be one line that says what is wrong and what to do.

    ``str()`` of it is always one line: control characters in it are escaped
    (:func:`lstmlab.text.one_line`).
    """

    def __str__(self) -> str:
        return one_line(super().__str__())


class DataError(LstmlabError):
    """A data set is missing, corrupt or malformed."""


class ConfigError(LstmlabError):
    """A preset, option or ``--set key=value`` is invalid."""


class CheckpointError(LstmlabError):
    """A checkpoint or run folder is missing, corrupt, or from another task or version."""


class TrainingError(LstmlabError):
    """Training cannot go on: the loss diverged (NaN or infinite), say."""
