"""Refusals: each failure's HTTP status, gRPC code and message, from the one mapping."""

import json

import grpc
import pytest
from pydantic import TypeAdapter, ValidationError
from ray.serve.exceptions import BackPressureError

from textml.exceptions import EngineFailure
from textml.service.schema import TranslateRequest
from textml.transport.errors import describe_errors, invalid_body, not_json, refusal_for, too_large


def errors_of(body: str) -> list[dict]:
    with pytest.raises(ValidationError) as raised:
        TranslateRequest.model_validate_json(body)
    return raised.value.errors(include_url=False)


def test_schema_refusals_name_the_field_and_what_was_given():
    refusal = invalid_body(errors_of('{"text": "hi", "language": "xx"}'))
    assert (refusal.status_code, refusal.grpc_code) == (422, grpc.StatusCode.INVALID_ARGUMENT)
    assert refusal.message == (
        "language: unknown language: give an ISO 639-1 code (e.g. 'de') or a name ('German') (got 'xx')"
    )
    assert invalid_body(errors_of('{"language": "german"}')).message == "text: Field required"


def test_a_body_that_is_not_json_is_a_400_naming_what_was_received():
    refusal = invalid_body(errors_of("MANGO 2"))
    assert refusal.status_code == 400
    assert refusal.message == "body is not valid JSON: expected value at line 1 column 1 (got 'MANGO 2')"
    long = invalid_body(errors_of("It was the best of times, it was the worst of times, it was the age")).message
    assert long.endswith("(got 'It was the best of times, it was the worst of times, it ...)")


def test_a_json_message_ending_in_at_names_the_position_once():
    """Python's json (FastAPI's reader) says "Unterminated string starting at": not "starting at at line 1"."""
    body = '{"text": "It was the best'
    with pytest.raises(json.JSONDecodeError) as raised:
        json.loads(body)
    error = {"type": "json_invalid", "loc": ("body", raised.value.pos), "msg": "JSON decode error", "input": {}}
    refusal = not_json({**error, "ctx": {"error": raised.value.msg}}, body)
    assert refusal.message == (
        'body is not valid JSON: Unterminated string starting at line 1 column 10 (got \'{"text": "It was the best\')'
    )


def test_a_blank_text_is_named_once():
    assert invalid_body(errors_of('{"text": "  "}')).message == "text: should not be empty or blank (got '  ')"


def test_positions_are_named_by_field_names():
    with pytest.raises(ValidationError) as raised:
        TypeAdapter(tuple[str, int]).validate_json('["MANGO", "two"]')
    assert describe_errors(raised.value.errors(), ("fruit", "amount")).startswith("amount: Input should be")


def test_long_inputs_are_shortened_in_messages():
    message = invalid_body(errors_of('{"text": "hi", "language": "' + "x" * 500 + '"}')).message
    assert len(message) < 200 and message.endswith("...)")


def test_retryable_failures_are_503_with_retry_after_and_unavailable():
    for error in (BackPressureError(num_queued_requests=3, max_queued_requests=2), EngineFailure("engine broke")):
        refusal = refusal_for(error)
        assert (refusal.status_code, refusal.grpc_code) == (503, grpc.StatusCode.UNAVAILABLE)
        assert refusal.headers["Retry-After"] == "1" and refusal.message.endswith("; retry")


def test_a_bug_is_not_a_refusal():
    assert refusal_for(KeyError("x")) is None
    assert too_large(70_000, 65_536).status_code == 413
