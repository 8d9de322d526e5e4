"""text_ml_app: a text is summarized, and the summary translated; or a text translated, in any language pair
the configured models serve; or a file translated, as a job.

Two model deployments, Summarizer and Translator, and DocumentJobs, the book of file jobs. Translator is also the
ingress: the FastAPI routes (transport/rest.py) and gRPC methods (transport/grpc_servicer.py) run in its replicas
and call its TextService, so a translation takes no hop between replicas and summarize-then-translate one (each
hop costs throughput: docs/benchmarks.md). A file is translated by the ingress replica that took it; its job's
state lives in DocumentJobs (one replica), so its status and result answer from any ingress replica
(service/files.py).
"""

import asyncio
from typing import Optional

from ray import serve
from ray.serve.handle import DeploymentHandle

from textml.access.gate import Gate
from textml.engines import known_pairs
from textml.engines.families import SUMMARIZATION, TaskNotServed
from textml.exceptions import ModelLoadError, NotServed
from textml.languages.catalog import Catalog, Step
from textml.languages.codes import language_code
from textml.models.deployment import ModelDeployment, QueuedEngine
from textml.models.documents import Summarized, Translated, summarize_text, translate_through
from textml.models.settings import SummarizerSettings, TranslatorSettings
from textml.service.files import FileJobs
from textml.service.jobs import JobBook, JobSettings
from textml.service.text_service import TextService
from textml.transport import rest
from textml.transport.grpc_servicer import TextMLServicer


@serve.deployment(user_config={})
class Summarizer(ModelDeployment):
    settings_type = SummarizerSettings

    async def apply(self, settings: SummarizerSettings):
        """The model loaded, and refused by name before it is committed if it does not summarize."""
        engine = await self.engine_for(settings.model)
        try:
            engine.task(SUMMARIZATION)
        except TaskNotServed as error:
            fix = "name a T5 or BART checkpoint as Summarizer's model"
            raise ModelLoadError(settings.model, str(error), fix) from error

    async def summarize_many(
        self, texts: list[str], min_length: Optional[int] = None, max_length: Optional[int] = None
    ) -> list[Summarized]:
        model = self.queue_for(await self.engine_for(self.settings.model))
        return await asyncio.gather(
            *(summarize_text(model, text, min_length=min_length, max_length=max_length) for text in texts)
        )


# One replica: the jobs live in its memory (a replica that restarts has lost them: their status answers 404).
@serve.deployment(num_replicas=1, max_ongoing_requests=1000, ray_actor_options={"num_cpus": 0}, user_config={})
class DocumentJobs(JobBook):
    def reconfigure(self, config: dict):
        self.configure(JobSettings.model_validate(config))


@serve.deployment(user_config={"language": "french"})
@serve.ingress(rest.api)
class Translator(ModelDeployment, TextMLServicer):
    settings_type = TranslatorSettings

    def __init__(self, summarizer: DeploymentHandle, jobs: DeploymentHandle):
        super().__init__()
        self.catalog: Catalog | None = None
        self.service = TextService(summarizer, translator=self)
        self.files = FileJobs(self.service, jobs)
        # Who may call: the keys file TEXTML_API_KEYS_FILE names, if any (access/gate.py).
        self.gate = Gate.from_environment()

    async def reconfigure(self, config: dict):
        new_replica = self.catalog is None
        await super().reconfigure(config)
        if new_replica:  # traffic comes once this returns: the Summarizer call must be ready too
            await self.service.warm_up()

    async def apply(self, settings: TranslatorSettings):
        """The catalog of pairs from `models`, checked to reach the default language, and the model of the
        default pair loaded, before the configuration is committed."""
        catalog = await asyncio.to_thread(Catalog.build, settings.served_models(), known_pairs)
        default = self.default_route(catalog, settings.language)
        await self.engine_for(default[0].checkpoint)
        self.catalog = catalog

    @staticmethod
    def default_route(catalog: Catalog, language: str) -> tuple[Step, ...]:
        """How the default language is reached: from English when that is served, else from the first source."""
        sources, target = catalog.sources(), language_code(language)
        for source in ("en", *sources):
            if source != target and source in sources:
                try:
                    return catalog.route(source, target)
                except NotServed:
                    continue
        raise NotServed(f"user_config language {language!r} is no target of the configured models; {catalog}")

    @property
    def default_language(self) -> str:
        return self.settings.target

    async def translate_many(self, texts: list[str], steps: tuple[Step, ...]) -> list[Translated]:
        """Each text translated through `steps`: one model, or two through English, piece by piece."""
        return await translate_through(steps, texts, self.queued_model)

    async def queued_model(self, checkpoint: str) -> QueuedEngine:
        return self.queue_for(await self.engine_for(checkpoint))


app = Translator.bind(Summarizer.bind(), DocumentJobs.bind())


# The deployments that load a model (serve_config.model_deployments finds them in a config by these).
MODEL_DEPLOYMENTS = (Translator, Summarizer)
