"""The actors of a batch job: Ray Data hands each a batch of rows as lines; it answers them on the engine the
replicas run (engines/, models/documents.py: every sentence of a long text, batched, nothing cut) with the
settings of the deployment's user_config, and hands back the rows with their answers, as lines.

A row that can't be answered comes back with an `error` and never stops the job; a row OUTPUT already holds
(a rerun) is left out.
"""

import asyncio
import logging

import pyarrow as pa
import ray

from textml.batch.rows import ERROR_FIELD, key_of, line_of, parsed, text_of
from textml.engines import known_pairs, load_engine, prepare_engine
from textml.languages.catalog import Catalog, Step
from textml.models.deployment import reserved_threads
from textml.models.documents import Translated, summarize_texts, translate_through
from textml.models.engine_calls import DirectEngine
from textml.models.settings import ModelSettings, SummarizerSettings, TranslatorSettings
from textml.service.text_service import TextService

logger = logging.getLogger(__name__)


@ray.remote(num_cpus=0)
class Tally:
    """What the workers did, summed for the job's last line."""

    def __init__(self):
        self.counts: dict[str, int] = {}

    def add(self, counts: dict[str, int]):
        for name, count in counts.items():
            self.counts[name] = self.counts.get(name, 0) + count

    def totals(self) -> dict[str, int]:
        return dict(self.counts)


def problem_of(error: Exception) -> str:
    return str(error) or type(error).__name__


class RowWorker:
    """Batches of {"line", "kind"} in, {"line"} out: each row with what `answers` gives for its text."""

    settings_type: type[ModelSettings] = ModelSettings

    def __init__(self, settings: dict, text_field: str, done: set[str] | ray.ObjectRef, tally: ray.actor.ActorHandle):
        self.settings = self.settings_type.model_validate(settings)
        self.text_field = text_field
        self.done = ray.get(done) if isinstance(done, ray.ObjectRef) else done
        self.tally = tally
        self.models: dict[str, DirectEngine] = {}

    async def model(self, checkpoint: str) -> DirectEngine:
        """The engine of `checkpoint`, loaded on first use with the deployment's engine settings."""
        if checkpoint not in self.models:
            threads = self.settings.threads or reserved_threads()
            options = self.settings.engine_options()
            await asyncio.to_thread(prepare_engine, checkpoint, self.settings.engine, **options)
            engine = await asyncio.to_thread(load_engine, checkpoint, self.settings.engine, threads, **options)
            self.models[checkpoint] = DirectEngine(engine, self.settings)
        return self.models[checkpoint]

    async def answers(self, texts: list[str]) -> list[dict]:
        """The fields each text's row gains."""
        raise NotImplementedError

    async def answered(self, texts: list[str]) -> list[dict]:
        """answers() for all the texts at once; when that fails, for each alone, so that only the rows that fail
        get an error."""
        try:
            return await self.answers(texts)
        except Exception as error:
            if len(texts) == 1:
                return [{ERROR_FIELD: problem_of(error)}]
        return [(await self.answered([text]))[0] for text in texts]

    def __call__(self, batch: pa.Table) -> dict:
        rows, texts, waiting = [], [], []
        skipped = 0
        for line, kind in zip(batch.column("line").to_pylist(), batch.column("kind").to_pylist(), strict=True):
            row, problem = parsed(line, kind)
            if self.done and key_of(row) in self.done:
                skipped += 1
                continue
            text = None
            if problem is None:
                text, problem = text_of(row, self.text_field)
            if problem is not None:
                row[ERROR_FIELD] = problem
            else:
                texts.append(text)
                waiting.append(row)
            rows.append(row)
        answers = asyncio.run(self.answered(texts)) if texts else []
        for row, answer in zip(waiting, answers, strict=True):
            row.update(answer)
        errors = sum(ERROR_FIELD in row for row in rows)
        self.tally.add.remote(
            {"rows": len(rows), "skipped": skipped, "errors": errors, "characters": sum(map(len, texts))}
        )
        return {"line": [line_of(row) for row in rows]}


class Translate(RowWorker):
    """Each row's text translated into `language` from `source` (None: detected per row, as `auto`), through the
    model the Translator's catalog names for the pair (two through English where no one model serves it)."""

    settings_type = TranslatorSettings

    def __init__(self, language: str, source: str | None, **kwargs):
        super().__init__(**kwargs)
        self.language, self.source = language, source
        self.catalog = Catalog.build(self.settings.served_models(), known_pairs)
        # TextService's translation path: sources detected, grouped and routed as the online service does.
        self.service = TextService(summarizer=None, translator=self)

    @property
    def default_language(self) -> str:
        return self.settings.target

    async def translate_many(self, texts: list[str], steps: tuple[Step, ...]) -> list[Translated]:
        return await translate_through(steps, texts, self.model)

    async def answers(self, texts: list[str]) -> list[dict]:
        results = await self.service.translate(texts, self.language, self.source)
        answers = []
        for result in results:
            answer = {"translation": result.translation, "source_language": result.source}
            if len(result.segments) > 1:
                answer["segments"] = [segment.model_dump() for segment in result.segments]
            answers.append(answer)
        return answers


class Summarize(RowWorker):
    """Each row's text summarized whole (chunk by chunk when longer than the model's window)."""

    settings_type = SummarizerSettings

    def __init__(self, min_length: int | None = None, max_length: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.lengths = {"min_length": min_length, "max_length": max_length}

    async def answers(self, texts: list[str]) -> list[dict]:
        model = await self.model(self.settings.model)
        results = await summarize_texts(model, texts, **self.lengths)
        return [{"summary": r.summary, "chunks": r.chunks, "levels": r.levels} for r in results]
