"""Per-request deadlines. A request may say how long its answer is worth waiting for: the HTTP header or
gRPC metadata X-Request-Timeout-S, in seconds. Past it, it is answered 504 / DEADLINE_EXCEEDED and its work
is dropped: cancelling it cancels its jobs still waiting for a batch (Serve's @serve.batch drops cancelled
ones) and its call to Summarizer. Serve's own request_timeout_s still bounds every request (408 from the
proxy), whatever the header says; a gRPC client's own deadline cancels the request the same way."""

import asyncio
from contextlib import asynccontextmanager
from typing import AsyncIterator, Optional

from starlette.types import Message, Receive, Scope, Send

from textml.exceptions import DeadlineExceeded
from textml.transport.errors import Refusal, deadline_passed

HEADER = "x-request-timeout-s"


def requested(value: Optional[str]) -> Optional[float]:
    """The deadline a header or metadata value asks for, in seconds (None: none asked for)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds < float("inf"):
        raise Refusal(400, f"X-Request-Timeout-S: {value[:40]!r} is not a number of seconds above 0")
    return seconds


@asynccontextmanager
async def deadline(seconds: Optional[float]) -> AsyncIterator[None]:
    """Runs the block within `seconds` (None: no limit); raises DeadlineExceeded when they pass."""
    if seconds is None:
        yield
        return
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError:
        raise DeadlineExceeded(seconds) from None


class RequestDeadline:
    """ASGI middleware: every HTTP request within the deadline its X-Request-Timeout-S header asks for."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        try:
            seconds = requested(dict(scope["headers"]).get(HEADER.encode(), b"").decode() or None)
        except Refusal as refusal:
            return await refusal.response(scope)(scope, receive, send)
        started = False

        async def send_tracked(message: Message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            async with deadline(seconds):
                await self.app(scope, receive, send_tracked)
        except DeadlineExceeded as error:
            if not started:
                await deadline_passed(error).response(scope)(scope, receive, send)
