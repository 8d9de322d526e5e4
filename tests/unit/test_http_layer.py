"""text_ml_app's HTTP layer, in process as Serve mounts it (at its route prefix): every route answers with and
without a trailing slash and never redirects, bodies are read as JSON whatever their Content-Type (but a
text/plain one at the root route: the text itself), a body that is not JSON is refused with 400 naming what was
received, and languages are read in any case on every route."""

import json

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.testclient import TestClient

from textml.service import schema
from textml.transport.bodies import JsonBodies
from textml.transport.dependencies import text_service
from textml.transport.paths import canonical_path
from textml.transport.rest import OTHER_APIS, api

PREFIX = "/summarize_translate"
CLIENT = TestClient(api, root_path=PREFIX)
# The native API's (those of other services: test_client_api_parameters.py).
POST_ROUTES = sorted(
    route.path
    for route in api.routes
    if isinstance(route, APIRoute) and "POST" in route.methods and not route.path.startswith(OTHER_APIS)
)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}  # what `curl -d` sends
NOT_JSON = "body is not valid JSON: Expecting value at line 1 column 1 (got 'It was the best of times')"


@pytest.mark.parametrize(
    "path, canonical",
    [
        (PREFIX, f"{PREFIX}/"),
        (f"{PREFIX}/", f"{PREFIX}/"),
        (f"{PREFIX}/translate/", f"{PREFIX}/translate"),
        (f"{PREFIX}/translate/batch//", f"{PREFIX}/translate/batch"),
        (f"{PREFIX}/docs", f"{PREFIX}/docs"),
        ("/elsewhere/", "/elsewhere/"),  # not under the app's prefix: left alone
    ],
)
def test_paths_are_made_canonical(path, canonical):
    assert canonical_path(path, PREFIX) == canonical


@pytest.mark.parametrize("route", POST_ROUTES)
@pytest.mark.parametrize("slash", ["", "/"])
def test_every_route_answers_with_and_without_a_trailing_slash(route, slash):
    """The body is read by the route itself (a 400 for this one), not answered 307, 404 or 405."""
    path = PREFIX + route.rstrip("/") + slash
    response = CLIENT.post(path, content=b"It was the best of times", headers=FORM, follow_redirects=False)
    assert response.status_code == 400, (path, response.status_code, response.text)
    assert response.json() == {"error": NOT_JSON}


def test_root_route_and_typed_routes_are_all_there():
    assert POST_ROUTES == [
        "/",
        "/detect",
        "/summarize",
        "/summarize-translate",
        "/summarize-translate/batch",
        "/summarize/batch",
        "/translate",
        "/translate/batch",
    ]


def test_docs_and_schema_are_still_served():
    for path in ("/openapi.json", "/docs", "/docs/", "/static-offline-docs/swagger-ui.css"):
        assert CLIENT.get(PREFIX + path, follow_redirects=False).status_code == 200, path


def test_a_bad_body_names_where_it_stops_being_json():
    body = b'{"text": "It was the best of times",\n "language": german}'
    message = CLIENT.post(f"{PREFIX}/translate", content=body).json()["error"]
    assert message.startswith('body is not valid JSON: Expecting value at line 2 column 14 (got \'{"text"')


@pytest.mark.parametrize(
    "body, why",
    [
        (b'{"text": "It was the best', "Unterminated string starting at line 1 column 10"),
        (b'{"text": "It was\tthe best"}', "Invalid control character at line 1 column 17"),
        (b'{"text": "hi"} {}', "Extra data at line 1 column 16"),
    ],
)
def test_python_json_messages_that_end_in_at_are_not_doubled(body, why):
    """Python's json says "Unterminated string starting at"; the position follows it once: not "at at line"."""
    message = CLIENT.post(f"{PREFIX}/translate", content=body).json()["error"]
    assert message.startswith(f"body is not valid JSON: {why} (got "), message
    assert " at at " not in message


class Answers:
    """TextService's summarize_translate, answering each text quoted: what the root route was given."""

    async def summarize_translate(self, texts: list[str], *args):
        fields = {"language": "german", "source": "en", "segments": [], "chunks": 1, "levels": 1}
        return [schema.SummaryTranslation(summary=text, translation=repr(text), **fields) for text in texts]


@pytest.fixture
def root():
    """The root route's URL with a service that answers (the in-process app has no replica to ask)."""
    api.dependency_overrides[text_service] = Answers
    try:
        yield f"{PREFIX}/"
    finally:
        api.dependency_overrides.pop(text_service)


TEXT = 'It was the best of times,\n"it was" the worst of times. Es war schön.'


@pytest.mark.parametrize("content_type", ["text/plain", "text/plain; charset=utf-8", "Text/Plain"])
@pytest.mark.parametrize("slash", ["", "/"])
def test_a_text_plain_body_at_the_root_route_is_the_text_itself(root, content_type, slash):
    response = CLIENT.post(root.rstrip("/") + slash, content=TEXT.encode(), headers={"Content-Type": content_type})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain") and response.text == repr(TEXT)
    # A JSON string sent as text/plain is that text, quotes and all.
    quoted = CLIENT.post(root, content=b'"It was"', headers={"Content-Type": content_type})
    assert quoted.text == repr('"It was"')


@pytest.mark.parametrize("headers", [{}, {"Content-Type": "application/json"}, FORM])
def test_the_root_route_still_takes_a_json_string_otherwise(root, headers):
    response = CLIENT.post(root, content=json.dumps(TEXT).encode(), headers=headers)
    assert response.status_code == 200 and response.text == repr(TEXT)
    refused = CLIENT.post(root, content=b"It was the best of times", headers=headers)
    assert (refused.status_code, refused.json()) == (400, {"error": NOT_JSON})


@pytest.mark.parametrize(
    "body, status, message",
    [
        (b"", 400, "body is empty; send a JSON value"),
        (b"   ", 422, "body: should not be empty or blank (got '   ')"),
        (b"\xff\xfe", 422, "body: Input should be a valid string, unable to parse raw data as a unicode string"),
    ],
)
def test_a_text_plain_body_at_the_root_route_is_refused_as_text_is(root, body, status, message):
    response = CLIENT.post(root, content=body, headers={"Content-Type": "text/plain"})
    assert response.status_code == status and response.json()["error"].startswith(message), response.text


def test_text_plain_elsewhere_is_still_read_as_json():
    response = CLIENT.post(
        f"{PREFIX}/translate", content=b"It was the best of times", headers={"Content-Type": "text/plain"}
    )
    assert (response.status_code, response.json()) == (400, {"error": NOT_JSON})


@pytest.mark.parametrize("content_type", [None, "application/json", "application/x-www-form-urlencoded", "text/plain"])
def test_bodies_are_read_as_json_whatever_their_content_type(content_type):
    """A real FastAPI app with the middleware and a route typed like /translate."""
    app = FastAPI()
    app.add_middleware(JsonBodies)

    @app.post("/translate")
    async def echo(request: schema.TranslateRequest) -> schema.TranslateRequest:
        return request

    headers = {"Content-Type": content_type} if content_type else {}
    response = TestClient(app).post("/translate", content=b'{"text": "hi", "language": "German"}', headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["language"] == "de"


@pytest.mark.parametrize(
    "request_type, body",
    [
        (schema.TranslateRequest, {"text": "hi"}),
        (schema.SummarizeTranslateRequest, {"text": "hi"}),
        (schema.TranslateBatchRequest, {"texts": ["hi"]}),
        (schema.SummarizeTranslateBatchRequest, {"texts": ["hi"]}),
    ],
)
@pytest.mark.parametrize("language", ["german", "German", "GERMAN", "de", "DE", "deu", "Deutsch"])
def test_every_request_with_a_language_takes_a_name_or_code_in_any_case(request_type, body, language):
    """The JSON routes and the gRPC methods read their requests with these types: a language as its ISO code."""
    assert request_type.model_validate({**body, "language": language}).language == "de"


@pytest.mark.parametrize(
    "source, code", [("auto", "auto"), ("AUTO", "auto"), ("French", "fr"), ("fr", "fr"), (None, None)]
)
def test_a_source_is_a_language_or_auto(source, code):
    assert schema.TranslateRequest(text="hi", source=source).source == code
