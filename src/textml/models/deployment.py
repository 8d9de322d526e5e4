"""ModelDeployment: what Translator and Summarizer share. Engines loaded when first asked for (Serve's model
multiplexing: at most max_loaded_models per replica, the least recently used unloaded), one dynamic batching
queue for them all, and a health check that proves every loaded engine still decodes.

Concurrent requests are gathered by `@serve.batch` into one batch, which Serve splits by model (each job is
tagged with its checkpoint as the multiplexed model id) and decodes concurrently; within a model's batch, jobs
that need different settings (another language or lengths) are decoded in groups, each with its own.
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

from textml import _ray
from textml.engines import Engine, load_engine, prepare_engine
from textml.exceptions import EngineFailure
from textml.models.batching import Job, decoding_groups
from textml.models.engine_calls import ModelUse, decode
from textml.models.metrics import EngineMetrics
from textml.models.settings import ModelSettings

logger = logging.getLogger("ray.serve")

# A two-token greedy decode: about a millisecond, and it goes through the whole engine.
CANARY_TEXT = "health check"
CANARY_DECODING = {"min_length": 0, "max_length": 3, "num_beams": 1}
# The bound Serve's multiplexing starts with; each deployment sets its own when its config is applied.
INITIAL_MAX_MODELS = 4


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
        self.settings: ModelSettings | None = None
        # The settings engines load with: a new configuration's, from the moment it is being applied.
        self.loading: ModelSettings | None = None
        self.metrics = EngineMetrics()
        # Loads under way, by checkpoint: a request that gives up waiting (its deadline) leaves the load running
        # for the next one.
        self._loads: dict[str, asyncio.Future] = {}
        # Serve 2.60's @serve.batch forms the next batch while one is decoding, from whatever arrived within
        # batch_wait_timeout_s, and queues it (ray-project/ray PR #53096): under load, a slow engine would work
        # through a line of tiny batches. Jobs enter the batch queue only while the engine is free, so
        # everything that arrived during a decode makes one batch.
        self.engine_free = asyncio.Event()
        self.engine_free.set()
        self.batches_decoding = 0  # batches being decoded now: one per model at most

    async def reconfigure(self, config: dict):
        """Applies user_config in place: the new settings take effect once the models they need first have
        loaded, so a configuration that can't be served leaves the replica serving the one before.

        Serve sends a replica traffic only once this has returned: a new engine must first pass a canary decode,
        so a replica takes requests only warm (its first decode, which allocates the engine's buffers, is done).
        Serve exports how long a replica took from its creation to that point (ray_serve_replica_startup_latency_ms,
        and ray_serve_replica_initialization_latency_ms for the constructor and this method)."""
        settings = self.settings_type.model_validate(config)
        if self.settings is not None and settings.engine_inputs() != self.settings.engine_inputs():
            # Another engine, compute type or thread count: every model is loaded again, with the new ones.
            await _ray.bound_multiplexed_models(self, settings.loaded_models_bound(), keep=lambda _: False)
        previous, self.loading = self.loading, settings
        try:
            await self.apply(settings)
        except BaseException:
            self.loading = previous
            raise
        self.settings = settings
        wanted = settings.checkpoints()
        dropped = await _ray.bound_multiplexed_models(self, settings.loaded_models_bound(), keep=wanted.__contains__)
        if dropped:
            logger.info("unloaded %s", ", ".join(dropped))
        self.generate_batch.set_max_batch_size(settings.max_batch_size)
        self.generate_batch.set_batch_wait_timeout_s(settings.batch_wait_timeout_s)

    async def apply(self, settings: ModelSettings):
        """What a deployment loads or builds for a new configuration before it is committed: the model."""
        await self.engine_for(settings.model)

    @serve.multiplexed(max_num_models_per_replica=INITIAL_MAX_MODELS)
    async def engine_for(self, checkpoint: str) -> Engine:
        """The engine of `checkpoint`, loaded first if this replica doesn't hold it (Serve keeps the loaded
        ones, reports them for routing and exports their count and load times)."""
        load = self._loads.get(checkpoint)
        if load is None:
            load = self._loads[checkpoint] = asyncio.ensure_future(self._load(checkpoint, self.loading))
            load.add_done_callback(lambda _: self._loads.pop(checkpoint, None))
        return await asyncio.shield(load)

    async def _load(self, checkpoint: str, settings: ModelSettings) -> Engine:
        threads = settings.threads or reserved_threads()
        options = settings.engine_options()
        started = time.monotonic()
        await at_low_priority(prepare_engine, checkpoint, settings.engine, **options)
        engine = await asyncio.to_thread(load_engine, checkpoint, settings.engine, threads, **options)
        await asyncio.to_thread(engine.generate, [CANARY_TEXT], **CANARY_DECODING)
        logger.info(
            "loaded %s with %s on %d CPU threads in %.1f s",
            checkpoint,
            settings.engine,
            threads,
            time.monotonic() - started,
        )
        return engine

    def loaded_engines(self) -> dict[str, Engine]:
        """The engines this replica holds now, by checkpoint."""
        return _ray.multiplexed_models(self)

    async def check_health(self):
        """Serve calls this every health_check_period_s; after 3 failures in a row it replaces the replica.

        A broken engine leaves the replica's event loop answering, so Serve's own liveness check would keep it:
        a canary decode on each loaded engine catches it. An engine that hangs makes this hang: Serve's
        health_check_timeout_s counts that.
        """
        engines = self.loaded_engines()
        if not engines:
            if self._loads:  # all of them being loaded again (another engine or compute type): not broken
                return
            raise EngineFailure("no model loaded")
        for checkpoint, engine in engines.items():
            try:
                await asyncio.to_thread(engine.generate, [CANARY_TEXT], **CANARY_DECODING)
            except Exception as error:
                raise EngineFailure(f"{checkpoint} failed a canary decode: {error}") from error

    def queue_for(self, engine: Engine) -> "QueuedEngine":
        return QueuedEngine(self, engine)

    async def run_tasks(self, engine: Engine, task: str, texts: list[str], **overrides) -> list[str]:
        """Each text is a job in the replica's batch queue, so jobs of many requests share batches. Overrides
        that are None are left to the configuration.

        At most max_jobs_per_request of a call's jobs (and at most a batch's worth) wait in the queue at a time:
        a long document takes turns with the requests that come after it instead of queueing ahead of them all."""
        given = tuple(sorted((name, value) for name, value in overrides.items() if value is not None))
        turns = asyncio.Semaphore(min(self.settings.max_jobs_per_request, self.settings.max_batch_size))

        async def decoded(text: str) -> str:
            # Serve's batcher then decodes each model's jobs as a batch of their own, concurrently: a request
            # for one model never waits for another model's engine call.
            _ray.batch_by_model(engine.model)
            async with turns:
                await self.engine_free.wait()
                return await self.generate_batch(Job(task, text, given, engine))

        return list(await asyncio.gather(*map(decoded, texts)))

    # One batch queue per process; Serve runs one deployment instance per replica process.
    @serve.batch(max_batch_size=16, batch_wait_timeout_s=0.01)
    async def generate_batch(self, jobs: list[Job]) -> list[str]:
        self.batches_decoding += 1
        self.engine_free.clear()
        try:
            return await self._decode(jobs)
        finally:
            self.batches_decoding -= 1
            if not self.batches_decoding:  # the sub-batches of other models may still be decoding
                self.engine_free.set()

    async def _decode(self, jobs: list[Job]) -> list[str]:
        settings = self.settings
        groups = decoding_groups(jobs)
        logger.debug("batch of %d requests in %d decoding groups", len(jobs), len(groups))
        started = time.monotonic()
        for job in jobs:
            self.metrics.queue_wait.observe(started - job.queued_at)
        outputs: list[str] = [""] * len(jobs)
        for (engine, task_name, overrides), indices in groups.items():
            texts = [jobs[index].text for index in indices]
            engine.task(task_name)  # a task the checkpoint can't do is named as such, not as an engine failure
            call_started = time.monotonic()
            # generate() holds the CPU for a while: a worker thread keeps the replica answering meanwhile.
            try:
                generated = await asyncio.to_thread(decode, engine, settings, task_name, texts, dict(overrides))
            except Exception as error:
                raise EngineFailure(f"the {settings.engine} engine failed: {error}") from error
            self.metrics.engine_call(
                settings.engine, task_name, len(indices), time.monotonic() - call_started, generated.tokens
            )
            for index, text in zip(indices, generated.texts, strict=True):
                outputs[index] = text
        return outputs


class QueuedEngine(ModelUse):
    """One loaded engine, used through its deployment's batch queue."""

    def __init__(self, deployment: ModelDeployment, engine: Engine):
        super().__init__(engine, deployment.settings)
        self.deployment = deployment

    async def run_tasks(self, task: str, texts: list[str], **overrides) -> list[str]:
        return await self.deployment.run_tasks(self.engine, task, texts, **overrides)
