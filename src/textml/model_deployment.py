"""What Translator and Summarizer share: an engine loaded from user_config, run off the event loop."""

import asyncio
from typing import ClassVar

from textml.engines import Engine, load_engine
from textml.user_config import ModelSettings


class ModelDeployment:
    settings_type: ClassVar[type[ModelSettings]] = ModelSettings

    def __init__(self):
        self.engine: Engine | None = None
        self.settings: ModelSettings | None = None

    async def reconfigure(self, config: dict):
        """Applies user_config in place; the weights are reloaded only when `model` changes."""
        settings = self.settings_type.model_validate(config)
        if self.engine is None or settings.model != self.engine.model:
            self.engine = await asyncio.to_thread(load_engine, settings.model)
        self.settings = settings

    async def run_task(self, task_name: str, text: str) -> str:
        engine, settings = self.engine, self.settings
        task = engine.task(task_name)
        decoding = {**task.generate_kwargs, **settings.decoding_overrides()}
        # generate() holds the CPU for a while: a worker thread keeps the replica answering meanwhile.
        [output] = await asyncio.to_thread(engine.generate, [task.prefix + text], **decoding)
        return output
