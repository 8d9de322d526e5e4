"""text_ml_app: an English text is summarized, and the summary translated.

Two model deployments, Summarizer and Translator; Translator is also the ingress (FastAPI routes and gRPC
methods), so a translation takes no hop between replicas (each hop costs throughput: benchmarks/README.md):

    POST /summarize_translate                        a JSON string -> the translated summary, as text
    POST /summarize_translate/translate              {text, language?} -> {translation, language}
    POST /summarize_translate/summarize              {text, min_length?, max_length?} -> {summary}
    POST /summarize_translate/summarize-translate    {text, language?} -> {summary, translation, language}
    ... and each of the three with /batch: {texts: [...], ...} -> lists, in order
    GET  /summarize_translate/docs                   the API's documentation (offline), /openapi.json its schema

and over gRPC (textml.TextML: Translate, Summarize, SummarizeTranslate; grpc_service.py).
"""

from typing import Annotated, Optional

from fastapi import Body
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi_offline import FastAPIOffline
from ray import serve
from ray.serve.handle import DeploymentHandle
from starlette.requests import Request

from textml.api_schema import (EnglishText, Error, SummarizeBatchRequest, SummarizeRequest,
                               SummarizeTranslateBatchRequest, SummarizeTranslateRequest, Summary, SummaryBatch,
                               SummaryTranslation, SummaryTranslationBatch, TranslateBatchRequest, TranslateRequest,
                               Translation, TranslationBatch)
from textml.grpc_service import TextMLServicer
from textml.http import answer_errors
from textml.model_deployment import RETRYABLE, ModelDeployment, retry_message
from textml.t5 import SUMMARIZATION, translation_task
from textml.user_config import SummarizerSettings, TranslatorSettings


@serve.deployment(user_config={})
class Summarizer(ModelDeployment):
    settings_type = SummarizerSettings

    async def summarize_many(self, texts: list[str], min_length: Optional[int] = None,
                             max_length: Optional[int] = None) -> list[str]:
        lengths = {name: value for name, value in (("min_length", min_length), ("max_length", max_length))
                   if value is not None}
        return await self.run_tasks(SUMMARIZATION, texts, **lengths)

    async def summarize(self, text: str, min_length: Optional[int] = None, max_length: Optional[int] = None) -> str:
        return (await self.summarize_many([text], min_length, max_length))[0]


api = FastAPIOffline(
    title="textml", version="1",
    description="Summarize English text and translate it to French, German or Romanian (T5 on Ray Serve).",
    responses={code: {"model": Error} for code in (400, 413, 422, 503)},
)
answer_errors(api)


async def retry_later(request: Request, error: Exception) -> JSONResponse:
    """Busy, or a replica broken: 503 with Retry-After, as Serve's own refusals answer."""
    return JSONResponse({"error": retry_message(error)}, status_code=503, headers={"Retry-After": "1"})


for retryable in RETRYABLE:
    api.add_exception_handler(retryable, retry_later)


@serve.deployment(user_config={"language": "french"})
@serve.ingress(api)
class Translator(ModelDeployment, TextMLServicer):
    settings_type = TranslatorSettings

    def __init__(self, summarizer: DeploymentHandle):
        super().__init__()
        self.summarizer = summarizer

    async def translate_many(self, texts: list[str], language: Optional[str] = None) -> dict:
        """Translates into `language` (french, german or romanian), or the configured one."""
        language = TranslatorSettings(language=language).language if language else self.settings.language
        return {"translations": await self.run_tasks(translation_task(language), texts), "language": language}

    async def translate(self, text: str, language: Optional[str] = None) -> str:
        return (await self.translate_many([text], language))["translations"][0]

    @api.post("/", response_class=PlainTextResponse, summary="Summarize, then translate (text in, text out)")
    async def post_text(self, text: Annotated[EnglishText, Body()]) -> str:
        return await self.translate(await self.summarizer.summarize.remote(text))

    @api.post("/translate")
    async def post_translate(self, request: TranslateRequest) -> Translation:
        result = await self.translate_many([request.text], request.language)
        return Translation(translation=result["translations"][0], language=result["language"])

    @api.post("/translate/batch")
    async def post_translate_batch(self, request: TranslateBatchRequest) -> TranslationBatch:
        return TranslationBatch(**await self.translate_many(request.texts, request.language))

    @api.post("/summarize")
    async def post_summarize(self, request: SummarizeRequest) -> Summary:
        [summary] = await self.summarizer.summarize_many.remote([request.text], **request.given())
        return Summary(summary=summary)

    @api.post("/summarize/batch")
    async def post_summarize_batch(self, request: SummarizeBatchRequest) -> SummaryBatch:
        return SummaryBatch(summaries=await self.summarizer.summarize_many.remote(request.texts, **request.given()))

    @api.post("/summarize-translate")
    async def post_summarize_translate(self, request: SummarizeTranslateRequest) -> SummaryTranslation:
        batch = await self._summarize_translate([request.text], request.language)
        return SummaryTranslation(summary=batch.summaries[0], translation=batch.translations[0],
                                  language=batch.language)

    @api.post("/summarize-translate/batch")
    async def post_summarize_translate_batch(self, request: SummarizeTranslateBatchRequest) -> SummaryTranslationBatch:
        return await self._summarize_translate(request.texts, request.language)

    async def _summarize_translate(self, texts: list[str], language: Optional[str]) -> SummaryTranslationBatch:
        summaries = await self.summarizer.summarize_many.remote(texts)
        return SummaryTranslationBatch(summaries=summaries, **await self.translate_many(summaries, language))


app = Translator.bind(Summarizer.bind())
