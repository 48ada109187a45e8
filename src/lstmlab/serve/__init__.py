"""``lstmlab serve``: a local web page and JSON API over trained runs.

Needs the ``serve`` extra (FastAPI and uvicorn): ``pip install -e '.[serve]'``.
:func:`load_app` builds the app from run folders; :mod:`lstmlab.serve.app` holds the
endpoints, :mod:`lstmlab.serve.requests` the request limits, ``static/`` the page.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI


def load_app(run_dirs: list[str | Path], data_dir: str | None = None) -> FastAPI:
    """The app serving the given run folders (each loaded once, on the CPU)."""
    import lstmlab
    from lstmlab.inspect import inspector_for
    from lstmlab.serve.app import ServedRun, create_app, run_names

    paths = [Path(run_dir) for run_dir in run_dirs]
    runs = [
        ServedRun(name, inspector_for(lstmlab.load(path)), data_dir)
        for name, path in zip(run_names(paths), paths, strict=True)
    ]
    return create_app(runs)
