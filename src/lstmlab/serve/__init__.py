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


def load_app(
    run_dirs: list[str | Path],
    data_dir: str | None = None,
    *,
    host: str = "127.0.0.1",
    allow_hosts: list[str] | tuple[str, ...] = (),
    allow_data: list[str | Path] | tuple[str | Path, ...] = (),
) -> FastAPI:
    """The app serving the given run folders (each loaded once, on the CPU).

    ``host``: the address the server is bound to; requests naming another ``Host`` are
    refused unless in ``allow_hosts`` (``"*"``: any). The unit search reads only under each
    run's folder, the data root (``data_dir``, else the default) and ``allow_data``.
    """
    import lstmlab
    from lstmlab.data.cache import default_cache_dir
    from lstmlab.data.paths import data_root
    from lstmlab.inspect import inspector_for
    from lstmlab.serve.app import ServedRun, create_app, run_names
    from lstmlab.serve.guard import HostPolicy

    paths = [Path(run_dir) for run_dir in run_dirs]
    # The data root and its cache (in the user's cache folder when the root is read-only).
    shared = [
        data_root(data_dir),
        default_cache_dir(data_dir),
        *(Path(folder) for folder in allow_data),
    ]
    runs = [
        ServedRun(name, inspector_for(lstmlab.load(path)), data_dir, [path, *shared])
        for name, path in zip(run_names(paths), paths, strict=True)
    ]
    return create_app(runs, HostPolicy(host, allow_hosts))
