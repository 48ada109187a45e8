"""Load on ``lstmlab serve``: N requests at concurrency C on loopback; p50/p95 latency, req/s.

    flock /tmp/lstmlab-heavy.lock .venv/bin/python benchmarks/serve_load.py runs/<sentiment-run>

The server is the real command (``lstmlab serve RUN --port P --threads T``) in its own
process; the client is this process, C threads, each request a new HTTP/1.1 connection
(``http.client``), ``POST /api/runs/<name>/predict`` with a review drawn from a fixed list of
short and long ones (seeded); ``--no-evidence`` asks without the per-word evidence. Every
answer must be 200 with a label; the script fails otherwise. The first 20 requests warm the
server up and are not counted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REVIEWS = [
    "A moving, funny film.",
    "Dull. I walked out after an hour.",
    "The cast is brilliant and the story kept me guessing until the very last scene, "
    "although the middle drags a little and the music is far too loud.",
    "I had high hopes for this one, having loved the book, but the adaptation loses "
    "everything that made the novel special: the characters are flat, the dialogue is "
    "clumsy and the ending is rushed. Still, the photography is gorgeous and one or two "
    "scenes almost work. " * 3,
]
WARM_UP = 20


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(port: int, name: str, text: str, evidence: bool = True) -> float:
    """One POST; returns its latency in seconds (raises unless 200 with a label)."""
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        body = json.dumps({"text": text, "evidence": evidence}).encode()
        connection.request(
            "POST", f"/api/runs/{name}/predict", body, {"Content-Type": "application/json"}
        )
        response = connection.getresponse()
        answer = json.loads(response.read())
    finally:
        connection.close()
    if response.status != 200 or "label" not in answer:
        raise RuntimeError(f"request failed: {response.status} {answer}")
    return time.perf_counter() - start


def wait_until_up(port: int, server: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the server exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a sentiment run folder")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1, help="the server's torch threads")
    parser.add_argument(
        "--no-evidence", action="store_true", help='ask with "evidence": false (label only)'
    )
    args = parser.parse_args()

    from lstmlab.serve.app import run_names

    name = run_names([args.run])[0]
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lstmlab",
            "serve",
            str(args.run),
            "--port",
            str(port),
            "--threads",
            str(args.threads),
        ]
    )
    try:
        wait_until_up(port, server)
        rng = random.Random(0)
        texts = [rng.choice(REVIEWS) for _ in range(WARM_UP + args.requests)]
        for text in texts[:WARM_UP]:
            request(port, name, text, not args.no_evidence)
        start = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            latencies = list(
                pool.map(lambda t: request(port, name, t, not args.no_evidence), texts[WARM_UP:])
            )
        elapsed = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=30)
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"{args.requests} requests, concurrency {args.concurrency}, server --threads "
        f"{args.threads}, evidence {'off' if args.no_evidence else 'on'}: 0 errors, "
        f"p50 {1000 * cuts[49]:.1f} ms, p95 {1000 * cuts[94]:.1f} ms, "
        f"{args.requests / elapsed:.1f} requests/s ({elapsed:.1f} s)"
    )
    # With evidence, an answer costs T + 1 forward passes: latency grows with the review.
    for review in REVIEWS:
        mine = [t for t, text in zip(latencies, texts[WARM_UP:], strict=True) if text == review]
        print(
            f"  {len(review.split()):>3}-word review: {len(mine)} requests, median "
            f"{1000 * statistics.median(mine):.1f} ms"
        )


if __name__ == "__main__":
    main()
