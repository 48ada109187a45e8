"""A bounded loopback load test: 200 requests, 8 at a time, good and bad mixed, no failure."""

from __future__ import annotations

import http.client
import json
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

REQUESTS = 200
CONCURRENCY = 8


def post(base: str, path: str, body: bytes, content_type: str = "application/json"):
    url = urlparse(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        connection.request("POST", path, body, {"Content-Type": content_type})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_concurrent_requests_all_get_their_answer(live_server):
    def one(n: int):
        if n % 10 == 9:  # every tenth request is bad
            return post(live_server, "/api/runs/sentiment/predict", b"\xff\xfe", "text/plain")
        text = f"the film was {'great' if n % 2 else 'awful'} and the cast {n}"
        return post(live_server, "/api/runs/sentiment/predict", json.dumps({"text": text}).encode())

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        answers = list(pool.map(one, range(REQUESTS)))
    for n, (status, answer) in enumerate(answers):
        if n % 10 == 9:
            assert (status, list(answer)) == (415, ["error"])
        else:
            assert status == 200
            assert answer["label"] == ("pos" if n % 2 else "neg")
    status, answer = post(
        live_server, "/api/runs/pos/predict", b'{"text": "A dog sat on the mat ."}'
    )
    assert status == 200 and answer["tags"] == ["DT", "NN", "VBD", "IN", "DT", "NN", "."]
