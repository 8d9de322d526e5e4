"""How a loaded engine is called for a task, whoever calls it: the decoding settings a call gets (the
checkpoint's for the task, then user_config's, then the request's), the pieces a text is cut into to fit the
model's input window, and one decode. The Serve deployments call engines through their batch queue
(deployment.QueuedEngine); `textml batch` calls them directly (DirectEngine)."""

import asyncio

from textml.documents.fitting import fitting
from textml.documents.segmentation import Span, plain, sentences
from textml.engines import Engine, Generated
from textml.models.batching import reconciled
from textml.models.settings import ModelSettings


def decoding_for(engine: Engine, settings: ModelSettings, task_name: str, overrides: dict) -> dict:
    task = engine.task(task_name)
    return reconciled({**task.generate_kwargs, **settings.decoding_overrides()}, overrides)


def decode(engine: Engine, settings: ModelSettings, task_name: str, texts: list[str], overrides: dict) -> Generated:
    """`texts` decoded in one engine call with the task's prefix and the settings decoding_for gives."""
    task = engine.task(task_name)
    decoding = decoding_for(engine, settings, task_name, overrides)
    return engine.generate(
        [task.prefix + text for text in texts], max_batch_tokens=settings.max_batch_tokens, task=task, **decoding
    )


class ModelUse:
    """One loaded engine with the settings it runs under: what the documents core (models/documents.py) needs.
    Subclasses say how a list of texts is decoded (run_tasks)."""

    def __init__(self, engine: Engine, settings: ModelSettings):
        self.engine = engine
        self.settings = settings

    async def run_tasks(self, task: str, texts: list[str], **overrides) -> list[str]:
        raise NotImplementedError

    def decoding(self, task_name: str, overrides: dict) -> dict:
        return decoding_for(self.engine, self.settings, task_name, overrides)

    async def pieces(self, task_name: str, text: str) -> list[Span]:
        """The sentences of `text`, each split further where it does not fit the model's input window with
        the task's prefix (documents/fitting.py)."""
        engine, prefix = self.engine, self.engine.task(task_name).prefix

        def fits(pieces: list[str]) -> list[bool]:
            return [count <= engine.input_window for count in engine.count_tokens([prefix + plain(p) for p in pieces])]

        # pysbd and the tokenizer take the CPU for a while on a long text: off the event loop.
        return await asyncio.to_thread(lambda: fitting(text, sentences(text), fits))


class DirectEngine(ModelUse):
    """An engine called directly: each run_tasks is one engine call (in pieces of max_batch_tokens), for callers
    that gather their own batches (a Ray Data batch of rows in `textml batch`)."""

    async def run_tasks(self, task: str, texts: list[str], **overrides) -> list[str]:
        given = {name: value for name, value in overrides.items() if value is not None}
        if not texts:
            return []
        generated = await asyncio.to_thread(decode, self.engine, self.settings, task, texts, given)
        return generated.texts
