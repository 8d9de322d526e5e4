"""text_ml_app: an English text is summarized, and the summary translated.

Two model deployments, Summarizer and Translator. Translator is also the ingress: the FastAPI routes
(transport/rest.py) and gRPC methods (transport/grpc_servicer.py) run in its replicas and call its
TextService, so a translation takes no hop between replicas and summarize-then-translate one (each hop costs
throughput: docs/benchmarks.md).
"""

import asyncio
from typing import Optional

from ray import serve
from ray.serve.handle import DeploymentHandle

from textml.engines.t5 import translation_task
from textml.models.deployment import ModelDeployment
from textml.models.documents import Summarized, Translated, summarize_text, translate_texts
from textml.models.settings import SummarizerSettings, TranslatorSettings
from textml.service.text_service import TextService
from textml.transport import rest
from textml.transport.grpc_servicer import TextMLServicer


@serve.deployment(user_config={})
class Summarizer(ModelDeployment):
    settings_type = SummarizerSettings

    async def summarize_many(
        self, texts: list[str], min_length: Optional[int] = None, max_length: Optional[int] = None
    ) -> list[Summarized]:
        return await asyncio.gather(
            *(summarize_text(self, text, min_length=min_length, max_length=max_length) for text in texts)
        )


@serve.deployment(user_config={"language": "french"})
@serve.ingress(rest.api)
class Translator(ModelDeployment, TextMLServicer):
    settings_type = TranslatorSettings

    def __init__(self, summarizer: DeploymentHandle):
        super().__init__()
        self.service = TextService(summarizer, translator=self)

    async def reconfigure(self, config: dict):
        new_replica = self.engine is None
        await super().reconfigure(config)
        if new_replica:  # traffic comes once this returns: the Summarizer call must be ready too
            await self.service.warm_up()

    def language_for(self, requested: Optional[str]) -> str:
        return TranslatorSettings.known_language(requested) if requested else self.settings.language

    async def translate_many(self, texts: list[str], language: str) -> list[Translated]:
        return await translate_texts(self, translation_task(language), texts)


app = Translator.bind(Summarizer.bind())


# The deployments that load a model (serve_config.model_deployments finds them in a config by these).
MODEL_DEPLOYMENTS = (Translator, Summarizer)
