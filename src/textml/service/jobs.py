"""The book of file jobs: every job's file, state, progress and result, kept in one place that every ingress
replica asks (the DocumentJobs deployment holds it), so a job's status and result answer from any of them.

A job is translated by one ingress replica, its worker, which beats while it works. A job whose worker stopped
beating (its replica died) is handed to the next replica that asks after it, which starts it again from the file;
after `attempts` starts, it fails, naming why. It never stays "translating" for ever. Results are kept for
`keep_s` after the job ends, then removed; the files kept are bounded in bytes, finished jobs going first.
"""

import functools
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable, Optional

from pydantic import BaseModel, Field

QUEUED, TRANSLATING, DONE, FAILED = "queued", "translating", "done", "failed"
ACTIVE = (QUEUED, TRANSLATING)


class JobSettings(BaseModel):
    """DocumentJobs' user_config."""

    keep_results_s: float = Field(3600, gt=0, description="how long a job's result is kept after it ends")
    stale_after_s: float = Field(20, gt=0, description="a worker not heard from this long is taken as lost")
    attempts: int = Field(2, ge=1, description="how many times a job is started before it fails")
    max_kept_mb: float = Field(1024, gt=0, description="the files and results kept, in MiB, at most")


@dataclass
class Work:
    """What a worker needs to translate a job."""

    id: str
    filename: str
    data: bytes
    language: str  # the target's code
    source: str  # a code: detected at upload where `auto` was asked


@dataclass
class Job:
    work: Work
    result_filename: str
    media_type: str
    characters: int
    key: str = field(default_factory=lambda: secrets.token_hex(16))  # DeepL's document_key
    status: str = QUEUED
    progress: float = 0.0
    error: Optional[str] = None
    result: Optional[bytes] = None
    worker: Optional[str] = None
    beat: float = 0.0
    attempts: int = 1
    created: float = 0.0
    ended: Optional[float] = None

    @property
    def size(self) -> int:
        return len(self.work.data) + len(self.result or b"")

    def view(self, keep_s: float) -> dict:
        """The job as its status route answers it."""
        return {
            "id": self.work.id,
            "status": self.status,
            "progress": round(self.progress, 4),
            "filename": self.work.filename,
            "result_filename": self.result_filename,
            "media_type": self.media_type,
            "language": self.work.language,
            "source": self.work.source,
            "characters": self.characters,
            "error": self.error,
            "created": self.created,
            "expires": None if self.ended is None else self.ended + keep_s,
        }


class JobsFull(RuntimeError):
    """No room to keep another file until jobs end or expire (503, retry later)."""


def locked(method):
    """One call at a time: Serve runs a deployment's plain methods on a thread pool."""

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        with self.lock:
            return method(self, *args, **kwargs)

    return call


def new_id() -> str:
    return uuid.uuid4().hex


class JobBook:
    def __init__(self, settings: Optional[JobSettings] = None, clock: Callable[[], float] = time.time):
        self.settings = settings or JobSettings()
        self.clock = clock
        self.jobs: dict[str, Job] = {}
        self.lock = threading.RLock()

    @locked
    def configure(self, settings: JobSettings):
        self.settings = settings

    @locked
    def add(self, job: Job, worker: str) -> dict:
        """A new job, its worker the replica that took the upload, as viewed with its key; JobsFull when it
        doesn't fit."""
        self.expire()
        room = self.settings.max_kept_mb * 1024 * 1024
        kept = sum(j.size for j in self.jobs.values())
        for old in sorted((j for j in self.jobs.values() if j.ended is not None), key=lambda j: j.ended):
            if kept + job.size <= room:
                break
            kept -= old.size
            del self.jobs[old.work.id]
        if kept + job.size > room:
            raise JobsFull(
                f"no room for the file: the service keeps {self.settings.max_kept_mb:g} MiB of files and results, "
                "and jobs still running hold it; retry later"
            )
        job.created = job.beat = self.clock()
        job.worker = worker
        self.jobs[job.work.id] = job
        return {**job.view(self.settings.keep_results_s), "key": job.key}

    def find(self, id: str, key: Optional[str] = None) -> Optional[Job]:
        """The job, if it is kept (and, where `key` is given, it is the job's key)."""
        self.expire()
        job = self.jobs.get(id)
        if job is None or (key is not None and not secrets.compare_digest(key, job.key)):
            return None
        return job

    @locked
    def view(self, id: str, key: Optional[str] = None) -> Optional[dict]:
        job = self.find(id, key)
        return None if job is None else job.view(self.settings.keep_results_s)

    @locked
    def key(self, id: str) -> Optional[str]:
        job = self.find(id)
        return None if job is None else job.key

    @locked
    def take_over(self, id: str, worker: str) -> Optional[Work]:
        """The job's work for `worker` when its own worker was lost; it fails instead after its last attempt."""
        job = self.find(id)
        if job is None or job.status not in ACTIVE or self.clock() - job.beat <= self.settings.stale_after_s:
            return None
        if job.attempts >= self.settings.attempts:
            self.end(job, FAILED, error=self.lost_message(job))
            return None
        job.attempts += 1
        job.worker, job.beat, job.status, job.progress = worker, self.clock(), QUEUED, 0.0
        return job.work

    @locked
    def stale(self, worker: str) -> list[Work]:
        """Every job whose worker was lost, for `worker` to start again."""
        return [work for id in list(self.jobs) if (work := self.take_over(id, worker)) is not None]

    def lost_message(self, job: Job) -> str:
        times = "once" if job.attempts == 1 else f"{job.attempts} times"
        return (
            f"the replica translating the file stopped answering ({times}, for over "
            f"{self.settings.stale_after_s:g} s each): upload it again"
        )

    def working(self, id: str, worker: str) -> Optional[Job]:
        """The job, while `worker` is still the one translating it."""
        job = self.jobs.get(id)
        return job if job is not None and job.worker == worker and job.status in ACTIVE else None

    @locked
    def beat(self, id: str, worker: str, progress: Optional[float] = None) -> bool:
        """The worker is alive (and, with `progress`, this far); False: stop, the job is no longer its own."""
        job = self.working(id, worker)
        if job is None:
            return False
        job.beat = self.clock()
        if progress is not None:
            job.status, job.progress = TRANSLATING, max(0.0, min(progress, 1.0))
        return True

    @locked
    def finish(self, id: str, worker: str, result: bytes) -> bool:
        job = self.working(id, worker)
        if job is None:
            return False
        self.end(job, DONE, result=result)
        return True

    @locked
    def fail(self, id: str, worker: str, error: str) -> bool:
        job = self.working(id, worker)
        if job is None:
            return False
        self.end(job, FAILED, error=error)
        return True

    def end(self, job: Job, status: str, result: Optional[bytes] = None, error: Optional[str] = None):
        job.status, job.result, job.error, job.ended = status, result, error, self.clock()
        job.progress = 1.0 if status == DONE else job.progress
        job.work.data = b""  # the file is not needed once the job ends

    @locked
    def result(self, id: str, key: Optional[str] = None) -> Optional[tuple[bytes, str, str]]:
        """A done job's file, media type and name."""
        job = self.find(id, key)
        if job is None or job.status != DONE:
            return None
        return job.result, job.media_type, job.result_filename

    def expire(self):
        now = self.clock()
        for id, job in list(self.jobs.items()):
            if job.ended is not None and now - job.ended > self.settings.keep_results_s:
                del self.jobs[id]
