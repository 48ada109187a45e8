"""Downloading data files: streamed, verified, and moved into place atomically.

A download goes to a temp file next to its destination and is renamed into place only
after its size and checksum are verified, so an interrupted or corrupt download never
looks like a complete file. A file already in place and valid is not downloaded again.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from lstmlab.data.paths import check_data_root, data_root
from lstmlab.data.registry import (
    MIRROR_ENV_VAR,
    DataFile,
    get_dataset,
    mirror_url,
    sha256_of,
)
from lstmlab.data.textfile import os_reason
from lstmlab.errors import DataError
from lstmlab.files import atomic_output
from lstmlab.progress import bar as progress_bar

_CHUNK = 1 << 16
USER_AGENT = "lstmlab-data-fetch"


def is_valid(path: Path, sha256: str | None, check: Callable[[Path], None] | None) -> bool:
    """Whether a file already in place can be kept: it matches ``sha256`` or passes ``check``.

    With neither given, any existing file is kept.
    """
    try:
        if sha256 is not None and sha256_of(path) == sha256:
            return True
    except OSError:  # unreadable: download it again
        return False
    if check is not None:
        try:
            check(path)
        except DataError:
            return False
        return True
    return sha256 is None


def fetch(
    url: str,
    dest: Path,
    sha256: str | None,
    progress: bool = True,
    *,
    check: Callable[[Path], None] | None = None,
    timeout: float = 60.0,
    max_bytes: int = DataFile.max_bytes,
) -> Path:
    """Download ``url`` to ``dest`` unless a valid file is already there; return ``dest``.

    The download must have the announced Content-Length, the checksum ``sha256`` (if not
    None), pass ``check`` (if given) and be at most ``max_bytes`` long (it is cut off as
    soon as it is longer); otherwise DataError, and ``dest`` is left untouched.
    """
    dest = Path(dest)
    if dest.is_file() and is_valid(dest, sha256, check):
        return dest
    if dest.is_dir():
        raise DataError(f"{dest} is a directory, where the downloaded file goes; remove it")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        probe = dest.parent / f".{dest.name}.probe"
        probe.touch()  # a read-only data root fails here, before anything is downloaded
        probe.unlink()
    except OSError as error:
        raise DataError(
            f"cannot write into {dest.parent}: {os_reason(error)}; choose another "
            "data root with --data-dir or $LSTMLAB_DATA"
        ) from None
    digest = ""

    def verify(tmp: Path) -> None:
        if sha256 is not None and digest != sha256:
            raise DataError(
                f"download of {url} has sha256 {digest}, expected {sha256}: the file is "
                f"corrupt or was changed; try again, or put a good copy at {dest}"
            )
        if check is not None:
            check(tmp)

    try:
        with atomic_output(dest, check=verify) as out:
            digest = _stream(url, out, dest, progress, timeout, max_bytes)
    except OSError as error:  # e.g. the disk filled up while writing
        raise DataError(f"cannot write {dest}: {os_reason(error)}") from None
    return dest


def _stream(url: str, out, dest: Path, progress: bool, timeout: float, max_bytes: int) -> str:
    """Copy the body of ``url`` into ``out``; return its sha256 hex digest.

    DataError as soon as the body is longer than ``max_bytes`` (or announces it).
    """
    manual = f"download it yourself from {url} and put it at {dest}"

    def too_large(what: str) -> str:
        return (
            f"download of {url} stopped: it {what}, more than this file can be "
            f"({max_bytes:,} at most); is the mirror right? Or {manual}"
        )

    digest = hashlib.sha256()
    received = 0
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            announced = response.headers.get("Content-Length")
            # A malformed Content-Length counts as none: the size limit still holds.
            expected = int(announced) if announced and announced.isdigit() else None
            if expected is not None and expected > max_bytes:
                raise DataError(too_large(f"announces {expected:,} bytes"))
            with progress_bar(
                total=expected,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=dest.name,
                disable=not progress,
                leave=False,
            ) as bar:
                # Never more than one byte past the limit: enough to know it is exceeded.
                while chunk := response.read(min(_CHUNK, max_bytes + 1 - received)):
                    out.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
                    if received > max_bytes:
                        raise DataError(too_large(f"sent more than {max_bytes:,} bytes"))
    except urllib.error.HTTPError as error:
        raise DataError(
            f"download of {url} failed: HTTP {error.code} {error.reason}; {manual}"
        ) from error
    except http.client.IncompleteRead as error:
        raise DataError(
            f"download of {url} was cut off ({error}); try again, or {manual}"
        ) from error
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        reason = getattr(error, "reason", error)
        raise DataError(f"cannot download {url} ({reason}); {manual}") from error
    if expected is not None and received != expected:
        raise DataError(
            f"download of {url} was cut off: received {received:,} of {expected:,} bytes; "
            f"try again, or {manual}"
        )
    return digest.hexdigest()


def fetch_dataset(
    name: str,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    mirror: str | None = None,
    progress: bool = True,
) -> list[Path]:
    """Download every file of data set ``name`` that is missing or invalid; return their paths.

    Files come from their official URLs, or from ``<mirror>/<path>`` (``mirror`` or
    ``$LSTMLAB_MIRROR``).
    """
    dataset = get_dataset(name)
    root = check_data_root(data_root(data_dir))
    mirror_url(mirror or os.environ.get(MIRROR_ENV_VAR))  # a bad mirror fails before any file
    return [
        fetch(
            file.source_url(mirror),
            root / file.path,
            file.sha256,
            progress,
            check=file.check,
            max_bytes=file.max_bytes,
        )
        for file in dataset.files
    ]
