"""Progress on stderr while a long document is worked on: a bar (or a spinner) when stderr is a terminal; when it
is not (a log, a CI job, `2> file`), a line every few seconds once the work has taken that long, and a last one
when it ends:

    translating: 12,000/20,000 characters (60%), 480 characters/s, about 17 s left
    summarizing 105,447 characters: 30 s elapsed

stdout is left alone: it carries the answer only, so it can be piped."""

import sys
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator, Optional, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

CONSOLE = Console(stderr=True)
EVERY_S = 5.0  # between lines, where stderr is not a terminal


def duration(seconds: float) -> str:
    """'17 s', '2 min 5 s', '1 h 2 min'."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min" + (f" {seconds % 60} s" if seconds % 60 else "")
    return f"{seconds // 3600} h" + (f" {seconds % 3600 // 60} min" if seconds % 3600 // 60 else "")


class Lines:
    """Progress as one line at a time, for a stderr that is not a terminal: `total` units (None: a request
    whose progress the service does not report, told by the time elapsed). `clock` gives the time in seconds,
    `stream` is where lines go (None: sys.stderr), `every_s` how often (None: EVERY_S)."""

    def __init__(
        self,
        description: str,
        total: Optional[int] = None,
        unit: str = "characters",
        stream: Optional[TextIO] = None,
        clock: Callable[[], float] = time.monotonic,
        every_s: Optional[float] = None,
    ):
        self.description, self.total, self.unit = description, total, unit
        self.stream, self.clock, self.every_s = stream, clock, every_s or EVERY_S
        self.started = clock()
        self.done = 0
        self.written = 0
        self.lock = threading.Lock()

    def advance(self, count: int):
        """`count` more units done; from any thread (translate_document's pieces finish in its pool)."""
        with self.lock:
            self.done += count

    def line(self, finished: bool = False) -> str:
        elapsed = self.clock() - self.started
        if self.total is None:
            return f"{self.description}: " + (
                f"done in {duration(elapsed)}" if finished else f"{duration(elapsed)} elapsed"
            )
        done, total = self.done, self.total
        share = done * 100 // total if total else 100
        counted = f"{self.description}: {done:,}/{total:,} {self.unit} ({share}%)"
        if finished or done and elapsed > 0:
            rate = done / elapsed if elapsed > 0 else 0
            if finished:
                return f"{counted}, {rate:,.0f} {self.unit}/s, done in {duration(elapsed)}"
            return f"{counted}, {rate:,.0f} {self.unit}/s, about {duration(max((total - done) / rate, 1))} left"
        return f"{counted}, {duration(elapsed)} elapsed"

    def write(self, finished: bool = False):
        print(self.line(finished), file=self.stream or sys.stderr, flush=True)
        self.written += 1

    @contextmanager
    def periodically(self) -> Iterator["Lines"]:
        """A line every `every_s` seconds while the block runs, and a last one when it ends if any was written
        (work done in less than `every_s` prints nothing); none after a failure, whose message says enough."""
        stop = threading.Event()

        def report():
            while not stop.wait(self.every_s):
                self.write()

        reporter = threading.Thread(target=report, name="progress", daemon=True)
        reporter.start()
        try:
            yield self
        finally:
            stop.set()
            reporter.join()
        if self.written:
            self.write(finished=True)


class Rate(ProgressColumn):
    """The bar's speed, a second: "480/s" (its units are the column's before it)."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:,.0f}/s" if task.speed else "", style="progress.data.speed")


def _bar(console: Console, *columns: ProgressColumn) -> Progress:
    # Not redirecting stdout: rich would print what the command prints inside the block on its console (stderr).
    return Progress(*columns, console=console, transient=True, redirect_stdout=False, redirect_stderr=False)


@contextmanager
def characters(
    total: int,
    description: str,
    console: Console = CONSOLE,
    clock: Callable[[], float] = time.monotonic,
    every_s: Optional[float] = None,
) -> Iterator[Callable[[int], None]]:
    """Progress over `total` characters; the function it gives advances it (from any thread). Where `console`
    is not a terminal: Lines on its file, with `clock` and `every_s`."""
    if not console.is_terminal:
        with Lines(description, total, stream=console.file, clock=clock, every_s=every_s).periodically() as lines:
            yield lines.advance
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} characters"),
        TaskProgressColumn(),
        Rate(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with _bar(console, *columns) as bar:
        task = bar.add_task(description, total=total)
        yield lambda done: bar.advance(task, done)


@contextmanager
def fraction(
    description: str,
    console: Console = CONSOLE,
    clock: Callable[[], float] = time.monotonic,
    every_s: Optional[float] = None,
) -> Iterator[Callable[[float], None]]:
    """Progress the service reports as a fraction (a file job's); the function it gives sets it, 0 to 1."""
    scale = 100
    if not console.is_terminal:
        lines = Lines(description, scale, unit="percent", stream=console.file, clock=clock, every_s=every_s)
        with lines.periodically():
            yield lambda share: lines.advance(max(0, round(share * scale) - lines.done))
        return
    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn())
    with _bar(console, *columns) as bar:
        task = bar.add_task(description, total=scale)
        yield lambda share: bar.update(task, completed=round(share * scale))


@contextmanager
def waiting(
    description: str,
    console: Console = CONSOLE,
    clock: Callable[[], float] = time.monotonic,
    every_s: Optional[float] = None,
) -> Iterator[None]:
    """A spinner with the time elapsed, for a request whose progress the service does not report; where
    `console` is not a terminal, the time elapsed every `every_s` seconds (Lines)."""
    if not console.is_terminal:
        with Lines(description, None, stream=console.file, clock=clock, every_s=every_s).periodically():
            yield
        return
    with _bar(console, SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn()) as spinner:
        spinner.add_task(description, total=None)
        yield
