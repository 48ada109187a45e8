"""Random request bodies and queries: every answer is JSON, 2xx or 4xx, never a 500."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# (Training in a fixture may leave the CPU flushing subnormals: hypothesis then refuses to
# draw them, so the tiny temperatures are listed instead.)
FAST = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

KEYS = ["text", "evidence", "layer", "direction", "tokens", "temperature", "top_k", "seed"]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=False)
    | st.text(max_size=30)
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=8)
bodies = st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), values, max_size=5)
# Bodies with a usable text and the other fields random: they reach the model.
texted = st.fixed_dictionaries(
    {"text": st.text(min_size=1, max_size=40)},
    optional={
        key: values | st.integers(0, 3) | st.sampled_from([1e-300, 5e-324, 0.7, 10.0])
        for key in KEYS
        if key != "text"
    },
)


def check(response) -> None:
    assert response.status_code < 500, response.text
    answer = response.json()  # always JSON
    if response.status_code >= 400:
        assert set(answer) == {"error"} and len(answer["error"].splitlines()) == 1


ENDPOINTS = ["sentiment/predict", "sentiment/inside", "pos/predict", "lm/generate", "lm/inside"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@FAST
@given(body=bodies | texted)
def test_random_json_bodies(client, endpoint, body):
    # json.dumps writes NaN and Infinity, which Python's parser (the server's) accepts.
    content = json.dumps(body).encode("utf-8", "surrogatepass")
    check(
        client.post(
            f"/api/runs/{endpoint}", content=content, headers={"Content-Type": "application/json"}
        )
    )


@FAST
@given(raw=st.binary(max_size=300))
def test_random_bytes(client, raw):
    check(
        client.post(
            "/api/runs/sentiment/predict", content=raw, headers={"Content-Type": "application/json"}
        )
    )


@FAST
@given(
    unit=st.integers(-(2**40), 2**40),
    layer=st.integers(-5, 2**40) | st.text(max_size=5),
    direction=st.text(max_size=5) | st.sampled_from(["fwd", "bwd"]),
    gate=st.text(max_size=3) | st.sampled_from(list("ifgoch")),
)
def test_random_unit_queries(client, unit, layer, direction, gate):
    check(
        client.get(
            f"/api/runs/sentiment/units/{unit}",
            params={"layer": layer, "direction": direction, "gate": gate},
        )
    )
