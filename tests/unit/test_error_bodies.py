"""Error bodies carry the service's own words, never a stack trace: text_ml_app's API and the quick start apps
driven in process as ASGI apps, and Serve's own answers to Ray's real exceptions (the cluster's fuzz test,
reliability/test_hostile_input.py, checks every body it gets the same way)."""

import asyncio
import json
import traceback

import pytest
from ray.exceptions import RayTaskError
from ray.serve._private.http_util import get_http_response_status, send_http_response_on_exception
from ray.serve._private.replica import UserCallableWrapper
from ray.serve.exceptions import BackPressureError
from starlette.requests import Request

from helpers.traces import leaked
from textml.apps.calc import Router
from textml.apps.fruit import FruitMarket
from textml.exceptions import EngineFailure
from textml.limits import MAX_TEXT_BODY_BYTES
from textml.transport.errors import refusal_for
from textml.transport.rest import api


def _scope(method: str, path: str, body: bytes, length: int | None = None) -> dict:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(length or len(body)).encode())]
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"", "headers": headers,
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
    }  # fmt: skip


def _receive(body: bytes):
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    return receive


def _call(app, method: str, path: str, body: bytes = b"", length: int | None = None) -> tuple[int, str]:
    """The status and body an ASGI app sends. A bug is re-raised after Starlette's 500 has been sent, as in a
    replica (Serve logs it)."""
    sent = []

    async def send(message: dict):
        sent.append(message)

    async def call():
        try:
            await app(_scope(method, path, body, length), _receive(body), send)
        except Exception:
            if not sent:
                raise

    asyncio.run(call())
    [status] = [m["status"] for m in sent if m["type"] == "http.response.start"]
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body").decode()


TEXT_ML = {
    "not JSON": ("POST", "/translate", b"It was the best of times", None, 400),
    "too large": ("POST", "/translate", b'"x"', MAX_TEXT_BODY_BYTES + 1, 413),
    "unknown route": ("POST", "/transalte", b'{"text": "hi"}', None, 404),
    "wrong method": ("GET", "/translate", b"", None, 405),
    # Outside a replica the route's service (serve.get_replica_context()) raises: the path every bug takes.
    "a bug": ("POST", "/translate", b'{"text": "hi"}', None, 500),
}


@pytest.mark.parametrize("case", TEXT_ML)
def test_text_ml_error_bodies_hold_no_trace(case):
    method, path, body, length, expected = TEXT_ML[case]
    status, text = _call(api, method, path, body, length)
    assert status == expected, text
    assert not leaked(text, body.decode()), text
    if status < 500:
        assert json.loads(text)["error"]
    else:
        assert text == "Internal Server Error"  # Starlette's own, debug off


@pytest.mark.parametrize("deployment", [FruitMarket, Router], ids=["fruit_app", "math_app"])
@pytest.mark.parametrize("body", [b"", b"nope", b'{"a": 1}', b'["KIWI", 2]', b'["MUL", "three"]', b"[1, 2, 3]"])
def test_quickstart_refusals_hold_no_trace(deployment, body):
    """Refused before any handle is called, so the deployment needs none."""
    instance = deployment.func_or_class(*([None] * (3 if deployment is FruitMarket else 2)))
    response = asyncio.run(instance(Request(_scope("POST", "/", body), _receive(body))))
    assert 400 <= response.status_code < 500
    assert json.loads(response.body)["error"] and not leaked(response.body.decode(), body.decode())


def _raised_in_a_replica(error: Exception) -> RayTaskError:
    """`error` as a handle call gets it from another replica: Ray's RayTaskError, which renders the remote
    traceback in its own text."""
    try:
        raise error
    except Exception as cause:
        return RayTaskError("ServeReplica:text_ml_app:Summarizer", traceback.format_exc(), cause).as_instanceof_cause()


def test_a_failure_in_another_replica_is_answered_with_its_message_alone():
    wrapped = _raised_in_a_replica(EngineFailure("the ctranslate2 engine failed: out of memory"))
    assert leaked(str(wrapped)), "Ray's text of the error carries the trace; the answer must not"
    refusal = refusal_for(wrapped)
    assert refusal.status_code == 503
    assert json.loads(refusal.response().body) == {"error": "the ctranslate2 engine failed: out of memory; retry"}


def test_serve_answers_a_bug_without_its_trace():
    """What Serve 2.60 sends when a deployment raises: pinned, so an upgrade that sends more fails here."""
    bug = _raised_in_a_replica(KeyError("MANGO"))
    # fruit_app and math_app are plain deployments: Serve's replica answers for them (it reads only a class
    # attribute, so the wrapper needs no deployment).
    response = UserCallableWrapper.handle_exception(UserCallableWrapper.__new__(UserCallableWrapper), bug)
    assert (response.status_code, response.body) == (500, b"Internal Server Error")
    # The HTTP proxy, meeting the replica's error: its status message holds the trace, but goes to the log only.
    status = get_http_response_status(bug, 60, "request-1")
    assert status.code == 500 and leaked(status.message)
    assert send_http_response_on_exception(status, response_started=False) == []
    backpressure = BackPressureError(num_queued_requests=3, max_queued_requests=2)
    for error in (TimeoutError(), backpressure, _raised_in_a_replica(backpressure)):
        status = get_http_response_status(error, 60, "request-1")
        start, body = send_http_response_on_exception(status, response_started=False)
        assert start["status"] in (408, 503) and body["body"] and not leaked(body["body"].decode())
