"""The book of file jobs (service/jobs.py) on a clock the test moves: a job's life from upload to removal, a lost
worker's job handed to the next replica that asks and failed after its last attempt, keys, and the bytes kept."""

import pytest

from textml.service.jobs import DONE, FAILED, QUEUED, TRANSLATING, Job, JobBook, JobSettings, JobsFull, Work


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def job(id: str = "j1", data: bytes = b"Hello.") -> Job:
    return Job(Work(id, "talk.txt", data, "de", "en"), "talk.de.txt", "text/plain", len(data))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def book(clock) -> JobBook:
    return JobBook(JobSettings(keep_results_s=60, stale_after_s=10, attempts=2, max_kept_mb=1), clock)


def test_a_job_from_upload_to_its_removal(book, clock):
    added = book.add(job(), "replica-a")
    assert added["status"] == QUEUED and added["key"] and added["expires"] is None
    assert book.beat("j1", "replica-a", 0.5) and book.view("j1")["status"] == TRANSLATING
    assert book.view("j1")["progress"] == 0.5 and book.result("j1") is None
    assert not book.finish("j1", "replica-b", b"x"), "only its worker ends a job"
    assert book.finish("j1", "replica-a", b"Hallo.")
    assert book.view("j1")["status"] == DONE and book.view("j1")["progress"] == 1.0
    assert book.result("j1") == (b"Hallo.", "text/plain", "talk.de.txt")
    assert book.view("j1")["expires"] == clock.now + 60
    clock.now += 61
    assert book.view("j1") is None and book.result("j1") is None


def test_a_key_guards_a_job_where_one_is_asked_for(book):
    key = book.add(job(), "replica-a")["key"]
    assert book.view("j1", key) is not None and book.view("j1", "wrong") is None
    book.finish("j1", "replica-a", b"x")
    assert book.result("j1", "wrong") is None and book.result("j1", key) is not None


def test_a_lost_workers_job_goes_to_the_next_replica_then_fails_after_its_last_attempt(book, clock):
    book.add(job(), "replica-a")
    book.beat("j1", "replica-a", 0.3)
    clock.now += 5
    assert book.take_over("j1", "replica-b") is None, "a worker heard from within stale_after_s keeps its job"
    clock.now += 6
    work = book.take_over("j1", "replica-b")
    assert work is not None and work.data == b"Hello." and book.view("j1")["progress"] == 0.0
    assert not book.beat("j1", "replica-a"), "the lost worker is told to stop if it comes back"
    assert book.take_over("j1", "replica-c") is None
    clock.now += 11
    assert book.stale("replica-c") == [], "two attempts: the job fails instead"
    failed = book.view("j1")
    assert failed["status"] == FAILED and "stopped answering (2 times" in failed["error"]
    assert "upload it again" in failed["error"]


def test_the_bytes_kept_are_bounded_ended_jobs_going_first(book):
    half = b"x" * (512 * 1024)
    book.add(job("old", half), "replica-a")
    book.finish("old", "replica-a", half)
    book.add(job("running", half), "replica-a")
    book.add(job("new", b"y" * 1024), "replica-a")
    assert book.view("old") is None and book.view("running") is not None
    with pytest.raises(JobsFull, match="keeps 1 MiB"):
        book.add(job("too-much", half), "replica-a")
