"""Files translated as jobs, in the ingress replica that took the upload: the file read into units
(documents/files/), its language checked and its characters charged before the upload is answered, then each
unit translated through the TextService (plain text sentence by sentence, markup with its tags kept) a chunk at a
time, with the job's progress told to the book of jobs (jobs.py, in the DocumentJobs deployment) after each.

A worker beats every BEAT_S while it works; the book hands a job whose worker went silent to the next replica
that asks after it, and each replica also looks for such jobs every SWEEP_S once it has handled one.
"""

import asyncio
import contextvars
import logging
from pathlib import PurePosixPath
from typing import Optional

from ray import serve
from ray.serve.handle import DeploymentHandle

from textml.access.gate import charge
from textml.documents.files import Document, Unit
from textml.documents.files.formats import format_of, read_file
from textml.documents.markup import Markup
from textml.exceptions import NotServed
from textml.languages.codes import AUTO
from textml.limits import MAX_FILE_CHARS
from textml.service.jobs import ACTIVE, Job, Work, new_id
from textml.service.text_service import TextService

logger = logging.getLogger("ray.serve")

BEAT_S = 2.0
SWEEP_S = 10.0
# Units are translated this many characters at a time (a step of progress), CHUNKS_AT_ONCE chunks at once.
CHUNK_CHARS = 2000
CHUNKS_AT_ONCE = 4
WAIT_POLL_S = 0.25
# The text detection reads when a file's source is `auto`.
DETECTION_CHARS = 4000


class FileTooLarge(ValueError):
    """A file holding more text than a job takes (413)."""


def prose(unit: Unit) -> str:
    """What of a unit the models read: its text, without its markup."""
    if unit.markup is None:
        return unit.text
    return " ".join(Markup(unit.text, unit.markup, unit.tags).texts)


def translated_name(filename: str, language: str) -> str:
    """talk.docx in German: talk.de.docx."""
    path = PurePosixPath(filename.replace("\\", "/"))
    return f"{path.stem}.{language}{path.suffix}" if path.suffix else f"{path.name}.{language}"


def chunks(units: list[Unit], size: int = CHUNK_CHARS) -> list[list[int]]:
    """The units' indexes in runs of about `size` characters, in order."""
    runs: list[list[int]] = [[]]
    characters = 0
    for index, unit in enumerate(units):
        if runs[-1] and characters + len(unit.text) > size:
            runs.append([])
            characters = 0
        runs[-1].append(index)
        characters += len(unit.text)
    return [run for run in runs if run]


def replica_id() -> str:
    try:
        return serve.get_replica_context().replica_id.unique_id
    except Exception:  # not in a replica: the app in process
        return "local"


class FileJobs:
    def __init__(self, service: TextService, book: DeploymentHandle):
        self.service = service
        self.book = book
        self.worker = replica_id()
        self.running: dict[str, asyncio.Task] = {}
        self.sweeper: Optional[asyncio.Task] = None

    async def submit(self, filename: str, data: bytes, language: Optional[str], source: Optional[str]) -> dict:
        """A new job for the file, started here; refused at once (FileError, NotServed, FileTooLarge, a quota)
        when it can't be done."""
        self.sweep_soon()
        file_format = format_of(filename)
        document = await asyncio.to_thread(read_file, filename, data)
        texts = await asyncio.to_thread(lambda: [prose(unit) for unit in document.units])
        characters = sum(map(len, texts))
        if characters > MAX_FILE_CHARS:
            raise FileTooLarge(
                f"the file holds {characters} characters of text; the limit is {MAX_FILE_CHARS}: split it"
            )
        target = language or self.service.translator.default_language
        source = await self.source_of(texts, source, target)
        await charge(texts)
        work = Work(new_id(), filename, data, target, source)
        job = Job(work, translated_name(filename, target), file_format.media_type, characters)
        view = await self.book.add.remote(job, self.worker)
        self.start(work)
        return view

    async def source_of(self, texts: list[str], source: Optional[str], target: str) -> str:
        """The file's language, detected once on its first text where not given; NotServed when no model (or
        two through English) translates it into `target`."""
        sample = " ".join(texts)[:DETECTION_CHARS]
        if not sample.strip():
            found = source if source and source != AUTO else target
        else:
            [found] = await self.service.sources_of([sample], source)
        if found != target:
            self.service.translator.catalog.route(found, target)  # NotServed naming the pair
        return found

    async def status(self, id: str, key: Optional[str] = None) -> Optional[dict]:
        """The job's view; a job whose worker was lost is started again here first."""
        self.sweep_soon()
        work = await self.book.take_over.remote(id, self.worker)
        if work is not None:
            logger.warning("file job %s: its replica was lost; translating it again here", id)
            self.start(work)
        return await self.book.view.remote(id, key)

    async def result(self, id: str, key: Optional[str] = None) -> Optional[tuple[bytes, str, str]]:
        return await self.book.result.remote(id, key)

    async def ended(self, id: str, within_s: float, key: Optional[str] = None) -> Optional[dict]:
        """The job's view once it has ended, or as it is when `within_s` pass first."""
        deadline = asyncio.get_running_loop().time() + within_s
        while True:
            view = await self.status(id, key)
            if view is None or view["status"] not in ACTIVE or asyncio.get_running_loop().time() >= deadline:
                return view
            await asyncio.sleep(WAIT_POLL_S)

    def start(self, work: Work):
        # A context of its own: the upload's request (its deadline, its key's charge) ends before the job does.
        task = asyncio.get_running_loop().create_task(self.run(work), context=contextvars.Context())
        self.running[work.id] = task
        task.add_done_callback(lambda _: self.running.pop(work.id, None))

    def sweep_soon(self):
        if self.sweeper is None or self.sweeper.done():
            self.sweeper = asyncio.get_running_loop().create_task(self.sweep(), context=contextvars.Context())

    async def sweep(self):
        """Jobs whose worker was lost, started again here, for as long as the replica lives."""
        while True:
            await asyncio.sleep(SWEEP_S)
            try:
                for work in await self.book.stale.remote(self.worker):
                    logger.warning("file job %s: its replica was lost; translating it again here", work.id)
                    self.start(work)
            except Exception as error:  # the book restarting: look again later
                logger.warning("file jobs: could not look for lost jobs (%s)", error)

    async def run(self, work: Work):
        beating = asyncio.create_task(self.beat(work.id))
        try:
            # Read again from its bytes, as a replica that takes the job over from a lost one must.
            document = await asyncio.to_thread(read_file, work.filename, work.data)
            result = await self.translated(work, document)
            await self.book.finish.remote(work.id, self.worker, result)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            if isinstance(error, ExceptionGroup):  # a chunk's, from the TaskGroup: the first says why
                error = error.exceptions[0]
            logger.warning("file job %s failed: %s: %s", work.id, type(error).__name__, error)
            await self.book.fail.remote(work.id, self.worker, failure(error))
        finally:
            beating.cancel()

    async def translated(self, work: Work, document: Document) -> bytes:
        units = document.units
        translations: list[str] = [unit.text for unit in units]
        total = sum(len(unit.text) for unit in units) or 1
        done = 0
        # As a request's sentences take at most max_jobs_per_request places in the batch queue, a few chunks go
        # at once, as a client sending the text in pieces would (textml translate sends 4).
        turns = asyncio.Semaphore(CHUNKS_AT_ONCE)
        taken = False  # the job was given to another replica, or removed: the chunks not begun are dropped

        async def translate(run: list[int]):
            nonlocal done, taken
            async with turns:
                if taken:
                    return
                answers = await self.translate_units([units[index] for index in run], work)
            for index, translation in zip(run, answers, strict=True):
                translations[index] = translation
            done += sum(len(units[index].text) for index in run)
            taken = taken or not await self.book.beat.remote(work.id, self.worker, done / total)

        async with asyncio.TaskGroup() as group:  # one chunk failing cancels the others
            for run in chunks(units):
                group.create_task(translate(run))
        if taken:
            raise asyncio.CancelledError
        return await asyncio.to_thread(document.render, translations)

    async def translate_units(self, units: list[Unit], work: Work) -> list[str]:
        """The units translated, those of one kind in one call, the calls at once."""
        results = [unit.text for unit in units]
        kinds: dict[tuple, list[int]] = {}
        for index, unit in enumerate(units):
            if unit.text.strip():
                kinds.setdefault((unit.markup, unit.tags), []).append(index)

        async def translate(kind: tuple, indexes: list[int]):
            markup, tags = kind
            texts = [units[index].text for index in indexes]
            if markup is None:
                answers = await self.service.translate(texts, work.language, work.source)
            else:
                answers = await self.service.translate_markup(texts, work.language, work.source, markup, tags)
            for index, answer in zip(indexes, answers, strict=True):
                results[index] = answer.translation

        await asyncio.gather(*(translate(kind, indexes) for kind, indexes in kinds.items()))
        return results

    async def beat(self, id: str):
        while True:
            await asyncio.sleep(BEAT_S)
            try:
                if not await self.book.beat.remote(id, self.worker):
                    self.running[id].cancel()
                    return
            except Exception as error:  # the book restarting: the next beat may reach it
                logger.warning("file job %s: beat not taken (%s)", id, error)


def failure(error: Exception) -> str:
    """A failed job's error, for its status."""
    if isinstance(error, NotServed):
        return str(error)
    return f"the file could not be translated: {type(error).__name__}: {error}"
