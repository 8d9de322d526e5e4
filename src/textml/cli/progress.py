"""Progress on stderr while a long document is worked on, when stderr is a terminal (nothing otherwise, so
the output can be piped)."""

from contextlib import contextmanager
from typing import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

CONSOLE = Console(stderr=True)


@contextmanager
def characters(total: int, description: str) -> Iterator[Callable[[int], None]]:
    """A bar over `total` characters; the function it gives advances it."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} characters"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=CONSOLE, transient=True, disable=not CONSOLE.is_terminal) as bar:
        task = bar.add_task(description, total=total)
        yield lambda done: bar.advance(task, done)


@contextmanager
def waiting(description: str) -> Iterator[None]:
    """A spinner with the time elapsed, for a request whose progress the service does not report."""
    if not CONSOLE.is_terminal:
        yield
        return
    with CONSOLE.status(description):
        yield
