"""The documents workload's own load: a fixed set of real documents translated by N clients at once (each
takes the next document when its last is answered), and the fairness probe: a one-sentence request's
latency while a long document is being translated, against its latency on an idle service."""

import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests

from textml.tools.bench.workloads import LICENSES

SENTENCE = "It was the best of times, it was the worst of times."


@dataclass(frozen=True)
class DocumentRun:
    clients: int
    seconds: float
    documents: int
    sentences: int
    tokens: int  # source tokens

    @property
    def documents_per_second(self) -> float:
        return self.documents / self.seconds

    @property
    def sentences_per_second(self) -> float:
        return self.sentences / self.seconds

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds


def corpus(characters: int, lengths=(400, 1_500, 4_000, 800, 8_000)) -> list[str]:
    """Documents of varied lengths (cycling through `lengths`, in characters) cut at paragraph breaks from the
    license texts, until they hold `characters` in all: the same documents every run."""
    paragraphs = [
        p.strip()
        for name in ("GPL-3", "Apache-2.0", "LGPL-2.1", "MPL-2.0", "GPL-2")
        for p in (LICENSES / name).read_text().split("\n\n")
        if p.strip()
    ]
    documents, current, total = [], [], 0
    for paragraph in paragraphs:
        current.append(paragraph)
        if sum(map(len, current)) >= lengths[len(documents) % len(lengths)]:
            documents.append("\n\n".join(current))
            total += len(documents[-1])
            current = []
            if total >= characters:
                break
    return documents


def translate_all(url: str, documents: list[str], clients: int, count_tokens) -> DocumentRun:
    def one(document: str) -> list[dict]:
        response = requests.post(url, json={"text": document}, timeout=3600)
        response.raise_for_status()
        return response.json()["segments"]

    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        answers = list(pool.map(one, documents))
    seconds = time.monotonic() - started
    sources = [s["source"] for segments in answers for s in segments]
    return DocumentRun(clients, seconds, len(documents), len(sources), sum(count_tokens(sources)))


def latency_s(url: str) -> float:
    started = time.monotonic()
    requests.post(url, json={"text": SENTENCE}, timeout=600).raise_for_status()
    return time.monotonic() - started


@dataclass(frozen=True)
class Fairness:
    idle_s: float  # median latency of one sentence on an idle service
    busy_s: list  # latencies of one sentence while the document was being translated
    document_s: float

    @property
    def busy_median_s(self) -> float:
        return statistics.median(self.busy_s)

    @property
    def ratio(self) -> float:
        return self.busy_median_s / self.idle_s


def fairness(url: str, document: str) -> Fairness:
    idle = statistics.median(latency_s(url) for _ in range(7))
    done = threading.Event()
    document_started = time.monotonic()

    def translate_document():
        requests.post(url, json={"text": document}, timeout=3600).raise_for_status()
        done.set()

    worker = threading.Thread(target=translate_document)
    worker.start()
    time.sleep(1)  # the document is segmented and its sentences queued
    busy = []
    while not done.is_set():
        busy.append(latency_s(url))
        time.sleep(0.2)
    worker.join()
    return Fairness(idle, busy, time.monotonic() - document_started)
