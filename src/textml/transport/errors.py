"""Refusals: every way textml turns a request down, with its HTTP status and gRPC code, in one place.

Every HTTP refusal answers `{"error": "..."}` naming the problem; gRPC gets the same message as its details.
The APIs of other services that textml speaks (LibreTranslate's, DeepL's) get the same refusals in their own
words: their error body's field and their status codes (DIALECTS).
"""

from dataclasses import dataclass
from typing import Any, Sequence

import grpc
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from ray.exceptions import RayActorError
from ray.serve.exceptions import BackPressureError, DeploymentUnavailableError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from textml.access.gate import Unauthorized
from textml.access.quotas import QuotaExceeded, QuotaStoreUnavailable
from textml.documents.files import BrokenFile, UnsupportedFile
from textml.documents.markup import MarkupError
from textml.engines.families import TaskNotServed
from textml.exceptions import DeadlineExceeded, EngineFailure, ModelLoadError, NotServed
from textml.limits import MAX_FILE_BYTES, MULTIPART_ALLOWANCE_BYTES
from textml.service.files import FileTooLarge
from textml.service.jobs import JobsFull
from textml.service.schema import TOO_LONG
from textml.transport.paths import route_of

EMPTY_BODY = "body is empty; send a JSON value"
# A request that meets one of these was good; the service is busy, or a replica is broken or died with its
# node (RayActorError: ActorDiedError, ActorUnavailableError): retry it.
RETRYABLE = (BackPressureError, DeploymentUnavailableError, EngineFailure, RayActorError)
RETRY_AFTER_S = 1


@dataclass(frozen=True)
class Dialect:
    """How the API under a route prefix words a refusal: the field of its error body, and its status for ours."""

    prefix: str
    message_field: str = "error"
    statuses: tuple[tuple[int, int], ...] = ()

    def status(self, status: int) -> int:
        return dict(self.statuses).get(status, status)


NATIVE = Dialect("/")
DIALECTS = (
    # LibreTranslate answers every bad request 400 (a text over its limit too), a bad key 403, with {"error": ...}.
    Dialect("/libretranslate", "error", ((401, 403), (413, 400), (415, 400), (422, 400))),
    # DeepL: {"message": ...}; 400 for a bad parameter (an unsupported language too), 403 for a bad key, 413 for a
    # request too large.
    Dialect("/deepl", "message", ((401, 403), (415, 400), (422, 400))),
    Dialect("/v2", "message", ((401, 403), (415, 400), (422, 400))),
)


def dialect_of(scope: dict | None) -> Dialect:
    route = route_of(scope) if scope else "/"
    return next((d for d in DIALECTS if route == d.prefix or route.startswith(d.prefix + "/")), NATIVE)


class Refusal(HTTPException):
    """A request the service turns down: HTTP status, gRPC code and a message naming the problem.

    An HTTPException, so FastAPI passes one raised while it reads a body through to the handler."""

    def __init__(
        self,
        status: int,
        message: str,
        grpc_code: grpc.StatusCode = grpc.StatusCode.INVALID_ARGUMENT,
        headers: dict | None = None,
    ):
        super().__init__(status, message, headers)
        self.grpc_code = grpc_code

    @property
    def message(self) -> str:
        return str(self.detail)

    def response(self, scope: dict | None = None) -> JSONResponse:
        """The answer, in the words of the API the request (`scope`) went to."""
        dialect = dialect_of(scope)
        return JSONResponse(
            {dialect.message_field: self.message}, status_code=dialect.status(self.status_code), headers=self.headers
        )


def shown(value: Any) -> str:
    """What a client sent, quoted and cut short for a message: 'It was the best of times, it was the wo...'."""
    if isinstance(value, bytes):
        value = value.decode(errors="replace")
    got = repr(value)
    return got if len(got) <= 60 else got[:57] + "..."


def not_json(error: dict, body: str | bytes | None = None) -> Refusal:
    """400 naming why the body is not JSON, where, and what it was: from pydantic's error (its input is the
    body) or FastAPI's (the position in its loc, the body beside it)."""
    why = error.get("ctx", {}).get("error", error["msg"])
    received = error["input"] if isinstance(error["input"], (str, bytes)) else body
    position = error["loc"][-1] if error["loc"] else None
    if isinstance(position, int) and isinstance(received, str) and " line " not in why:
        line, column = received.count("\n", 0, position) + 1, position - received.rfind("\n", 0, position)
        # Python's own messages may end in "at" ("Unterminated string starting at"): not "at at line 1".
        why = f"{why.removesuffix(' at')} at line {line} column {column}"
    return Refusal(400, f"body is not valid JSON: {why}" + (f" (got {shown(received)})" if received else ""))


def describe_errors(errors: Sequence[dict], field_names: Sequence[str] = ()) -> str:
    """One readable line per bad field, e.g. "amount: Input should be a valid number (got 'x')"."""
    lines: dict[Any, str] = {}
    for error in errors:
        # FastAPI puts the body's errors under "body".
        loc = tuple(error["loc"][1:] if error["loc"][:1] == ("body",) else error["loc"])
        if loc and isinstance(loc[0], int) and loc[0] < len(field_names):
            where = field_names[loc[0]]
        else:
            where = ".".join(map(str, loc)) or "body"
        got = shown(error["input"])
        # A union reports once per branch; the last branch's message is the most general.
        quoted = error["type"] not in ("missing", TOO_LONG)
        lines[loc] = f"{where}: {error['msg']}" + (f" (got {got})" if quoted else "")
    return "; ".join(lines.values())


def invalid_body(errors: Sequence[dict], field_names: Sequence[str] = (), body: str | bytes | None = None) -> Refusal:
    """400 for a body that is not JSON (or none), 413 for a text over its length limit, 422 for JSON that the
    schema refuses otherwise. `body` is the request's, where the errors don't carry it (FastAPI's)."""
    too_long = [error for error in errors if error["type"] == TOO_LONG]
    if too_long:
        return Refusal(413, describe_errors(too_long, field_names))
    first = errors[0]
    if first["type"] == "json_invalid":
        return not_json(first, body)
    if first["type"] == "missing" and tuple(first["loc"]) == ("body",):
        return Refusal(400, EMPTY_BODY)
    return Refusal(422, describe_errors(errors, field_names))


def too_large(size: int | str, limit: int) -> Refusal:
    if limit == MAX_FILE_BYTES + MULTIPART_ALLOWANCE_BYTES:
        return Refusal(413, f"body is {size} bytes; a file may have {MAX_FILE_BYTES} bytes (20 MiB) at most")
    return Refusal(413, f"body is {size} bytes; the limit is {limit}")


def retry_later(error: Exception) -> Refusal:
    """Busy, or a replica broken or lost: 503 with Retry-After, as Serve's own refusals answer."""
    if isinstance(error, RayActorError):  # its message holds Ray's internals (addresses, ids): name what happened
        cause = f"a replica this request needed was lost ({type(error).__name__})"
    else:  # raised in another replica, an error arrives wrapped in Ray's: its own message is the cause's
        cause = getattr(error, "cause", error)
    return Refusal(503, f"{cause}; retry", grpc.StatusCode.UNAVAILABLE, {"Retry-After": str(RETRY_AFTER_S)})


def deadline_passed(error: DeadlineExceeded) -> Refusal:
    return Refusal(504, str(error), grpc.StatusCode.DEADLINE_EXCEEDED)


def refusal_for(error: Exception) -> Refusal | None:
    """How to answer `error`, or None for one that is a bug (500, with its traceback logged)."""
    if isinstance(error, Refusal):
        return error
    if isinstance(error, DeadlineExceeded):
        return deadline_passed(error)
    if isinstance(error, Unauthorized):
        return Refusal(401, str(error), grpc.StatusCode.UNAUTHENTICATED, {"WWW-Authenticate": "Bearer"})
    if isinstance(error, QuotaExceeded) and error.too_large:  # larger than a minute's limit: no wait helps
        return Refusal(413, str(error), grpc.StatusCode.RESOURCE_EXHAUSTED)
    if isinstance(error, QuotaExceeded):
        headers = {"Retry-After": str(error.retry_after_s)}
        return Refusal(429, str(error), grpc.StatusCode.RESOURCE_EXHAUSTED, headers)
    if isinstance(error, QuotaStoreUnavailable):
        return retry_later(error)
    if isinstance(error, MarkupError):  # format html or xml, and the text can't be read as such
        return Refusal(400, str(error))
    if isinstance(error, UnsupportedFile):
        return Refusal(415, str(error))
    if isinstance(error, BrokenFile):
        return Refusal(400, str(error))
    if isinstance(error, FileTooLarge):
        return Refusal(413, str(error))
    if isinstance(error, JobsFull):
        return Refusal(503, str(error), grpc.StatusCode.UNAVAILABLE, {"Retry-After": "60"})
    if isinstance(error, (NotServed, TaskNotServed)):  # a language or pair the configured models don't translate
        return Refusal(422, str(error))
    if isinstance(error, ModelLoadError):  # a configured model that failed to load when first asked for
        return Refusal(503, str(error), grpc.StatusCode.UNAVAILABLE, {"Retry-After": str(RETRY_AFTER_S)})
    if isinstance(error, ValidationError):
        return invalid_body(error.errors(include_url=False))
    if isinstance(error, RequestValidationError):  # FastAPI's, for a body its route refused
        return invalid_body(error.errors(), body=error.body)
    if isinstance(error, RETRYABLE):
        return retry_later(error)
    if isinstance(error, HTTPException):  # Starlette's own, e.g. 404 and 405
        return Refusal(error.status_code, str(error.detail), headers=error.headers)
    return None


# What the HTTP app registers an exception handler for: every type refusal_for answers.
REFUSED = (
    HTTPException,
    ValidationError,
    RequestValidationError,
    DeadlineExceeded,
    Unauthorized,
    QuotaExceeded,
    QuotaStoreUnavailable,
    MarkupError,
    UnsupportedFile,
    BrokenFile,
    FileTooLarge,
    JobsFull,
    NotServed,
    TaskNotServed,
    ModelLoadError,
    *RETRYABLE,
)
