"""text_ml_app: an English text is summarized, and the summary translated.

POST a JSON string to /summarize_translate -> the translated summary, as text.
`translator_app` serves translation alone: POST a JSON string -> its translation.
"""

from typing import Annotated, Optional

from pydantic import StringConstraints, TypeAdapter
from ray import serve
from ray.serve.handle import DeploymentHandle
from starlette.requests import Request

from textml.http import BadRequest, read_json
from textml.model_deployment import ModelDeployment
from textml.t5 import SUMMARIZATION, translation_task
from textml.user_config import SummarizerSettings, TranslatorSettings

MAX_TEXT_CHARS = 20_000
ENGLISH_TEXT = TypeAdapter(
    Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT_CHARS)]
)


@serve.deployment(user_config={"language": "french"})
class Translator(ModelDeployment):
    settings_type = TranslatorSettings

    async def translate(self, text: str, language: Optional[str] = None) -> str:
        """Translates into `language` (french, german or romanian), or the configured one."""
        language = TranslatorSettings(language=language).language if language else self.settings.language
        return await self.run_task(translation_task(language), text)

    async def __call__(self, request: Request):
        try:
            english_text = await read_json(request, ENGLISH_TEXT)
        except BadRequest as error:
            return error.response()
        return await self.translate(english_text)


@serve.deployment(user_config={})
class Summarizer(ModelDeployment):
    settings_type = SummarizerSettings

    def __init__(self, translator: DeploymentHandle):
        super().__init__()
        self.translator = translator

    async def summarize(self, text: str, min_length: Optional[int] = None, max_length: Optional[int] = None) -> str:
        lengths = {name: value for name, value in (("min_length", min_length), ("max_length", max_length))
                   if value is not None}
        return await self.run_task(SUMMARIZATION, text, **lengths)

    async def __call__(self, request: Request):
        try:
            english_text = await read_json(request, ENGLISH_TEXT)
        except BadRequest as error:
            return error.response()
        summary = await self.summarize(english_text)
        return await self.translator.translate.remote(summary)


app = Summarizer.bind(Translator.bind())
translator_app = Translator.bind()
