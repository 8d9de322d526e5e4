"""What a batch is made of: jobs of one text each, with the task and decoding settings their request asked
for, grouped so that one engine call decodes each group with its own settings."""

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Job:
    task: str
    text: str
    # Per-request decoding settings, e.g. (("max_length", 20),); hashable so jobs can be grouped.
    overrides: tuple = ()
    # The engine that decodes it, held by the job: one unloaded meanwhile (least recently used) still finishes.
    engine: Any = None
    queued_at: float = field(default_factory=time.monotonic, compare=False)


def decoding_groups(jobs: list[Job]) -> dict[tuple[Any, str, tuple], list[int]]:
    """The indices of `jobs` for each (engine, task, overrides) they need, in order: a batch never mixes models
    in one engine call."""
    groups: dict[tuple[Any, str, tuple], list[int]] = defaultdict(list)
    for index, job in enumerate(jobs):
        groups[job.engine, job.task, job.overrides].append(index)
    return dict(groups)


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
