"""text_ml_app's typed JSON API: FastAPI routes, each calling the replica's TextService.

POST /                         a JSON string (or a text/plain body: the text) -> the translated summary, as text
                               (the seed's contract)
POST /translate                {text, language?, source?, format?} -> {translation, language, source, pivot, segments}
POST /summarize                {text, min_length?, max_length?} -> {summary}
POST /summarize-translate      {text, language?, source?} -> {summary, translation, language, source, ...}
... and each of the three with /batch: {texts: [...], ...} -> lists, in order
GET  /languages                [{code, name, targets}]: the languages the configured models translate
POST /detect                   {text} -> [{language, confidence}], best first
POST /documents (multipart)    a file to translate, as a job; GET /documents/{id}, /documents/{id}/result
                               (transport/documents.py)
GET  /                         the web page: text, files, the languages served (transport/page.html)
GET  /docs, /openapi.json      the API's documentation (offline) and its schema
/libretranslate/...            LibreTranslate's API (transport/libretranslate.py)
/deepl/v2/... (and /v2/...)    DeepL's API v2 (transport/deepl.py)

Every route answers with or without a trailing slash, and every body is read as JSON whatever its Content-Type,
but for a text/plain one at the root route: that is the text itself. Each request body is documented with examples
(service/schema.py), the first of which the docs page's "Try it out" starts from.
While the model has random weights (`textml model random`), every answer carries `X-Textml-Model: random-weights`.
"""

from functools import cache
from importlib import resources
from typing import Annotated

from fastapi import Body, Request
from fastapi.responses import HTMLResponse, PlainTextResponse
from fastapi_offline import FastAPIOffline

from textml.service.schema import (
    EXAMPLES,
    SEED_TEXT,
    TEXT_EXAMPLES,
    Detection,
    DetectRequest,
    Error,
    LanguageEntry,
    SourceText,
    SummarizeBatchRequest,
    SummarizeRequest,
    SummarizeTranslateBatchRequest,
    SummarizeTranslateRequest,
    Summary,
    SummaryBatch,
    SummaryTranslation,
    SummaryTranslationBatch,
    TranslateBatchRequest,
    TranslateRequest,
    Translation,
    TranslationBatch,
)
from textml.service.text_service import TextService
from textml.transport import deepl, documents, libretranslate
from textml.transport.bodies import JsonBodies, LimitBodySize
from textml.transport.credentials import RequireKeys
from textml.transport.deadlines import RequestDeadline
from textml.transport.dependencies import Service
from textml.transport.errors import REFUSED, refusal_for
from textml.transport.paths import MarksRandomWeights, SlashInsensitive

api = FastAPIOffline(
    title="textml",
    version="1",
    description="Summarize text and translate it between the language pairs the configured models serve "
    "(T5, OPUS-MT, NLLB-200, M2M100 and BART checkpoints on CTranslate2, on Ray Serve).",
    responses={code: {"model": Error} for code in (400, 401, 413, 422, 429, 503, 504)},
    redirect_slashes=False,
)
# The route prefixes of the APIs of other services, which read their bodies as those services do.
OTHER_APIS = (libretranslate.PREFIX, *deepl.PREFIXES)
# The last added runs first: the path is made canonical before the size limit reads it, and the body limited
# before a key is looked for in it.
api.add_middleware(RequireKeys, parameter_routes=OTHER_APIS)
api.add_middleware(LimitBodySize)
api.add_middleware(RequestDeadline)
api.add_middleware(JsonBodies, text_routes=("/",), own_bodies=(*OTHER_APIS, documents.router.prefix))
api.add_middleware(MarksRandomWeights)
api.add_middleware(SlashInsensitive)


async def refuse(request: Request, error: Exception):
    return refusal_for(error).response(request.scope)


for refused in REFUSED:
    api.add_exception_handler(refused, refuse)

api.include_router(documents.router)
# The APIs of other services, each a router of its own (their docs: the modules).
api.include_router(libretranslate.router)
for prefix in deepl.PREFIXES:
    api.include_router(deepl.router, prefix=prefix, include_in_schema=prefix == deepl.PREFIXES[0])


def documented(request_type: type):
    """A route's body with its examples (service/schema.py) in the API's documentation."""
    return Body(openapi_examples=EXAMPLES[request_type])


# The root route's text as text/plain, beside the JSON string (bodies.py's JsonBodies lets it through as such).
PLAIN_TEXT_BODY = {
    "requestBody": {
        "content": {
            "text/plain": {
                "schema": {"type": "string"},
                "examples": {"seed": {"summary": "the seed's sentence, as text", "value": SEED_TEXT}},
            }
        }
    }
}


@api.post(
    "/",
    response_class=PlainTextResponse,
    summary="Summarize, then translate (text in, text out)",
    description="The body: the text as a JSON string, or as itself with `Content-Type: text/plain`.",
    openapi_extra=PLAIN_TEXT_BODY,
)
async def summarize_then_translate(
    text: Annotated[SourceText, Body(openapi_examples=TEXT_EXAMPLES)], service: Service
) -> str:
    [result] = await service.summarize_translate([text])
    return result.translation


@cache
def page_html() -> str:
    return (resources.files("textml.transport") / "page.html").read_text(encoding="utf-8")


@api.get("/", response_class=HTMLResponse, summary="The web page: translate a text or a file, summarize a text")
async def page() -> HTMLResponse:
    return HTMLResponse(page_html())


@api.post("/translate")
async def translate(
    request: Annotated[TranslateRequest, documented(TranslateRequest)], service: Service
) -> Translation:
    [translation] = await translated(service, [request.text], request)
    return translation


@api.post("/translate/batch")
async def translate_batch(
    request: Annotated[TranslateBatchRequest, documented(TranslateBatchRequest)], service: Service
) -> TranslationBatch:
    translations = await translated(service, request.texts, request)
    return TranslationBatch(
        translations=[t.translation for t in translations],
        language=translations[0].language,
        sources=[t.source for t in translations],
        pivots=[t.pivot for t in translations],
        segments=[t.segments for t in translations],
    )


async def translated(service: TextService, texts: list[str], request: TranslateRequest | TranslateBatchRequest):
    if request.format == "html":
        return await service.translate_markup(texts, request.language, request.source)
    return await service.translate(texts, request.language, request.source)


@api.post("/summarize")
async def summarize(request: Annotated[SummarizeRequest, documented(SummarizeRequest)], service: Service) -> Summary:
    [summary] = await service.summarize([request.text], **request.lengths())
    return summary


@api.post("/summarize/batch")
async def summarize_batch(
    request: Annotated[SummarizeBatchRequest, documented(SummarizeBatchRequest)], service: Service
) -> SummaryBatch:
    summaries = await service.summarize(request.texts, **request.lengths())
    return SummaryBatch(
        summaries=[s.summary for s in summaries],
        chunks=[s.chunks for s in summaries],
        levels=[s.levels for s in summaries],
    )


@api.post("/summarize-translate")
async def summarize_translate(
    request: Annotated[SummarizeTranslateRequest, documented(SummarizeTranslateRequest)], service: Service
) -> SummaryTranslation:
    [result] = await service.summarize_translate([request.text], request.language, request.source)
    return result


@api.post("/summarize-translate/batch")
async def summarize_translate_batch(
    request: Annotated[SummarizeTranslateBatchRequest, documented(SummarizeTranslateBatchRequest)], service: Service
) -> SummaryTranslationBatch:
    results = await service.summarize_translate(request.texts, request.language, request.source)
    return SummaryTranslationBatch(
        summaries=[r.summary for r in results],
        translations=[r.translation for r in results],
        language=results[0].language,
        sources=[r.source for r in results],
        pivots=[r.pivot for r in results],
        segments=[r.segments for r in results],
        chunks=[r.chunks for r in results],
        levels=[r.levels for r in results],
    )


@api.get("/languages", summary="The languages the configured models translate, with their targets")
async def languages(service: Service) -> list[LanguageEntry]:
    return service.languages()


@api.post("/detect", summary="The likeliest languages of a text, best first")
async def detect(request: Annotated[DetectRequest, documented(DetectRequest)], service: Service) -> list[Detection]:
    return await service.detect(request.text)
