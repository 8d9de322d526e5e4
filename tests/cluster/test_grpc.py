"""text_ml_app over gRPC through Serve's gRPC proxy, with a real gRPC client: each method answers what the
checkpoint gives, and bad requests get INVALID_ARGUMENT naming the problem."""

import grpc
import pytest
from google.protobuf.json_format import MessageToDict

from helpers.cluster import GRPC_PORT, HOST
from helpers.http import ok
from helpers.reference import summary_of, summary_translation_of, translation_of
from helpers.texts import TEXT
from textml.protos import text_ml_pb2 as messages
from textml.protos.text_ml_pb2_grpc import TextMLStub

TEXT_ML = (("application", "text_ml_app"),)


@pytest.fixture
def stub(cluster):
    with grpc.insecure_channel(f"{HOST}:{GRPC_PORT}") as channel:
        yield TextMLStub(channel)


def as_dict(reply) -> dict:
    """The reply as the JSON API answers it (proto3 has no null: an empty pivot is none)."""
    answer = MessageToDict(reply, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)
    if answer.get("pivot") == "":
        answer["pivot"] = None
    return answer


def test_translate(stub, base_config, tiny_models):
    reply = stub.Translate(messages.TranslateRequest(text=TEXT, language="german"), metadata=TEXT_ML, timeout=60)
    assert as_dict(reply) == translation_of(base_config, tiny_models[0], TEXT, "german")
    reply = stub.Translate(messages.TranslateRequest(text=TEXT, language="French"), metadata=TEXT_ML, timeout=60)
    assert as_dict(reply) == translation_of(base_config, tiny_models[0], TEXT, "french")
    request = messages.SummarizeTranslateRequest(text=TEXT, language="GERMAN")
    assert stub.SummarizeTranslate(request, metadata=TEXT_ML, timeout=60).language == "german"


def test_languages_source_and_detection(stub):
    """The same languages, sources and detections as the JSON API's /languages, `source` and /detect."""
    reply = stub.Languages(messages.LanguagesRequest(), metadata=TEXT_ML, timeout=60)
    english = next(language for language in reply.languages if language.code == "en")
    assert (english.name, list(english.targets)) == ("English", ["de", "fr", "ro"])
    request = messages.TranslateRequest(text=TEXT, language="de", source="English")
    assert as_dict(stub.Translate(request, metadata=TEXT_ML, timeout=60))["source"] == "en"
    text = "Das ist ein kleines Haus am See, und wir wohnen dort seit vielen Jahren."
    reply = stub.Detect(messages.DetectRequest(text=text), metadata=TEXT_ML, timeout=60)
    assert reply.detections[0].language == "de" and 0.5 < reply.detections[0].confidence <= 1


def test_translate_html_keeps_its_tags(stub):
    page = "<p>It was the <b>best</b> of times.</p><pre>kept</pre>"
    reply = stub.Translate(
        messages.TranslateRequest(text=page, language="de", format="html"), metadata=TEXT_ML, timeout=60
    )
    assert reply.translation == ok("/translate", {"text": page, "language": "de", "format": "html"})["translation"]
    assert reply.translation.startswith("<p>") and reply.translation.endswith("</p><pre>kept</pre>")


def test_translate_a_document_answers_its_segments(stub):
    text = f"{TEXT}.\n\nWe had everything before us. We had nothing before us."
    reply = stub.Translate(messages.TranslateRequest(text=text), metadata=TEXT_ML, timeout=60)
    assert [(s.source, text[s.start : s.end]) for s in reply.segments] == [
        (f"{TEXT}.",) * 2,
        ("We had everything before us.",) * 2,
        ("We had nothing before us.",) * 2,
    ]
    assert reply.translation == "{}\n\n{} {}".format(*(s.translation for s in reply.segments))


def test_summarize(stub, base_config, tiny_models):
    reply = stub.Summarize(messages.SummarizeRequest(text=TEXT), metadata=TEXT_ML, timeout=60)
    assert as_dict(reply) == summary_of(base_config, tiny_models[0], TEXT)
    reply = stub.Summarize(
        messages.SummarizeRequest(text=TEXT, min_length=4, max_length=6), metadata=TEXT_ML, timeout=60
    )
    assert as_dict(reply) == summary_of(base_config, tiny_models[0], TEXT, min_length=4, max_length=6)


def test_summarize_translate(stub, base_config, tiny_models):
    reply = stub.SummarizeTranslate(
        messages.SummarizeTranslateRequest(text=TEXT, language="romanian"), metadata=TEXT_ML, timeout=60
    )
    assert as_dict(reply) == summary_translation_of(base_config, tiny_models[0], TEXT, "romanian")


BAD_REQUESTS = [
    ("Translate", messages.TranslateRequest(text=""), "text: should not be empty or blank"),
    ("Translate", messages.TranslateRequest(text=TEXT, format="docx"), "format: Input should be 'text' or 'html'"),
    (
        "Translate",
        messages.TranslateRequest(text=TEXT, language="klingon"),
        "no model translates en-tlh (English to Klingon)",
    ),
    (
        "Translate",
        messages.TranslateRequest(text=TEXT, language="xx"),
        "language: unknown language",
    ),
    (
        "Summarize",
        messages.SummarizeRequest(text=TEXT, min_length=9, max_length=3),
        "min_length 9 is above max_length 3",
    ),
    ("Summarize", messages.SummarizeRequest(text=TEXT, max_length=100_000), "max_length: Input should be less than"),
    ("SummarizeTranslate", messages.SummarizeTranslateRequest(text="   "), "text: should not be empty or blank"),
    ("Translate", messages.TranslateRequest(text=TEXT, source="xx"), "source: unknown language"),
    ("Detect", messages.DetectRequest(text=""), "text: should not be empty or blank"),
]


@pytest.mark.parametrize("method, request_message, words", BAD_REQUESTS)
def test_bad_requests_are_invalid_argument(stub, method, request_message, words):
    with pytest.raises(grpc.RpcError) as raised:
        getattr(stub, method)(request_message, metadata=TEXT_ML, timeout=60)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT, raised.value
    assert words in raised.value.details(), raised.value.details()


def test_unknown_application_is_named(stub):
    with pytest.raises(grpc.RpcError) as raised:
        stub.Translate(messages.TranslateRequest(text=TEXT), metadata=(("application", "nope"),), timeout=60)
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND and "nope" in raised.value.details()
