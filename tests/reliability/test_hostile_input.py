"""Property-based fuzzing of every HTTP route: never a 5xx, every 4xx carries a message, and no error body
carries a stack trace."""

import json

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.cluster import PROXY
from helpers.traces import leaked

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
NEAR_MISSES = st.tuples(
    st.sampled_from(["MANGO", "ORANGE", "PEAR", "ADD", "MUL", "mango", "KIWI", ""]),
    st.one_of(st.integers(), st.floats(), st.text(max_size=5), st.none(), st.booleans()),
).map(list)
# Bodies shaped like the typed API's, with any values.
TYPED_NEAR_MISSES = st.fixed_dictionaries(
    {},
    optional={
        "text": st.one_of(st.text(max_size=60), JSON_VALUES),
        "texts": st.one_of(st.lists(st.text(max_size=20), max_size=5), JSON_VALUES),
        "language": st.one_of(st.sampled_from(["french", "german", "romanian", "German", "klingon", ""]), JSON_VALUES),
        "min_length": st.one_of(st.integers(-5, 300), JSON_VALUES),
        "max_length": st.one_of(st.integers(-5, 300), JSON_VALUES),
    },
)
LANGUAGES = st.sampled_from(["french", "german", "romanian"])
WORDS = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=60)
TYPED_BODIES = st.one_of(
    st.fixed_dictionaries({"text": WORDS}, optional={"language": LANGUAGES, "max_length": st.integers(1, 20)}),
    st.fixed_dictionaries({"texts": st.lists(WORDS, min_size=1, max_size=3)}, optional={"language": LANGUAGES}),
)
BODIES = st.one_of(
    TYPED_BODIES.map(lambda value: json.dumps(value).encode()),
    JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    NEAR_MISSES.map(lambda value: json.dumps(value).encode()),
    TYPED_NEAR_MISSES.map(lambda value: json.dumps(value).encode()),
    st.text(max_size=300).map(lambda text: json.dumps(text).encode()),
    st.binary(max_size=300),
)


def _as_quoted(body: bytes) -> str:
    """The body as a refusal may quote it back: as sent, and as the repr of its JSON value."""
    text = body.decode("utf-8", "replace")
    try:
        return text + repr(json.loads(body))
    except ValueError:  # not JSON, or not UTF-8
        return text


@pytest.mark.parametrize(
    "route",
    [
        "/fruit",
        "/calc",
        "/summarize_translate",
        "/summarize_translate/translate",
        "/summarize_translate/summarize",
        "/summarize_translate/summarize-translate/batch",
    ],
)
def test_fuzzed_bodies_never_give_5xx(cluster, route):
    seen = {"4xx": 0, "2xx": 0}

    @settings(
        max_examples=500, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(body=BODIES)
    def check(body: bytes):
        response = requests.post(f"{PROXY}{route}", data=body, headers={"Content-Type": "application/json"}, timeout=60)
        sent = _as_quoted(body)
        if response.status_code >= 400:  # checked first, so that a 5xx with a trace fails naming the trace
            assert not leaked(response.text, sent), (body, response.status_code, response.text)
        assert response.status_code < 500, (body, response.status_code, response.text)
        if response.status_code >= 400:
            error = response.json()["error"]
            assert isinstance(error, str) and error, (body, response.text)
            assert not leaked(error, sent), (body, response.text)  # the message as JSON-decoded
            seen["4xx"] += 1
        else:
            seen["2xx"] += 1

    check()
    print(f"{route}: 500 generated bodies, {seen['2xx']} answered, {seen['4xx']} refused with a message")
    assert seen["4xx"] > 0 and seen["2xx"] > 0
