"""text_ml_app: an English text is summarized, and the summary translated.

POST a JSON string to /summarize_translate -> the translated summary, as text.
"""

from typing import Annotated

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

    async def translate(self, text: str) -> str:
        return await self.run_task(translation_task(self.settings.language), text)


@serve.deployment(user_config={})
class Summarizer(ModelDeployment):
    settings_type = SummarizerSettings

    def __init__(self, translator: DeploymentHandle):
        super().__init__()
        self.translator = translator

    async def summarize(self, text: str) -> str:
        return await self.run_task(SUMMARIZATION, text)

    async def __call__(self, request: Request):
        try:
            english_text = await read_json(request, ENGLISH_TEXT)
        except BadRequest as error:
            return error.response()
        summary = await self.summarize(english_text)
        return await self.translator.translate.remote(summary)


app = Summarizer.bind(Translator.bind())
