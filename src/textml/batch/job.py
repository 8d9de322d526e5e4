"""A batch job: INPUT's rows through a pool of actors (workers.py) with Ray Data, into OUTPUT.

On the cluster at RAY_ADDRESS, or one started here when none answers (ray.init's own rule). The decoding and
engine settings are the deployment's user_config in the Serve config: the service and its batch jobs answer
alike.
"""

import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Optional

import ray
import ray.data

from textml import serve_config
from textml.batch.files import JsonLinesDatasink, corpus, done_keys, read_lines
from textml.batch.workers import Summarize, Tally, Translate
from textml.engines import known_pairs
from textml.engines.checkpoints import looks_like_a_path
from textml.exceptions import NotServed
from textml.languages.catalog import Catalog
from textml.languages.codes import AUTO, language_code
from textml.models.settings import ModelSettings, SummarizerSettings, TranslatorSettings

logger = logging.getLogger(__name__)

DEPLOYMENTS = {"translate": "Translator", "summarize": "Summarizer"}
SETTINGS = {"translate": TranslatorSettings, "summarize": SummarizerSettings}


@dataclass
class BatchJob:
    task: Literal["translate", "summarize"]
    input: str
    output: str
    config: str = "deploy/serve_config.yaml"
    model: Optional[str] = None
    language: Optional[str] = None  # translate: the target (None: user_config's language)
    source: Optional[str] = None  # translate: the source (None or auto: detected per row)
    min_length: Optional[int] = None  # summarize
    max_length: Optional[int] = None
    text_field: str = "text"
    # The actor pool: how many (None: as many as the cluster's free CPUs or GPUs hold), and what each reserves.
    actors: Optional[int] = None
    cpus_per_actor: float = 1
    gpus_per_actor: float = 0
    # Rows per batch an actor answers at once (None: user_config's max_batch_size).
    batch_size: Optional[int] = None


@dataclass
class Totals:
    rows: int = 0  # written this run, errors included
    errors: int = 0
    skipped: int = 0  # already in OUTPUT
    characters: int = 0
    seconds: float = 0


def user_config(job: BatchJob) -> ModelSettings:
    """The deployment's user_config from the Serve config, with --model applied (a local path made absolute: the
    actors may run elsewhere), validated."""
    config = serve_config.load(job.config)
    model = job.model
    if model is not None and looks_like_a_path(model):
        model = str(Path(model).expanduser().resolve())
    config = serve_config.with_overrides(config, model=model)
    name = DEPLOYMENTS[job.task]
    entries = [entry for _, entry in serve_config.model_deployments(config) if entry["name"] == name]
    if not entries:
        raise ValueError(f"{job.config} has no text_ml_app with a {name} deployment")
    settings = dict(entries[0].get("user_config") or {})
    if job.task == "translate" and "models" in settings and model is not None:
        del settings["models"]  # --model serves every pair, as `textml run --model` does
    return SETTINGS[job.task].model_validate(settings)


def checked_languages(job: BatchJob, translator: TranslatorSettings) -> tuple[str, Optional[str]]:
    """The target and source as ISO codes, refused by name (ValueError, NotServed) before any work starts when
    the configured models don't serve them."""
    target = language_code(job.language) if job.language else translator.target
    source = language_code(job.source) if job.source and job.source != AUTO else None
    catalog = Catalog.build(translator.served_models(), known_pairs)
    if source is not None and source != target:
        catalog.route(source, target)
    elif not any(target in catalog.targets(served) for served in catalog.sources()):
        raise NotServed(f"no model translates into {target}; {catalog}")
    return target, source


def pool_size(job: BatchJob) -> int:
    """As many actors as the cluster's free CPUs (or GPUs) hold, at least one: on a cluster that also serves, the
    replicas keep theirs."""
    if job.actors:
        return job.actors
    resources = ray.available_resources()
    if job.gpus_per_actor:
        return max(1, math.floor(resources.get("GPU", 0) / job.gpus_per_actor))
    return max(1, math.floor(resources.get("CPU", 1) / job.cpus_per_actor))


def run(job: BatchJob) -> Totals:
    started = time.monotonic()
    settings = user_config(job)
    worker_options = {"text_field": job.text_field}
    if job.task == "translate":
        target, source = checked_languages(job, settings)
        worker, worker_options = Translate, {**worker_options, "language": target, "source": source}
    else:
        worker = Summarize
        worker_options = {**worker_options, "min_length": job.min_length, "max_length": job.max_length}
    found = corpus(job.input)
    ray.init(ignore_reinit_error=True)
    done = done_keys(job.output)
    tally = Tally.remote()
    size = pool_size(job)
    logger.info("%d files in, %d rows already out; %d actors", len(found), len(done), size)
    answered = read_lines(found).map_batches(
        worker,
        fn_constructor_kwargs={
            **worker_options,
            "settings": settings.model_dump(),
            "done": ray.put(done),
            "tally": tally,
        },
        batch_size=job.batch_size or settings.max_batch_size,
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=size),
        num_cpus=job.cpus_per_actor,
        num_gpus=job.gpus_per_actor or None,
    )
    answered.write_datasink(JsonLinesDatasink(job.output))
    counts = ray.get(tally.totals.remote())
    return Totals(
        rows=counts.get("rows", 0),
        errors=counts.get("errors", 0),
        skipped=counts.get("skipped", 0),
        characters=counts.get("characters", 0),
        seconds=time.monotonic() - started,
    )
