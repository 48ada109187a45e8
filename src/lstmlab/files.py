"""Writing a file so that a crash never leaves half of it: one helper for every writer.

:func:`atomic_output` opens a hidden temporary file beside the target, hands it to the
caller, and only when the caller's block finishes without an error makes sure the bytes
are on disk (``fsync``) and renames the file over the target in one step (``os.replace``).
On any error the temporary file is removed and the target is left as it was. The file gets
the permissions of any new file (0666 less the umask: 0644 usually), unlike ``mkstemp``'s
0600, since checkpoints, caches and downloads are for everyone who reads the run or data.

Checkpoints, the encoded-data cache, vocabularies and downloads all write through it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def atomic_output(path: str | os.PathLike[str], *, check=None) -> Iterator[BinaryIO]:
    """A binary file to write ``path``'s new content into; replaces ``path`` on success.

    ``check(tmp_path)``, if given, runs on the complete temporary file before it replaces
    ``path`` (e.g. a checksum); raising there keeps ``path`` unchanged.
    """
    path = Path(path)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        # os.open applies the umask to 0o666, as for any other new file.
        handle = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with open(handle, "wb", buffering=0) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        if check is not None:
            check(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
