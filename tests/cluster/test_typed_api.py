"""text_ml_app's typed JSON API (FastAPI ingress): each route answers what the checkpoint itself gives,
batches answer in order, bad bodies are refused by name, and the OpenAPI document and docs page are served
without any outside asset."""

import json
import re

import pytest
import requests

from helpers.cluster import PROXY
from helpers.http import TEXT_ML_ROUTE as APP
from helpers.http import ok, post
from helpers.reference import decoding_of, summarized, summary_of, summary_translation_of, translation_of
from helpers.texts import TEXT, TEXTS
from textml.limits import MAX_BATCH_BODY_BYTES, MAX_BATCH_TEXTS, MAX_SUMMARY_TOKENS, MAX_TEXT_BODY_BYTES, MAX_TEXT_CHARS


def test_translate_configured_and_per_request_language(cluster, base_config, tiny_models):
    model = tiny_models[0]
    assert ok("/translate", {"text": TEXT}) == translation_of(base_config, model, TEXT, "french")
    assert ok("/translate", {"text": TEXT, "language": "german"}) == translation_of(base_config, model, TEXT, "german")
    # Any case, as in user_config.
    assert ok("/translate", {"text": TEXT, "language": "German"})["language"] == "german"


@pytest.mark.parametrize(
    "route, body",
    [
        ("/translate", {"text": TEXT}),
        ("/translate/batch", {"texts": [TEXT]}),
        ("/summarize-translate", {"text": TEXT}),
        ("/summarize-translate/batch", {"texts": [TEXT]}),
    ],
)
def test_languages_in_any_case_on_every_route(cluster, route, body):
    assert ok(route, {**body, "language": "GERMAN"})["language"] == "german"


@pytest.mark.parametrize("route", ["", "/", "/translate", "/translate/", "/summarize/batch/"])
def test_routes_answer_as_curl_sends_them(cluster, route):
    """With or without a trailing slash, and with curl -d's form Content-Type: answered, never redirected."""
    body = {"texts": [TEXT]} if "batch" in route else TEXT if route in ("", "/") else {"text": TEXT}
    response = requests.post(
        f"{PROXY}{APP}{route}",
        data=json.dumps(body),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        allow_redirects=False,
        timeout=60,
    )
    assert response.status_code == 200, (route, response.status_code, response.headers, response.text)
    assert response.text


def test_summarize_with_and_without_lengths(cluster, base_config, tiny_models):
    model = tiny_models[0]
    assert ok("/summarize", {"text": TEXT}) == summary_of(base_config, model, TEXT)
    assert ok("/summarize", {"text": TEXT, "min_length": 4, "max_length": 6}) == summary_of(
        base_config, model, TEXT, min_length=4, max_length=6
    )
    # Below the configured min_length (5): the request's max_length wins, and lowers the minimum with it.
    assert decoding_of(base_config, "Summarizer")["min_length"] == 5
    assert ok("/summarize", {"text": TEXT, "max_length": 3}) == summary_of(
        base_config, model, TEXT, min_length=3, max_length=3
    )


def test_summarize_translate_gives_both(cluster, base_config, tiny_models):
    assert ok("/summarize-translate", {"text": TEXT, "language": "romanian"}) == summary_translation_of(
        base_config, tiny_models[0], TEXT, "romanian"
    )


def test_languages_are_the_models_pairs_and_detection_is_best_first(cluster):
    """t5's pairs (English to French, German, Romanian) in LibreTranslate's shape; any language detected."""
    response = requests.get(f"{PROXY}{APP}/languages", timeout=30)
    assert response.status_code == 200
    assert response.json() == [
        {"code": "de", "name": "German", "targets": []},
        {"code": "en", "name": "English", "targets": ["de", "fr", "ro"]},
        {"code": "fr", "name": "French", "targets": []},
        {"code": "ro", "name": "Romanian", "targets": []},
    ]
    detected = ok("/detect", {"text": "Nous avons passé une très belle soirée avec nos amis au bord de la rivière."})
    assert detected[0]["language"] == "fr" and len(detected) <= 3
    assert ok("/detect", {"text": "1234 5678"}) == []
    # t5 translates from English only: `auto` is English, whatever the text, and nothing is detected.
    assert ok("/translate", {"text": "Das ist ein kleines Haus.", "source": "auto"})["source"] == "en"


def test_batches_answer_in_order(cluster, base_config, tiny_models):
    model = tiny_models[0]
    each = [translation_of(base_config, model, text, "german") for text in TEXTS]
    assert ok("/translate/batch", {"texts": TEXTS, "language": "german"}) == {
        "translations": [t["translation"] for t in each],
        "language": "german",
        "sources": ["en"] * len(TEXTS),
        "pivots": [None] * len(TEXTS),
        "segments": [t["segments"] for t in each],
    }
    summaries = [summarized(base_config, model, text, max_length=8) for text in TEXTS]
    assert ok("/summarize/batch", {"texts": TEXTS, "max_length": 8}) == {
        "summaries": summaries,
        "chunks": [1, 1, 1],
        "levels": [1, 1, 1],
    }
    both = [summary_translation_of(base_config, model, text, "french") for text in TEXTS]
    assert ok("/summarize-translate/batch", {"texts": TEXTS}) == {
        "summaries": [b["summary"] for b in both],
        "translations": [b["translation"] for b in both],
        "language": "french",
        "sources": ["en"] * len(TEXTS),
        "pivots": [None] * len(TEXTS),
        "segments": [b["segments"] for b in both],
        "chunks": [1, 1, 1],
        "levels": [1, 1, 1],
    }


BAD_BODIES = [
    # route, body, status, words the error must contain
    (
        "/translate",
        {"text": TEXT, "language": "xx"},
        422,
        "language: unknown language: give an ISO 639-1 code (e.g. 'de') or a name ('German') (got 'xx')",
    ),
    (
        "/translate",
        {"text": TEXT, "language": "klingon"},
        422,
        "no model translates en-tlh (English to Klingon); the pairs served: en-de, en-fr, en-ro",
    ),
    ("/translate", {"text": TEXT, "source": "xx"}, 422, "source: unknown language"),
    ("/detect", {"text": " "}, 422, "text: should not be empty or blank"),
    ("/translate", {"txt": TEXT}, 422, "text: Field required"),
    ("/translate", {"text": TEXT, "lang": "german"}, 422, "lang: Extra inputs are not permitted"),
    ("/translate", {"text": "  "}, 422, "text: should not be empty or blank"),
    ("/translate", [TEXT], 422, "valid dictionary"),
    ("/summarize", {"text": TEXT, "min_length": 9, "max_length": 3}, 422, "min_length 9 is above max_length 3"),
    (
        "/summarize",
        {"text": TEXT, "max_length": MAX_SUMMARY_TOKENS + 1},
        422,
        f"max_length: Input should be less than or equal to {MAX_SUMMARY_TOKENS}",
    ),
    ("/summarize", {"text": TEXT, "max_length": "long"}, 422, "max_length: Input should be a valid integer"),
    ("/translate/batch", {"texts": []}, 422, "texts: List should have at least 1 item"),
    (
        "/translate/batch",
        {"texts": ["a"] * (MAX_BATCH_TEXTS + 1)},
        422,
        f"texts: List should have at most {MAX_BATCH_TEXTS} items",
    ),
    ("/summarize-translate/batch", {"texts": [TEXT, ""]}, 422, "texts.1: should not be empty or blank"),
    ("/translate", {"text": "x" * (MAX_TEXT_CHARS + 1)}, 413, "text: is 100,001 characters long; the limit is 100,000"),
    ("/summarize", {"text": "x" * (MAX_TEXT_BODY_BYTES + 1)}, 413, f"the limit is {MAX_TEXT_BODY_BYTES}"),
    ("/translate/batch", {"texts": ["x" * 100_000] * 3}, 413, "texts: are 300,000 characters long together"),
    ("/translate/batch", {"texts": ["x" * 100_000] * 42}, 413, f"the limit is {MAX_BATCH_BODY_BYTES}"),
    ("/nowhere", {"text": TEXT}, 404, "Not Found"),
]


@pytest.mark.parametrize("route, body, status, words", BAD_BODIES)
def test_bad_bodies_are_named(cluster, route, body, status, words):
    response = post(f"{APP}{route}", body)
    assert response.status_code == status, response.text
    assert words in response.json()["error"], response.text


def test_a_batch_of_long_texts_is_answered_whole(cluster):
    texts = ["It was the best of times " * 100] * 30  # 75,000 characters; no sentence fits the model alone
    response = post(f"{APP}/translate/batch", {"texts": texts})
    assert response.status_code == 200, response.text
    segments = response.json()["segments"]
    assert len(segments) == 30 and all(len(pieces) > 1 for pieces in segments)
    assert "".join(p["source"] for p in segments[0]).replace(" ", "") == texts[0].replace(" ", "")


def test_openapi_documents_every_route(cluster):
    spec = requests.get(f"{PROXY}{APP}/openapi.json", timeout=30).json()
    assert spec["openapi"].startswith("3.")
    routes = {
        "/",
        "/translate",
        "/translate/batch",
        "/summarize",
        "/summarize/batch",
        "/summarize-translate",
        "/summarize-translate/batch",
        "/languages",
        "/detect",
    }
    assert routes <= set(spec["paths"]), spec["paths"].keys()
    schemas = spec["components"]["schemas"]
    assert {"text", "language", "source", "format"} == set(schemas["TranslateRequest"]["properties"])
    assert set(schemas["SummaryTranslation"]["properties"]) == {
        "summary",
        "translation",
        "language",
        "source",
        "pivot",
        "segments",
        "chunks",
        "levels",
    }
    assert set(schemas["Segment"]["properties"]) == {"source", "translation", "start", "end"}
    assert "422" in spec["paths"]["/translate"]["post"]["responses"]


def test_docs_page_needs_nothing_from_outside(cluster):
    page = requests.get(f"{PROXY}{APP}/docs", timeout=30)
    assert page.status_code == 200 and "swagger" in page.text.lower()
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    assert assets and not [url for url in assets if "://" in url], assets
    for url in assets:
        asset = requests.get(f"{PROXY}{url}", timeout=30)
        assert asset.status_code == 200 and len(asset.content) > 1000, url
    # The page loads the schema from the app's own route.
    assert f"{APP}/openapi.json" in page.text
