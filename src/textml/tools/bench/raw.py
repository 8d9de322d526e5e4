"""(a) The raw engine: the same model decoding the same prompts in process, batched, no serving. Its best
batch size and thread count are the limit textml is measured against."""

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from textml.engines import load_engine
from textml.tools.bench.workloads import Workload


@dataclass(frozen=True)
class EngineRow:
    name: str
    workload: str
    batch: int
    threads: int
    seconds: float  # per batch, every decode of the workload included
    # Batches decoded at once, each by an engine of its own (`threads` threads each).
    streams: int = 1

    @property
    def per_second(self) -> float:
        return self.streams * self.batch / self.seconds


def decode_all(engine, workload: Workload, texts: list[str], max_batch_tokens: int | None = None):
    """The workload's decodes, one after another, each on the previous one's outputs."""
    for task_name, decoding in workload.decodes:
        task = engine.task(task_name)
        settings = {**task.generate_kwargs, **decoding}
        prompts = [task.prefix + t for t in texts]
        texts = engine.generate(prompts, max_batch_tokens=max_batch_tokens, task=task, **settings).texts
    return texts


def measure(
    model: str,
    engine_name: str,
    workload: Workload,
    texts: list[str],
    batch: int,
    threads: int,
    repeats: int,
    streams: int = 1,
) -> EngineRow:
    """Seconds per batch of `batch` texts, median of `repeats` after a warm-up; with `streams`, that many
    engines decode a batch each at the same time (CTranslate2 lets go of the GIL while it decodes)."""
    engines = [load_engine(model, engine_name, threads) for _ in range(streams)]
    chosen = (texts * (batch // len(texts) + 1))[:batch]

    def timed(engine) -> float:
        started = time.perf_counter()
        decode_all(engine, workload, chosen)
        return time.perf_counter() - started

    with ThreadPoolExecutor(streams) as pool:
        list(pool.map(timed, engines))  # warm-up
        times = [max(pool.map(timed, engines)) for _ in range(repeats)]
    name = "CTranslate2 int8" if engine_name == "ctranslate2" else engine_name
    name += f", {f'{streams} streams x ' if streams > 1 else ''}{threads} thread{'s' * (threads > 1)}"
    return EngineRow(name, workload.name, batch, threads, statistics.median(times), streams)


def sentences_per_second(
    model: str, workload: Workload, sentences: list[str], batch: int, threads: int, max_batch_tokens: int | None
) -> float:
    """Every sentence decoded in batches of `batch`, in the order given (as they arrive): sentences/s."""
    engine = load_engine(model, "ctranslate2", threads)
    decode_all(engine, workload, sentences[:batch])  # warm-up
    started = time.perf_counter()
    for start in range(0, len(sentences), batch):
        decode_all(engine, workload, sentences[start : start + batch], max_batch_tokens)
    return len(sentences) / (time.perf_counter() - started)
