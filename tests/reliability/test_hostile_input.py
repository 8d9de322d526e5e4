"""Property-based fuzzing of every HTTP route: never a 5xx, and every 4xx carries a message."""

import json

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from serve_cluster import PROXY

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
NEAR_MISSES = st.tuples(
    st.sampled_from(["MANGO", "ORANGE", "PEAR", "ADD", "MUL", "mango", "KIWI", ""]),
    st.one_of(st.integers(), st.floats(), st.text(max_size=5), st.none(), st.booleans()),
).map(list)
BODIES = st.one_of(
    JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    NEAR_MISSES.map(lambda value: json.dumps(value).encode()),
    st.text(max_size=300).map(lambda text: json.dumps(text).encode()),
    st.binary(max_size=300),
)


@pytest.mark.parametrize("route", ["/fruit", "/calc", "/summarize_translate"])
def test_fuzzed_bodies_never_give_5xx(cluster, route):
    seen = {"4xx": 0, "2xx": 0}

    @settings(max_examples=500, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(body=BODIES)
    def check(body: bytes):
        response = requests.post(f"{PROXY}{route}", data=body, headers={"Content-Type": "application/json"},
                                 timeout=60)
        assert response.status_code < 500, (body, response.status_code, response.text)
        if response.status_code >= 400:
            error = response.json()["error"]
            assert isinstance(error, str) and error, (body, response.text)
            seen["4xx"] += 1
        else:
            seen["2xx"] += 1

    check()
    print(f"{route}: 500 generated bodies, {seen['2xx']} answered, {seen['4xx']} refused with a message")
    assert seen["4xx"] > 0 and seen["2xx"] > 0
