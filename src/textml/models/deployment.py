"""ModelDeployment: what Translator and Summarizer share. An engine loaded from user_config, dynamic
batching, and a health check that proves the engine still decodes.

Concurrent requests are gathered by `@serve.batch` into one batch; requests in it that need different
settings (another language, other lengths) are decoded in groups, each with its own settings.
"""

import asyncio
import logging
import math
import os
import threading
import time
from typing import ClassVar

import ray
from ray import serve

from textml.documents.fitting import fitting
from textml.documents.segmentation import Span, plain, sentences
from textml.engines import Engine, load_engine, prepare_engine
from textml.exceptions import EngineFailure
from textml.models.batching import Job, decoding_groups, reconciled
from textml.models.metrics import EngineMetrics
from textml.models.settings import ModelSettings

logger = logging.getLogger("ray.serve")

# A two-token greedy decode: about a millisecond, and it goes through the whole engine.
CANARY_TEXT = "health check"
CANARY_DECODING = {"max_length": 3, "num_beams": 1}


def reserved_threads() -> int:
    """The CPU threads this replica reserved (Ray sets OMP_NUM_THREADS=1 in replicas regardless)."""
    cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 1)
    return max(1, math.ceil(cpus))


async def at_low_priority(function, *args, **kwargs):
    """`function` run in a thread of its own at the lowest CPU priority (nice 19, which any process may set for
    its own threads): a replica starting beside busy ones takes only the CPU they leave. The thread ends with
    the call, so the engine's own threads, started later from other threads, keep the normal priority."""
    loop = asyncio.get_running_loop()
    done = loop.create_future()

    def run():
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        try:
            result = function(*args, **kwargs)
        except BaseException as error:  # handed to the awaiting coroutine
            loop.call_soon_threadsafe(done.set_exception, error)
        else:
            loop.call_soon_threadsafe(done.set_result, result)

    threading.Thread(target=run, name="textml-low-priority", daemon=True).start()
    return await done


class ModelDeployment:
    settings_type: ClassVar[type[ModelSettings]] = ModelSettings

    def __init__(self):
        self.engine: Engine | None = None
        self.settings: ModelSettings | None = None
        self.metrics = EngineMetrics()
        # Serve 2.60's @serve.batch forms the next batch while one is decoding, from whatever arrived within
        # batch_wait_timeout_s, and queues it (ray-project/ray PR #53096): under load, a slow engine would work
        # through a line of tiny batches. Jobs enter the batch queue only while the engine is free, so
        # everything that arrived during a decode makes one batch.
        self.engine_free = asyncio.Event()
        self.engine_free.set()

    async def reconfigure(self, config: dict):
        """Applies user_config in place; the weights are reloaded only when the engine's inputs change.

        Serve sends a replica traffic only once this has returned: a new engine must first pass a canary decode,
        so a replica takes requests only warm (its first decode, which allocates the engine's buffers, is done).
        Serve exports how long a replica took from its creation to that point (ray_serve_replica_startup_latency_ms,
        and ray_serve_replica_initialization_latency_ms for the constructor and this method)."""
        settings = self.settings_type.model_validate(config)
        if self.engine is None or settings.engine_inputs() != self.settings.engine_inputs():
            threads = settings.threads or reserved_threads()
            await at_low_priority(prepare_engine, settings.model, settings.engine, **settings.engine_options())
            engine = await asyncio.to_thread(
                load_engine, settings.model, settings.engine, threads, **settings.engine_options()
            )
            await asyncio.to_thread(engine.generate, [CANARY_TEXT], **CANARY_DECODING)
            logger.info("loaded %s with %s on %d CPU threads", settings.model, settings.engine, threads)
            self.engine = engine
        self.generate_batch.set_max_batch_size(settings.max_batch_size)
        self.generate_batch.set_batch_wait_timeout_s(settings.batch_wait_timeout_s)
        self.settings = settings

    async def check_health(self):
        """Serve calls this every health_check_period_s; after 3 failures in a row it replaces the replica.

        A broken engine leaves the replica's event loop answering, so Serve's own liveness check would keep it:
        a canary decode catches it. An engine that hangs makes this hang: Serve's health_check_timeout_s counts that.
        """
        if self.engine is None:
            raise EngineFailure("no model loaded")
        try:
            await asyncio.to_thread(self.engine.generate, [CANARY_TEXT], **CANARY_DECODING)
        except Exception as error:
            raise EngineFailure(f"{self.settings.model} failed a canary decode: {error}") from error

    async def run_tasks(self, task: str, texts: list[str], **overrides) -> list[str]:
        """Each text is a job in the replica's batch queue, so jobs of many requests share batches. Overrides
        that are None are left to the configuration.

        At most max_jobs_per_request of a call's jobs (and at most a batch's worth) wait in the queue at a time:
        a long document takes turns with the requests that come after it instead of queueing ahead of them all."""
        given = tuple(sorted((name, value) for name, value in overrides.items() if value is not None))
        turns = asyncio.Semaphore(min(self.settings.max_jobs_per_request, self.settings.max_batch_size))

        async def decoded(text: str) -> str:
            async with turns:
                await self.engine_free.wait()
                return await self.generate_batch(Job(task, text, given))

        return list(await asyncio.gather(*map(decoded, texts)))

    def decoding(self, task_name: str, overrides: dict) -> dict:
        """The settings a job of `task_name` is decoded with: the checkpoint's for the task, then user_config's,
        then the request's."""
        task = self.engine.task(task_name)
        return reconciled({**task.generate_kwargs, **self.settings.decoding_overrides()}, overrides)

    async def pieces(self, task_name: str, text: str) -> list[Span]:
        """The sentences of `text`, each split further where it does not fit the model's input window with
        the task's prefix (documents/fitting.py)."""
        engine, prefix = self.engine, self.engine.task(task_name).prefix

        def fits(pieces: list[str]) -> list[bool]:
            return [count <= engine.input_window for count in engine.count_tokens([prefix + plain(p) for p in pieces])]

        # pysbd and the tokenizer take the CPU for a while on a long text: off the replica's event loop.
        return await asyncio.to_thread(lambda: fitting(text, sentences(text), fits))

    # One batch queue per process; Serve runs one deployment instance per replica process.
    @serve.batch(max_batch_size=16, batch_wait_timeout_s=0.01)
    async def generate_batch(self, jobs: list[Job]) -> list[str]:
        self.engine_free.clear()
        try:
            return await self._decode(jobs)
        finally:
            self.engine_free.set()

    async def _decode(self, jobs: list[Job]) -> list[str]:
        engine, settings = self.engine, self.settings
        groups = decoding_groups(jobs)
        logger.debug("batch of %d requests in %d decoding groups", len(jobs), len(groups))
        started = time.monotonic()
        for job in jobs:
            self.metrics.queue_wait.observe(started - job.queued_at)
        outputs: list[str] = [""] * len(jobs)
        for (task_name, overrides), indices in groups.items():
            decoding = self.decoding(task_name, dict(overrides))
            texts = [engine.task(task_name).prefix + jobs[index].text for index in indices]
            call_started = time.monotonic()
            # generate() holds the CPU for a while: a worker thread keeps the replica answering meanwhile.
            try:
                generated = await asyncio.to_thread(
                    engine.generate, texts, max_batch_tokens=settings.max_batch_tokens, **decoding
                )
            except Exception as error:
                raise EngineFailure(f"the {settings.engine} engine failed: {error}") from error
            self.metrics.engine_call(
                settings.engine, task_name, len(indices), time.monotonic() - call_started, generated.tokens
            )
            for index, text in zip(indices, generated.texts, strict=True):
                outputs[index] = text
        return outputs
