"""Bad input gets a 4xx whose JSON body names the problem, and the service keeps serving."""

import pytest
import requests

from helpers.cluster import PROXY
from helpers.http import post
from textml.limits import MAX_SMALL_BODY_BYTES, MAX_TEXT_BODY_BYTES, MAX_TEXT_CHARS

BAD_INPUTS = [
    # route, raw body, status, words the error must contain
    ("/summarize_translate", b"It was the best of times", 400, "Expecting value at line 1 column 1 (got 'It was"),
    ("/summarize_translate", b"", 400, "empty"),
    ("/summarize_translate", b'{"text": "hello"}', 422, "valid string"),
    ("/summarize_translate", b"42", 422, "valid string"),
    ("/summarize_translate", b'""', 422, "not be empty or blank"),
    ("/summarize_translate", b'"   "', 422, "not be empty or blank"),
    ("/summarize_translate", b'"' + b"a" * (MAX_TEXT_CHARS + 1) + b'"', 413, "the limit is 100,000"),
    ("/summarize_translate", b'"' + b"a" * MAX_TEXT_BODY_BYTES + b'"', 413, f"limit is {MAX_TEXT_BODY_BYTES}"),
    ("/fruit", b'["MANGO", ' + b" " * MAX_SMALL_BODY_BYTES + b"2]", 413, f"limit is {MAX_SMALL_BODY_BYTES}"),
    ("/fruit", b"MANGO 2", 400, "not valid JSON: expected value at line 1 column 1 (got 'MANGO 2')"),
    ("/fruit", b'{"MANGO": 2}', 422, "fruit: Field required"),
    ("/fruit", b'"MANGO"', 422, "body: Input should be an array"),
    ("/fruit", b'["KIWI", 2]', 422, "fruit: Input should be 'MANGO', 'ORANGE' or 'PEAR' (got 'KIWI')"),
    ("/fruit", b'["MANGO", -1]', 422, "amount: Input should be greater than or equal to 0"),
    ("/fruit", b'["MANGO", "two"]', 422, "amount: Input should be a valid number"),
    ("/fruit", b'["MANGO", true]', 422, "amount"),
    ("/fruit", b'["MANGO"]', 422, "amount: Field required"),
    ("/fruit", b'["MANGO", 1e999]', 422, "finite number"),
    ("/calc", b'["DIV", 3]', 422, "operation: Input should be 'ADD' or 'MUL' (got 'DIV')"),
    ("/calc", b'["MUL", "3"]', 422, "amount: Input should be a valid number"),
    ("/calc", b"[", 400, "not valid JSON"),
]


@pytest.mark.parametrize("route, body, status, words", BAD_INPUTS)
def test_bad_input_is_named(cluster, route, body, status, words):
    response = requests.post(f"{PROXY}{route}", data=body, headers={"Content-Type": "application/json"}, timeout=60)
    assert response.status_code == status, response.text
    assert words in response.json()["error"]


def test_service_healthy_after_bad_input(cluster):
    for route, body, *_ in BAD_INPUTS:
        requests.post(f"{PROXY}{route}", data=body, timeout=60)
    assert post("/fruit", ["MANGO", 2]).json() == 6
    assert post("/calc", ["ADD", 3]).json() == "6 pizzas please!"
    translated = post("/summarize_translate", "It was the best of times")
    assert translated.status_code == 200 and translated.text
    assert requests.get(f"{PROXY}/-/healthz", timeout=10).status_code == 200
