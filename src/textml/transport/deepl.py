"""DeepL's API v2, under <route_prefix>/deepl/v2/ (and <route_prefix>/v2/): what DeepL's official clients
(`deepl.Translator(key, server_url=".../deepl/")`), CAT tools and editors call.

POST translate         text (a list), target_lang (DeepL's codes: DE, EN-GB, EN-US, PT-BR...), source_lang,
                       tag_handling (html|xml) with ignore_tags, splitting_tags, non_splitting_tags;
                       split_sentences, preserve_formatting, outline_detection, context, show_billed_characters
                       -> {translations: [{detected_source_language, text, billed_characters?}]}
GET  languages         ?type=source|target -> [{language, name, supports_formality (targets)}]
GET  usage             {character_count, character_limit}: the key's characters in the last minute and its limit a
                       minute; without keys, the characters this replica translated, and no limit
POST document          multipart: file, target_lang, source_lang, filename, output_format (the file's own only)
                       -> {document_id, document_key}: a file job (transport/documents.py)
POST document/{id}     document_key -> {document_id, status (queued, translating, done, error), seconds_remaining,
                       billed_characters (done), error_message (error)}
POST document/{id}/result  document_key -> the translated file; 503 until it is done (DeepL's clients wait)

Parameters come as a form, JSON or the query string; the key comes as `Authorization: DeepL-Auth-Key KEY`
(or the older `auth_key` parameter) where keys are required, and is ignored where they are not. A key over its
characters a minute gets DeepL's 456, over its requests 429.
Refusals are textml's, in DeepL's words: {"message": "..."}, 400 for a bad parameter or a language not
served, 403 for a key missing or unknown, 413 for a request too large (errors.py). `formality` is served as
DeepL serves a language without it: `default`, `prefer_more` and `prefer_less` translate, `more` and `less` are
refused; a `glossary_id` is refused.
Texts are always translated sentence by sentence (split_sentences 0 and nonewlines as 1), and `context` is not
used by the models.
"""

from typing import Annotated, Literal, Optional

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from textml.access.gate import CALLER
from textml.access.quotas import QuotaExceeded
from textml.documents.markup import Tags
from textml.languages.codes import language_name
from textml.limits import MAX_DEEPL_TEXTS
from textml.service.schema import LanguageCode, TextOrBlank, texts_within_limit
from textml.service.text_service import TextService
from textml.transport.bodies import parameters
from textml.transport.dependencies import Service
from textml.transport.documents import Files, file_bytes, file_response, form_upload
from textml.transport.errors import Refusal

# DeepL's clients join their paths ("v2/translate") to the server URL as a browser joins a link, so a URL without
# its last slash (".../summarize_translate/deepl") loses "deepl": the API answers at both.
PREFIXES = ("/deepl/v2", "/v2")
router = APIRouter(tags=["DeepL's API"])

# A target DeepL names with its variant: both are answered by the same model.
VARIANTS = {
    "en": (("EN-GB", "English (British)"), ("EN-US", "English (American)")),
    "pt": (("PT-BR", "Portuguese (Brazilian)"), ("PT-PT", "Portuguese (European)")),
}


def tag_names(value) -> frozenset[str]:
    """A tag list as DeepL takes it: "a,b" or ["a", "b"] (a form repeats the name)."""
    values = value if isinstance(value, list) else [value]
    return frozenset(name.strip().lower() for item in values for name in str(item).split(",") if name.strip())


TagNames = Annotated[frozenset[str], BeforeValidator(tag_names)]
DeepLTexts = Annotated[
    list[TextOrBlank], Field(min_length=1, max_length=MAX_DEEPL_TEXTS), AfterValidator(texts_within_limit)
]
# The parameters a form may repeat.
LISTS = ("text", "ignore_tags", "splitting_tags", "non_splitting_tags")


class ModelOptions(BaseModel):
    """What DeepL's translate and document requests share: the target and the options the models may lack."""

    # DeepL's clients add parameters as DeepL adds them (model_type, custom instructions): not refused.
    model_config = ConfigDict(extra="ignore")
    target_lang: LanguageCode
    source_lang: Optional[LanguageCode] = None
    formality: Literal["default", "more", "less", "prefer_more", "prefer_less"] = "default"
    glossary_id: Optional[str] = None

    def refused(self) -> Optional[str]:
        """Why DeepL's service would translate this and textml's models can't, if so."""
        if self.formality in ("more", "less"):
            return (
                f"formality {self.formality!r} is not supported for target_lang {self.target_lang.upper()}: the models "
                "have no formality setting; use prefer_more or prefer_less to fall back to the default"
            )
        if self.glossary_id:
            return "glossaries are not served here; leave out glossary_id"
        return None


class TranslateParameters(ModelOptions):
    text: DeepLTexts
    tag_handling: Optional[Literal["html", "xml"]] = None
    ignore_tags: TagNames = frozenset()
    splitting_tags: TagNames = frozenset()
    non_splitting_tags: TagNames = frozenset()
    outline_detection: bool = True
    split_sentences: Literal["0", "1", "nonewlines"] = "1"
    preserve_formatting: bool = False
    context: Optional[str] = None
    show_billed_characters: bool = False


class Usage:
    """What this replica translated through DeepL's API, as /usage answers where requests come without keys."""

    characters = 0
    # Answered as the limit of an account without one (DeepL's clients read count >= limit as "reached").
    LIMIT = 1_000_000_000_000

    @classmethod
    async def of_caller(cls) -> dict:
        """The request's key's characters in the last minute and its limit a minute; else this replica's."""
        caller = CALLER.get()
        if caller is None:
            return {"character_count": cls.characters, "character_limit": cls.LIMIT}
        used = await caller.gate.quotas.used(caller.entry, "characters")
        return {"character_count": used, "character_limit": caller.entry.characters_per_minute or cls.LIMIT}


def documented(parameters: type[BaseModel]) -> dict:
    schema = {"schema": parameters.model_json_schema()}
    return {"requestBody": {"content": {"application/json": schema, "application/x-www-form-urlencoded": schema}}}


@router.post("/translate", summary="Translate texts", openapi_extra=documented(TranslateParameters))
async def translate(request: Request, service: Service) -> dict:
    asked = TranslateParameters.model_validate(await parameters(request, lists=LISTS))
    if why := asked.refused():
        raise Refusal(400, why)
    given = [index for index, text in enumerate(asked.text) if text.strip()]
    texts = [asked.text[index] for index in given]
    try:
        results = await translated(service, texts, asked) if texts else []
    except QuotaExceeded as error:
        if error.kind != "characters" or error.too_large:
            raise
        # DeepL's word for a character quota used up: 456, which its clients read as such.
        raise Refusal(456, str(error), headers={"Retry-After": str(error.retry_after_s)}) from None
    answers = [{"detected_source_language": (asked.source_lang or "").upper(), "text": text} for text in asked.text]
    for index, result in zip(given, results, strict=True):
        answers[index] = {"detected_source_language": result.source.upper(), "text": result.translation}
    if asked.show_billed_characters:
        for text, answer in zip(asked.text, answers, strict=True):
            answer["billed_characters"] = len(text)
    Usage.characters += sum(map(len, asked.text))
    return {"translations": answers}


async def translated(service: TextService, texts: list[str], asked: TranslateParameters):
    if asked.tag_handling:
        tags = Tags(asked.ignore_tags, asked.splitting_tags, asked.non_splitting_tags)
        return await service.translate_markup(texts, asked.target_lang, asked.source_lang, asked.tag_handling, tags)
    return await service.translate(texts, asked.target_lang, asked.source_lang)


class LanguagesParameters(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: Literal["source", "target"] = "source"


async def languages(request: Request, service: Service) -> list[dict]:
    asked = LanguagesParameters.model_validate(await parameters(request))
    entries = service.languages()
    if asked.type == "source":  # the languages translated from (a model's target alone is none)
        return [{"language": entry.code.upper(), "name": entry.name} for entry in entries if entry.targets]
    targets = sorted({target for entry in entries for target in entry.targets})
    return [
        {"language": code, "name": name, "supports_formality": False}
        for target in targets
        for code, name in VARIANTS.get(target, ((target.upper(), language_name(target)),))
    ]


async def usage() -> dict:
    return await Usage.of_caller()


# DeepL's clients GET these, older ones POST: each method a route of its own (one operation id each).
for method in ("get", "post"):
    route = getattr(router, method)
    route("/languages", summary="The source or target languages served", operation_id=f"deepl_languages_{method}")(
        languages
    )
    route("/usage", summary="Characters translated", operation_id=f"deepl_usage_{method}")(usage)


class DocumentParameters(ModelOptions):
    filename: Optional[str] = None
    output_format: Optional[str] = None

    def refused_for(self, filename: str) -> Optional[str]:
        if self.output_format and self.output_format.lower().lstrip(".") != filename.rsplit(".", 1)[-1].lower():
            return f"output_format {self.output_format!r} is not served: a file comes back in its own format"
        return self.refused()


class DocumentKey(BaseModel):
    model_config = ConfigDict(extra="ignore")
    document_key: str


# DeepL's words for a job's status.
STATUSES = {"queued": "queued", "translating": "translating", "done": "done", "failed": "error"}


@router.post("/document", summary="Translate a document (a job: its id and key)")
async def document(request: Request, files: Files) -> dict:
    given, upload = await form_upload(request)
    asked = DocumentParameters.model_validate(given)
    filename, data = await file_bytes(upload)
    filename = asked.filename or filename
    if why := asked.refused_for(filename):
        raise Refusal(400, why)
    view = await files.submit(filename, data, asked.target_lang, asked.source_lang)
    return {"document_id": view["id"], "document_key": view["key"]}


async def keyed_job(document_id: str, request: Request, files: Files) -> dict:
    """The job `document_id` for the document_key the request sends: 404 for either unknown, as DeepL answers."""
    key = DocumentKey.model_validate(await parameters(request)).document_key
    view = await files.status(document_id, key)
    if view is None:
        raise Refusal(404, f"document {document_id!r} not found: its id or document_key is wrong, or it was removed")
    return view


@router.post("/document/{document_id}", summary="A document's translation status")
async def document_status(document_id: str, request: Request, files: Files) -> dict:
    view = await keyed_job(document_id, request, files)
    answer = {"document_id": document_id, "status": STATUSES[view["status"]]}
    if view["status"] == "done":
        answer["billed_characters"] = view["characters"]
    elif view["status"] == "failed":
        answer["error_message"] = view["error"]
    else:
        answer["seconds_remaining"] = None
    return answer


@router.post("/document/{document_id}/result", summary="A translated document", response_class=Response)
async def document_result(document_id: str, request: Request, files: Files) -> Response:
    view = await keyed_job(document_id, request, files)
    if view["status"] == "failed":
        raise Refusal(400, f"the document's translation failed: {view['error']}")
    if view["status"] != "done":
        raise Refusal(503, "document not ready: its status is not yet done", headers={"Retry-After": "1"})
    return file_response(await files.result(document_id))
