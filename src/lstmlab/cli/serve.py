"""``lstmlab serve RUN [RUN ...]``: the web page and JSON API of :mod:`lstmlab.serve`."""

from __future__ import annotations

import argparse
import ipaddress
import sys

from lstmlab.errors import ConfigError

LOOPBACK = ("localhost",)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="a local web page and JSON API to try trained runs and look inside them",
        description="Serve a web page (and a JSON API under /api) on which you type a text and "
        "see the runs' predictions, per-word evidence, tags and LSTM heatmaps. Needs the "
        "'serve' extra: pip install 'lstmlab[serve]'.",
    )
    parser.add_argument("runs", nargs="+", metavar="RUN", help="trained run folders")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, this machine only)",
    )
    parser.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch CPU threads per request (default: 1)"
    )
    parser.add_argument(
        "--data-dir",
        help="data root for the unit search's validation data (default: $LSTMLAB_DATA)",
    )
    parser.add_argument(
        "--allow-data",
        action="append",
        default=[],
        metavar="FOLDER",
        help="a folder the unit search may also read validation data from (a run trained on "
        "your own files); else it reads only the run folder and the data root (repeatable)",
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name clients may reach the server by, besides its address (and "
        "localhost on loopback); '*' allows any (repeatable; guards against DNS rebinding)",
    )
    parser.set_defaults(func=run_serve)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run_serve(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        raise ConfigError(f"--port must be in 1..65535, got {args.port}")
    if args.threads < 1:
        raise ConfigError(f"--threads must be a positive integer, got {args.threads}")
    try:
        import uvicorn

        from lstmlab.serve import load_app
    except ModuleNotFoundError as error:
        raise ConfigError(
            f"lstmlab serve needs {error.name}: pip install 'lstmlab[serve]'"
        ) from None
    import torch

    torch.set_num_threads(args.threads)
    app = load_app(
        args.runs,
        args.data_dir,
        host=args.host,
        allow_hosts=args.allow_host,
        allow_data=args.allow_data,
    )
    if not is_loopback(args.host):
        print(
            f"lstmlab: warning: listening on {args.host}: anyone who can reach this machine "
            "can use the page and the API (there is no authentication)",
            file=sys.stderr,
        )
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(
        f"lstmlab: serving {len(args.runs)} run(s) on http://{shown}:{args.port}/ (Ctrl-C stops)",
        file=sys.stderr,
    )
    # No colours: the log goes through the terminal-safe stderr, which would show them escaped.
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", use_colors=False)
    return 0
