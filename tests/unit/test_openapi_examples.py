"""The API's documentation offers a real body for every route ("Try it out" starts from the first example of
each), never `{}`, and each example is valid for its own request type: posted to the app in process, with a
service that stops the request where it arrives, it reaches the service as a validated request."""

import json
from typing import get_args

import pytest
from fastapi.routing import APIRoute
from starlette.testclient import TestClient

from textml.service.schema import EXAMPLES, GERMAN_TEXT, SEED_TEXT, TEXT_EXAMPLES, DetectRequest, SummarizeRequest
from textml.transport.dependencies import text_service
from textml.transport.rest import OTHER_APIS, api

SCHEMA = TestClient(api).get("/openapi.json").json()
# The native API's (those of other services: test_client_api_parameters.py).
POST_ROUTES = {
    route.path: route
    for route in api.routes
    if isinstance(route, APIRoute) and "POST" in route.methods and not route.path.startswith(OTHER_APIS)
}


class Reached(Exception):
    """Raised by the service the request reached, with what it was asked."""


class StopsAtTheService:
    """Every method of TextService, raising Reached with its name and arguments."""

    def __getattr__(self, method: str):
        async def called(*args, **kwargs):
            raise Reached(method, args, kwargs)

        return called


@pytest.fixture
def client():
    api.dependency_overrides[text_service] = StopsAtTheService
    try:
        yield TestClient(api)
    finally:
        api.dependency_overrides.pop(text_service)


def body_type(path: str) -> type | None:
    """The route's request type: the one its handler takes as `request` (None: the root route, a text)."""
    annotation = POST_ROUTES[path].endpoint.__annotations__.get("request")
    return get_args(annotation)[0] if annotation else None


def examples_in_schema(path: str, media_type: str = "application/json") -> dict:
    return SCHEMA["paths"][path]["post"]["requestBody"]["content"][media_type]["examples"]


def test_no_example_anywhere_in_the_schema_is_empty():
    def empties(node, where: str = ""):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("example", "examples", "value") and value in ({}, [], "", None):
                    yield f"{where}/{key}"
                yield from empties(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from empties(value, f"{where}/{index}")

    assert list(empties(SCHEMA)) == []


@pytest.mark.parametrize("path", sorted(POST_ROUTES))
def test_every_request_body_has_examples_and_they_are_the_schema_modules(path):
    expected = TEXT_EXAMPLES if path == "/" else EXAMPLES[body_type(path)]
    assert examples_in_schema(path) == expected
    for example in expected.values():
        assert example["summary"] and example["value"] not in ({}, [], "", None)


@pytest.mark.parametrize("request_type", EXAMPLES, ids=lambda t: t.__name__)
def test_each_example_is_valid_for_its_request_type(request_type):
    for name, example in EXAMPLES[request_type].items():
        request = request_type.model_validate(example["value"])
        assert request.model_dump(exclude_unset=True).keys() == example["value"].keys(), name


def test_examples_use_the_seeds_sentence_german_and_two_texts_for_batches():
    for request_type, named in EXAMPLES.items():
        for example in named.values():
            value = example["value"]
            if "texts" in value:
                assert len(value["texts"]) == 2
            if "language" in value:
                assert request_type.model_validate(value).language == "de"
            if request_type is DetectRequest:
                assert value == {"text": GERMAN_TEXT}
            else:
                assert SEED_TEXT[:-1] in json.dumps(value)
    assert {"min_length", "max_length"} <= EXAMPLES[SummarizeRequest]["lengths"]["value"].keys()
    assert set(EXAMPLES) == {body_type(path) for path in POST_ROUTES if path != "/"}


@pytest.mark.parametrize(
    "path, name", [(path, name) for path in sorted(POST_ROUTES) for name in examples_in_schema(path)]
)
def test_each_example_in_the_schema_reaches_the_service(client, path, name):
    """Posted as "Try it out" sends it: validated, not refused (400, 413, 422), the service is asked."""
    value = examples_in_schema(path)[name]["value"]
    with pytest.raises(Reached) as reached:
        client.post(path, json=value)
    method, args, _ = reached.value.args
    texts = args[0] if method != "detect" else [args[0]]
    assert texts == ([value] if path == "/" else value.get("texts") or [value["text"]]), method


def test_the_root_routes_text_plain_example_reaches_the_service_as_the_text(client):
    [example] = examples_in_schema("/", "text/plain").values()
    assert example["value"] == SEED_TEXT
    with pytest.raises(Reached) as reached:
        client.post("/", content=example["value"].encode(), headers={"Content-Type": "text/plain"})
    assert reached.value.args[:2] == ("summarize_translate", ([SEED_TEXT],))
