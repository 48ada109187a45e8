"""The compiled recurrence (:file:`recurrence.cpp`): built once per machine, at first use.

The fast path (:mod:`lstmlab.nn.fused`) runs its time loop through this C++ extension when it
can: CPU tensors, float32 or float64. The first call builds it with
``torch.utils.cpp_extension`` (a C++ compiler and ``ninja``, a dependency of lstmlab, are
needed), printing one line while it compiles, and caches the library under torch's extension
directory (``~/.cache/torch_extensions`` or ``$TORCH_EXTENSIONS_DIR``), keyed by the source,
the flags, the torch and Python versions and the machine type; later processes just load it.
If the build fails, or ``LSTMLAB_NO_KERNEL=1`` is set, :func:`recurrence_ops` returns None
and the fast path runs the same loop in Python (one warning says why).
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import sys
import sysconfig
import time
import warnings
from pathlib import Path
from typing import Any

import torch

SOURCE = Path(__file__).with_name("recurrence.cpp")
CFLAGS = ["-O3"]
DISABLE_VARIABLE = "LSTMLAB_NO_KERNEL"

_ops: Any = None
_tried = False


def recurrence_ops() -> Any | None:
    """``torch.ops.lstmlab`` with the compiled recurrence, or None where it is unavailable.

    Builds the extension on the first call of a machine (10-30 s), loads it on the
    first call of a process; later calls return at once.
    """
    global _ops, _tried
    if not _tried:
        _tried = True
        if os.environ.get(DISABLE_VARIABLE, "") not in ("", "0"):
            return None
        try:
            _load_library()
            _ops = torch.ops.lstmlab
        except Exception as error:
            warnings.warn(
                f"lstmlab: could not build the compiled LSTM recurrence ({_reason(error)}); "
                f"the fast path runs its Python loop instead (set {DISABLE_VARIABLE}=1 "
                "to skip the build)",
                RuntimeWarning,
                stacklevel=3,
            )
    return _ops


def _reason(error: Exception) -> str:
    """One short line from a build error: the compiler's first error, else its first line."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()] or [repr(error)]
    compiler_errors = [line for line in lines if "error:" in line]
    return (compiler_errors or lines)[0][:300]


def build_directory() -> Path:
    """Where the library is built and cached: one folder per source, flags, torch version,
    Python version and machine type."""
    from torch.utils.cpp_extension import get_default_build_root

    key = hashlib.sha256(SOURCE.read_bytes())
    python = ".".join(map(str, sys.version_info[:2]))
    key.update(" ".join([*CFLAGS, torch.__version__, python, platform.machine()]).encode())
    root = os.environ.get("TORCH_EXTENSIONS_DIR") or get_default_build_root()
    return Path(root) / f"lstmlab_recurrence_{key.hexdigest()[:16]}"


def _load_library() -> None:
    """Load the cached library, building (and caching) it first if it is not there."""
    directory = build_directory()
    ready = directory / "lstmlab_recurrence.ready.so"
    if ready.exists():
        torch.ops.load_library(str(ready))
        return
    directory.mkdir(parents=True, exist_ok=True)
    _remove_stale_lock(directory)
    print(
        "lstmlab: compiling the LSTM recurrence in C++ (once per machine, 10-30 s)...",
        end="",
        file=sys.stderr,
        flush=True,
    )
    start = time.perf_counter()
    try:
        built = _build(directory)
    except BaseException:
        print(" failed", file=sys.stderr, flush=True)
        raise
    print(f" done in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    # Publish a copy under its final name only when complete: another process that finds it
    # never loads a library still being linked.
    partial = directory / f"lstmlab_recurrence.{os.getpid()}.so"
    shutil.copyfile(built, partial)
    os.replace(partial, ready)


def _remove_stale_lock(directory: Path, older_than_s: float = 600.0) -> None:
    """Remove the builder's lock file if a build that was interrupted left it behind.

    ``torch.utils.cpp_extension`` waits for as long as that file exists; a build takes well
    under a minute, so one ten minutes old belongs to no running build.
    """
    lock = directory / "lock"
    try:
        if time.time() - lock.stat().st_mtime > older_than_s:
            lock.unlink()
    except FileNotFoundError:
        pass


def _build(directory: Path) -> str:
    """Compile and load the extension with torch's JIT builder; the library's path."""
    from torch.utils.cpp_extension import load

    if shutil.which(os.environ.get("CXX", "c++")) is None:
        raise RuntimeError("no C++ compiler found")
    path = os.environ.get("PATH", "")
    # The ninja package (a dependency) installs its program beside this Python's scripts,
    # which are not on PATH when the venv is not activated.
    os.environ["PATH"] = path + os.pathsep + sysconfig.get_path("scripts")
    try:
        return load(
            name="lstmlab_recurrence",
            sources=[str(SOURCE)],
            extra_cflags=CFLAGS,
            build_directory=str(directory),
            is_python_module=False,
        )
    finally:
        os.environ["PATH"] = path
