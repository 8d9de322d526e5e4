"""LibreTranslate's API, under <route_prefix>/libretranslate/: what Mastodon, Discourse, Nextcloud, Weblate and
browser extensions call when given a LibreTranslate URL.

POST translate        q (a string or a list), source (a code or "auto"), target, format (text|html),
                      alternatives, api_key -> {translatedText, detectedLanguage (for "auto"), alternatives}
POST detect           q -> [{confidence (0-100), language}], best first
GET  languages        [{code, name, targets}]
GET  frontend/settings  the limits and features its web page and some clients read (charLimit, keyRequired...)
POST translate_file   multipart: file, source, target -> {translatedFileUrl}: a file job (transport/documents.py),
                      answered once the file is translated, or after WAIT_S with the URL all the same
GET  download_file/{id}/{name}  the translated file, waiting up to WAIT_S for it to be done (no key needed: the id is
                      the capability)
POST suggest          refused (403, as LibreTranslate answers with suggestions turned off)

Parameters come as a form (LibreTranslate's own clients send one, even for GET), JSON or the query string.
Refusals are textml's, in LibreTranslate's words: {"error": "..."}, 400 for any bad request (errors.py).
`alternatives` is answered with none: textml decodes one translation per text. `api_key` is the key where
keys are required (transport/credentials.py), and ignored where they are not.
"""

from typing import Annotated, Optional, Union
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from textml.documents.files.formats import extensions
from textml.languages.codes import AUTO, language_name
from textml.limits import MAX_TEXT_CHARS
from textml.service.schema import LanguageCode, SourceChoice, SourceText, TextFormat, Texts
from textml.transport.bodies import parameters
from textml.transport.credentials import replica_gate
from textml.transport.dependencies import Service
from textml.transport.documents import Files, file_bytes, file_response, form_upload, unknown
from textml.transport.errors import Refusal

PREFIX = "/libretranslate"
# How long translate_file and download_file wait for a file's job: within Serve's request timeout (60 s).
WAIT_S = 45
router = APIRouter(prefix=PREFIX, tags=["LibreTranslate's API"])


class Parameters(BaseModel):
    # LibreTranslate ignores what it doesn't know (clients send their own extras, e.g. a client id).
    model_config = ConfigDict(extra="ignore")
    api_key: Optional[str] = None


class TranslateParameters(Parameters):
    q: Union[SourceText, Texts] = Field(description="a text, or a list of texts")
    source: SourceChoice = AUTO
    target: LanguageCode
    format: TextFormat = "text"
    alternatives: Annotated[int, Field(ge=0, le=3)] = 0


class FileParameters(Parameters):
    source: SourceChoice = AUTO
    target: LanguageCode


class DetectParameters(Parameters):
    q: SourceText


def documented(parameters: type[BaseModel]) -> dict:
    """A route's body as a form or JSON, in the API's documentation."""
    schema = {"schema": parameters.model_json_schema()}
    return {"requestBody": {"content": {"application/x-www-form-urlencoded": schema, "application/json": schema}}}


def percent(confidence: float) -> float:
    """LibreTranslate gives confidences from 0 to 100."""
    return round(confidence * 100, 1)


@router.post("/translate", summary="Translate a text or a list of texts", openapi_extra=documented(TranslateParameters))
async def translate(request: Request, service: Service) -> dict:
    asked = TranslateParameters.model_validate(await parameters(request))
    texts = [asked.q] if isinstance(asked.q, str) else asked.q
    if asked.format == "html":
        results = await service.translate_markup(texts, asked.target, asked.source)
    else:
        results = await service.translate(texts, asked.target, asked.source)
    answers: list[dict] = [{"translatedText": result.translation} for result in results]
    if asked.source in (None, AUTO):
        for text, result, answer in zip(texts, results, answers, strict=True):
            confidence = await service.confidence(text, result.source)
            answer["detectedLanguage"] = {"confidence": percent(confidence), "language": result.source}
    if asked.alternatives:
        for answer in answers:
            answer["alternatives"] = []
    if isinstance(asked.q, str):
        return answers[0]
    return {field: [answer[field] for answer in answers] for field in answers[0]}


@router.post("/detect", summary="The likeliest languages of a text", openapi_extra=documented(DetectParameters))
async def detect(request: Request, service: Service) -> list[dict]:
    asked = DetectParameters.model_validate(await parameters(request))
    return [
        {"confidence": percent(found.confidence), "language": found.language} for found in await service.detect(asked.q)
    ]


@router.get("/languages", summary="The languages served, each with its targets")
async def languages(service: Service) -> list[dict]:
    return [entry.model_dump() for entry in service.languages()]


@router.post("/translate_file", summary="Translate a file: the URL of its translation")
async def translate_file(request: Request, files: Files) -> dict:
    given, upload = await form_upload(request)
    asked = FileParameters.model_validate(given)
    filename, data = await file_bytes(upload)
    view = await files.submit(filename, data, asked.target, asked.source)
    await files.ended(view["id"], WAIT_S)
    base = str(request.base_url).rstrip("/")
    return {"translatedFileUrl": f"{base}{PREFIX}/download_file/{view['id']}/{quote(view['result_filename'])}"}


@router.get("/download_file/{id}/{name}", summary="A translated file", response_class=Response)
async def download_file(id: str, name: str, files: Files) -> Response:
    view = await files.ended(id, WAIT_S)
    if view is None:
        raise unknown(id)
    if view["status"] == "failed":
        raise Refusal(400, f"the file could not be translated: {view['error']}")
    if view["status"] != "done":
        raise Refusal(503, f"the file is still being translated ({view['progress']:.0%}); ask again")
    return file_response(await files.result(id))


@router.post("/suggest", summary="Not served: suggestions are not taken")
async def suggest():
    raise Refusal(403, "suggestions are not taken here")


@router.get("/frontend/settings", summary="What the server offers, as LibreTranslate's page and clients read it")
async def settings(service: Service) -> dict:
    target = service.translator.default_language
    gate = replica_gate()
    keys = gate is not None and gate.required
    return {
        "charLimit": MAX_TEXT_CHARS,
        "frontendTimeout": 500,
        "apiKeys": keys,
        "keyRequired": keys,
        "suggestions": False,
        "filesTranslation": True,
        "supportedFilesFormat": extensions(),
        "language": {
            "source": {"code": AUTO, "name": "Auto Detect"},
            "target": {"code": target, "name": language_name(target)},
        },
    }
