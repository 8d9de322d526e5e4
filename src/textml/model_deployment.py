"""What Translator and Summarizer share: an engine loaded from user_config, dynamic batching, and a
health check that proves the engine still decodes.

Concurrent requests are gathered by `@serve.batch` into one batch; requests in it that need different
settings (another language, other lengths) are decoded in groups, each with its own settings.
"""

import asyncio
import logging
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import ClassVar

import ray
from ray import serve
from ray.serve import metrics
from ray.serve.exceptions import BackPressureError, DeploymentUnavailableError

from textml.engines import Engine, load_engine
from textml.user_config import ModelSettings

logger = logging.getLogger("ray.serve")


# A two-token greedy decode: about a millisecond, and it goes through the whole engine.
CANARY_TEXT = "health check"
CANARY_DECODING = {"max_length": 3, "num_beams": 1}


class EngineFailure(RuntimeError):
    """The engine failed on valid input: this replica is broken, not the request."""


# A request that meets one of these was good; the service is busy or a replica is broken: retry it.
RETRYABLE = (BackPressureError, DeploymentUnavailableError, EngineFailure)


def retry_message(error: Exception) -> str:
    # Raised in another replica, an error arrives wrapped in Ray's: its own message is the cause's.
    return f"{getattr(error, 'cause', error)}; retry"


@dataclass(frozen=True)
class Job:
    task: str
    text: str
    # Per-request decoding settings, e.g. (("max_length", 20),); hashable so jobs can be grouped.
    overrides: tuple = ()
    queued_at: float = field(default_factory=time.monotonic, compare=False)


class EngineMetrics:
    """What batching and the engine do, exported through Ray's metrics (Prometheus names get a `ray_` prefix);
    Serve adds the deployment, replica and application tags."""

    def __init__(self):
        # Ray exports a histogram's sum as if each value sat mid-bucket: half-integer boundaries put the
        # midpoints on whole batch sizes, so the sum (and the mean batch size) is exact up to 16.
        self.batch_size = metrics.Histogram(
            "textml_batch_size", description="Requests decoded together in one engine call.",
            boundaries=[n + 0.5 for n in range(17)] + [24.5, 32.5, 48.5, 64.5], tag_keys=("task",))
        self.queue_wait = metrics.Histogram(
            "textml_queue_wait_seconds", description="Time a request waited for its batch to start.",
            boundaries=[0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30])
        self.engine_time = metrics.Histogram(
            "textml_engine_seconds", description="Time of one engine call on one batch.",
            boundaries=[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], tag_keys=("engine", "task"))
        self.tokens = metrics.Counter(
            "textml_generated_tokens", description="Tokens the engine generated.", tag_keys=("task",))


def reconciled(defaults: dict, request: dict) -> dict:
    """The decoding settings for a request: its own lengths win over configured or checkpoint ones that
    would contradict them (a max_length below the configured min_length lowers that min_length)."""
    decoding = {**defaults, **request}
    low, high = decoding.get("min_length"), decoding.get("max_length")
    if low is not None and high is not None and low > high:
        if "max_length" in request:
            decoding["min_length"] = high
        else:
            decoding["max_length"] = low
    return decoding


def reserved_threads() -> int:
    """The CPU threads this replica reserved (Ray sets OMP_NUM_THREADS=1 in replicas regardless)."""
    cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 1)
    return max(1, math.ceil(cpus))


class ModelDeployment:
    settings_type: ClassVar[type[ModelSettings]] = ModelSettings

    def __init__(self):
        self.engine: Engine | None = None
        self.settings: ModelSettings | None = None
        self.metrics = EngineMetrics()

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
        """Each text joins the replica's batch queue on its own: a list shares batches with other requests."""
        settings = tuple(sorted(overrides.items()))
        return list(await asyncio.gather(*(self.generate_batch(Job(task, text, settings)) for text in texts)))

    # One batch queue per process; Serve runs one deployment instance per replica process.
    @serve.batch(max_batch_size=16, batch_wait_timeout_s=0.01)
    async def generate_batch(self, jobs: list[Job]) -> list[str]:
        engine, settings = self.engine, self.settings
        groups: dict[tuple, list[int]] = defaultdict(list)
        for index, job in enumerate(jobs):
            groups[job.task, job.overrides].append(index)
        logger.debug("batch of %d requests in %d decoding groups", len(jobs), len(groups))
        started = time.monotonic()
        for job in jobs:
            self.metrics.queue_wait.observe(started - job.queued_at)
        outputs: list[str] = [""] * len(jobs)
        for (task_name, overrides), indices in groups.items():
            task = engine.task(task_name)
            decoding = reconciled({**task.generate_kwargs, **settings.decoding_overrides()}, dict(overrides))
            texts = [task.prefix + jobs[index].text for index in indices]
            call_started = time.monotonic()
            # generate() holds the CPU for a while: a worker thread keeps the replica answering meanwhile.
            try:
                results = await asyncio.to_thread(engine.generate, texts, **decoding)
            except Exception as error:
                raise EngineFailure(f"the {settings.engine} engine failed: {error}") from error
            self.metrics.engine_time.observe(time.monotonic() - call_started,
                                             tags={"engine": settings.engine, "task": task_name})
            self.metrics.batch_size.observe(len(indices), tags={"task": task_name})
            if results.tokens:  # Ray's counters refuse an increment of 0
                self.metrics.tokens.inc(results.tokens, tags={"task": task_name})
            for index, result in zip(indices, results):
                outputs[index] = result
        return outputs
