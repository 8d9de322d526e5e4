"""What Translator and Summarizer share: an engine loaded from user_config, and dynamic batching.

Concurrent requests are gathered by `@serve.batch` into one batch; requests in it that need different
settings (another language, other lengths) are decoded in groups, each with its own settings.
"""

import asyncio
import logging
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import ClassVar

import ray
from ray import serve

from textml.engines import Engine, load_engine
from textml.user_config import ModelSettings

logger = logging.getLogger("ray.serve")


@dataclass(frozen=True)
class Job:
    task: str
    text: str
    # Per-request decoding settings, e.g. (("max_length", 20),); hashable so jobs can be grouped.
    overrides: tuple = ()


def reserved_threads() -> int:
    """The CPU threads this replica reserved (Ray sets OMP_NUM_THREADS=1 in replicas regardless)."""
    cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 1)
    return max(1, math.ceil(cpus))


class ModelDeployment:
    settings_type: ClassVar[type[ModelSettings]] = ModelSettings

    def __init__(self):
        self.engine: Engine | None = None
        self.settings: ModelSettings | None = None

    async def reconfigure(self, config: dict):
        """Applies user_config in place; the weights are reloaded only when the engine's inputs change."""
        settings = self.settings_type.model_validate(config)
        if self.engine is None or settings.engine_inputs() != self.settings.engine_inputs():
            threads = settings.threads or reserved_threads()
            self.engine = await asyncio.to_thread(
                load_engine, settings.model, settings.engine, threads, **settings.engine_options())
            logger.info("loaded %s with %s on %d CPU threads", settings.model, settings.engine, threads)
        self.generate_batch.set_max_batch_size(settings.max_batch_size)
        self.generate_batch.set_batch_wait_timeout_s(settings.batch_wait_timeout_s)
        self.settings = settings

    async def run_task(self, task: str, text: str, **overrides) -> str:
        return await self.generate_batch(Job(task, text, tuple(sorted(overrides.items()))))

    # One batch queue per process; Serve runs one deployment instance per replica process.
    @serve.batch(max_batch_size=16, batch_wait_timeout_s=0.01)
    async def generate_batch(self, jobs: list[Job]) -> list[str]:
        engine, settings = self.engine, self.settings
        groups: dict[tuple, list[int]] = defaultdict(list)
        for index, job in enumerate(jobs):
            groups[job.task, job.overrides].append(index)
        logger.debug("batch of %d requests in %d decoding groups", len(jobs), len(groups))
        outputs: list[str] = [""] * len(jobs)
        for (task_name, overrides), indices in groups.items():
            task = engine.task(task_name)
            decoding = {**task.generate_kwargs, **settings.decoding_overrides(), **dict(overrides)}
            texts = [task.prefix + jobs[index].text for index in indices]
            # generate() holds the CPU for a while: a worker thread keeps the replica answering meanwhile.
            results = await asyncio.to_thread(engine.generate, texts, **decoding)
            for index, result in zip(indices, results):
                outputs[index] = result
        return outputs
