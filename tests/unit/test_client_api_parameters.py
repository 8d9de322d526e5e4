"""LibreTranslate's and DeepL's APIs in process: their parameters read from a form, JSON or the query string as
their clients send them, what reaches the service, and refusals in each API's words. The answers themselves,
from real models through the clients: tests/cluster/test_client_apis.py."""

import pytest
from starlette.testclient import TestClient

from textml.documents.markup import Tags
from textml.transport.dependencies import text_service
from textml.transport.documents import file_jobs
from textml.transport.errors import Refusal, dialect_of
from textml.transport.rest import api

PREFIX = "/summarize_translate"
LIBRETRANSLATE = f"{PREFIX}/libretranslate"
DEEPL = f"{PREFIX}/deepl/v2"


class Reached(Exception):
    def __init__(self, method: str, args: tuple):
        super().__init__(method)
        self.method, self.args = method, args


class Service:
    """Raises Reached with the method called and its arguments (the in-process app has no replica to ask)."""

    def __getattr__(self, method: str):
        async def called(*args):
            raise Reached(method, args)

        return called


@pytest.fixture(scope="module")
def client():
    api.dependency_overrides[text_service] = Service
    api.dependency_overrides[file_jobs] = Service
    try:
        yield TestClient(api, root_path=PREFIX, raise_server_exceptions=True)
    finally:
        api.dependency_overrides.pop(text_service)
        api.dependency_overrides.pop(file_jobs)


def reached(client: TestClient, path: str, **request) -> tuple:
    with pytest.raises(Reached) as raised:
        client.post(path, **request)
    return raised.value.method, raised.value.args


def test_libretranslate_reads_forms_and_json_alike(client):
    form = {"q": "Hello there.", "source": "EN", "target": "German", "api_key": "k", "client_id": "ignored"}
    assert reached(client, f"{LIBRETRANSLATE}/translate", data=form) == ("translate", (["Hello there."], "de", "en"))
    body = {"q": ["a b", "c d"], "target": "fr", "format": "html"}
    assert reached(client, f"{LIBRETRANSLATE}/translate", json=body) == (
        "translate_markup",
        (["a b", "c d"], "fr", "auto"),
    )
    assert reached(client, f"{LIBRETRANSLATE}/detect", data={"q": "Hallo"}) == ("detect", ("Hallo",))


def test_deepl_reads_repeated_form_fields_lists_and_tag_names(client):
    form = {"text": ["One.", "Two."], "target_lang": "EN-GB", "source_lang": "DE"}
    assert reached(client, f"{DEEPL}/translate", data=form) == ("translate", (["One.", "Two."], "en", "de"))
    body = {
        "text": ["<p>x</p>"],
        "target_lang": "PT-BR",
        "tag_handling": "xml",
        "ignore_tags": "x,Y",
        "model_type": "z",
    }
    method, args = reached(client, f"{DEEPL}/translate", json=body)
    assert (method, args) == ("translate_markup", (["<p>x</p>"], "pt", None, "xml", Tags(frozenset({"x", "y"}))))
    query = reached(client, f"{PREFIX}/v2/translate?text=Hi&target_lang=DE", data={"formality": "prefer_less"})
    assert query == ("translate", (["Hi"], "de", None))


@pytest.mark.parametrize(
    "path, request_, status, error",
    [
        (f"{LIBRETRANSLATE}/translate", {"data": {"target": "de"}}, 400, {"error": "q: Field required"}),
        (f"{LIBRETRANSLATE}/translate", {"json": {"q": " ", "target": "de"}}, 400, None),
        (f"{LIBRETRANSLATE}/translate", {"content": b"{", "headers": {"Content-Type": "application/json"}}, 400, None),
        (f"{LIBRETRANSLATE}/translate_file", {"data": {"target": "de"}}, 400, None),
        (f"{LIBRETRANSLATE}/translate_file", {"files": {"file": ("a.txt", b"Hi.")}}, 400, None),
        (f"{DEEPL}/translate", {"json": {"text": ["a"]}}, 400, {"message": "target_lang: Field required"}),
        (f"{DEEPL}/translate", {"json": {"text": ["a"], "target_lang": "DE", "formality": "less"}}, 400, None),
        (f"{DEEPL}/translate", {"json": {"text": ["a"], "target_lang": "DE", "glossary_id": "g"}}, 400, None),
        (f"{DEEPL}/translate", {"json": {"text": ["a"] * 51, "target_lang": "DE"}}, 400, None),
        (f"{DEEPL}/translate", {"json": {"text": ["a" * 100_001], "target_lang": "DE"}}, 413, None),
        (f"{DEEPL}/document", {"data": {"target_lang": "DE"}}, 400, None),
        (f"{DEEPL}/document", {"files": {"file": ("a.txt", b"Hi.")}}, 400, {"message": "target_lang: Field required"}),
        (
            f"{DEEPL}/document",
            {"data": {"target_lang": "DE", "output_format": "pdf"}, "files": {"file": ("a.txt", b"")}},
            400,
            None,
        ),
        (f"{PREFIX}/documents", {"data": {"language": "de"}}, 422, {"error": "file: Field required"}),
        (f"{PREFIX}/documents", {"files": {"file": ("a.txt", b"Hi.")}, "data": {"language": "xx-nope"}}, 422, None),
        (f"{DEEPL}/nothing", {"data": {}}, 404, {"message": "Not Found"}),
    ],
)
def test_refusals_in_each_apis_words(client, path, request_, status, error):
    response = client.post(path, **request_)
    assert response.status_code == status, response.text
    field = "message" if "/v2/" in path else "error"
    assert set(response.json()) == {field} and response.json()[field]
    if error:
        assert response.json() == error


def test_each_files_route_reaches_the_jobs_with_the_file_and_languages(client):
    upload = {"file": ("talk.txt", b"Hello.", "text/plain")}
    expected = ("submit", ("talk.txt", b"Hello.", "de", "en"))
    assert reached(client, f"{PREFIX}/documents", files=upload, data={"language": "German", "source": "en"}) == expected
    assert (
        reached(client, f"{DEEPL}/document", files=upload, data={"target_lang": "DE", "source_lang": "EN"}) == expected
    )
    form = {"target": "de", "source": "en", "api_key": "k"}
    assert reached(client, f"{LIBRETRANSLATE}/translate_file", files=upload, data=form) == expected
    named = reached(client, f"{DEEPL}/document", files=upload, data={"target_lang": "DE", "filename": "x.md"})
    assert named == ("submit", ("x.md", b"Hello.", "de", None))


def test_deepl_usage_by_get_and_post(client):
    assert client.get(f"{DEEPL}/usage").json()["character_limit"] > 0
    assert client.post(f"{DEEPL}/usage").status_code == 200


def test_each_api_has_its_dialect():
    assert dialect_of({"path": "/p/deepl/v2/translate", "root_path": "/p"}).message_field == "message"
    assert dialect_of({"path": "/p/libretranslate/translate", "root_path": "/p"}).status(422) == 400
    assert dialect_of({"path": "/p/translate", "root_path": "/p"}).status(422) == 422
    response = Refusal(413, "too long").response({"path": "/p/v2/translate", "root_path": "/p"})
    assert (response.status_code, response.body) == (413, b'{"message":"too long"}')
