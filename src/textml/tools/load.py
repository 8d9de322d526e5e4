"""Closed-loop HTTP load that counts every request's outcome, for the benchmark and the reliability tests.

Each client sends its next request as soon as the last is answered; the load stops by itself when its time
is up. Only ever point it at a service of your own (127.0.0.1).
"""

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from textml.client import post


@dataclass
class Outcomes:
    label: str
    clients: int
    seconds: float = 0.0
    latencies_ms: list = field(default_factory=list)  # of the successful requests
    answered_at: list = field(default_factory=list)  # time.monotonic() of each, in the same order
    statuses: Counter = field(default_factory=Counter)  # HTTP status, or the exception's name
    # Clients record from their threads while the caller may read the counts.
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, status: int | str, elapsed_ms: float):
        with self._lock:
            self.statuses[status] += 1
            if status == 200:
                self.latencies_ms.append(elapsed_ms)
                self.answered_at.append(time.monotonic())

    @property
    def requests(self) -> int:
        with self._lock:
            return sum(self.statuses.values())

    @property
    def failed(self) -> int:
        with self._lock:
            return sum(self.statuses.values()) - len(self.latencies_ms)

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float, start: float = float("-inf"), end: float = float("inf")) -> float:
        """The q-th percentile latency of the successful requests answered between `start` and `end`."""
        with self._lock:
            chosen = [ms for ms, at in zip(self.latencies_ms, self.answered_at, strict=True) if start <= at <= end]
        ordered = sorted(chosen)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] if ordered else float("nan")

    def __str__(self) -> str:
        return (
            f"{self.label}: {self.clients} clients, {self.seconds:.1f} s, {self.requests} requests, "
            f"{self.failed} failed, {self.throughput:.1f} req/s, statuses {dict(self.statuses)}"
        )


def closed_loop(
    url: str,
    bodies: list,
    clients: int,
    seconds: float,
    label: str = "",
    timeout_s: float = 120,
    stop: threading.Event | None = None,
    outcomes: Outcomes | None = None,
    retry_budget_s: float = 0,
) -> Outcomes:
    """Runs `clients` closed-loop clients POSTing `bodies` (as JSON, in turn) for `seconds`, or until `stop`;
    counts into `outcomes` when given, so they can be read while the load runs. With `retry_budget_s`, each
    client retries as textml.client does (503 and refused connections, after Retry-After) and records the last
    answer."""
    outcomes = outcomes or Outcomes(label or url, clients)
    deadline = time.monotonic() + seconds
    stop = stop or threading.Event()

    def client(index: int):
        session = requests.Session()
        for sent in itertools.count():
            if stop.is_set() or time.monotonic() >= deadline:
                return
            started = time.perf_counter()
            body = bodies[(index * 7 + sent) % len(bodies)]
            try:
                status = post(url, body, timeout_s, retry_budget_s, session).status_code
            except requests.RequestException as error:
                status = type(error).__name__
            outcomes.record(status, (time.perf_counter() - started) * 1000)

    outcomes.seconds = run_clients(client, clients)
    return outcomes


def run_clients(client: Callable[[int], None], clients: int) -> float:
    """`client(0)` ... `client(clients - 1)`, each in a thread of its own, all at once; the seconds until all ended."""
    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


class BackgroundLoad:
    """Closed-loop load in a background thread while the caller does something to the service.

    with BackgroundLoad(url, bodies, clients=8, seconds=60) as load:
        ...  # change the config, kill a replica
    print(load.outcomes)
    """

    def __init__(
        self, url: str, bodies: list, clients: int, seconds: float, label: str = "", retry_budget_s: float = 0
    ):
        self._stop = threading.Event()
        self._args = (url, bodies, clients, seconds, label, retry_budget_s)
        # Counted live: read them during the load for a count up to a moment.
        self.outcomes = Outcomes(label or url, clients)
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        url, bodies, clients, seconds, label, retry_budget_s = self._args
        closed_loop(
            url, bodies, clients, seconds, label, stop=self._stop, outcomes=self.outcomes, retry_budget_s=retry_budget_s
        )

    def __enter__(self) -> "BackgroundLoad":
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()
