"""Reading a JSON request body, and the 4xx answers for one that is not acceptable: `read_json` for plain
Starlette handlers, `answer_errors` for a FastAPI app. Every error body is `{"error": "..."}`."""

from typing import Any, Sequence

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

# Bodies larger than this are refused before they are parsed (or reach a model); batch requests
# (paths ending in /batch) may carry more.
MAX_BODY_BYTES = 64 * 1024
MAX_BATCH_BODY_BYTES = 1024 * 1024
EMPTY_BODY = "body is empty; send a JSON value"


class BadRequest(Exception):
    """A request the service refuses, with the HTTP status and a message naming the problem."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message

    def response(self) -> JSONResponse:
        return JSONResponse({"error": self.message}, status_code=self.status)


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
        # A union reports once per branch; the last branch's message is the most general.
        got = repr(error["input"])
        if len(got) > 60:
            got = got[:57] + "..."
        lines[loc] = f"{where}: {error['msg']}" + ("" if error["type"] == "missing" else f" (got {got})")
    return "; ".join(lines.values())


def _bad_body(errors: Sequence[dict], field_names: Sequence[str] = ()) -> BadRequest:
    first = errors[0]
    if first["type"] == "json_invalid":
        return BadRequest(400, f"body is not valid JSON: {first.get('ctx', {}).get('error', first['msg'])}")
    if first["type"] == "missing" and tuple(first["loc"]) == ("body",):
        return BadRequest(400, EMPTY_BODY)
    return BadRequest(422, describe_errors(errors, field_names))


def _too_large(size: int | str, limit: int) -> BadRequest:
    return BadRequest(413, f"body is {size} bytes; the limit is {limit}")


async def read_json(request: Request, body_type: TypeAdapter, field_names: Sequence[str] = ()) -> Any:
    """Parses and validates the request body; raises BadRequest (400, 413 or 422) when it can't."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large(declared, MAX_BODY_BYTES)
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise _too_large(len(body), MAX_BODY_BYTES)
    if not body.strip():
        raise BadRequest(400, EMPTY_BODY)
    try:
        return body_type.validate_json(body)
    except ValidationError as error:
        raise _bad_body(error.errors(include_url=False), field_names) from None


def body_limit(path: str) -> int:
    return MAX_BATCH_BODY_BYTES if path.rstrip("/").endswith("/batch") else MAX_BODY_BYTES


class LimitBodySize:
    """ASGI middleware: a body over the limit is refused with 413 by its size, declared or counted, before
    the app parses it."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = body_limit(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            return await _too_large(int(declared), limit).response()(scope, receive, send)
        received = 0

        async def counted_receive():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                # FastAPI passes an HTTPException raised while reading the body through to its handler.
                raise HTTPException(413, _too_large(f"over {limit}", limit).message)
            return message

        await self.app(scope, counted_receive, send)


def answer_errors(api: FastAPI):
    """Makes every refusal of a FastAPI app a `{"error": "..."}` body naming the problem."""

    @api.exception_handler(RequestValidationError)
    async def invalid_body(request: Request, error: RequestValidationError) -> JSONResponse:
        return _bad_body(error.errors()).response()

    @api.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        return JSONResponse({"error": str(error.detail)}, status_code=error.status_code, headers=error.headers)

    api.add_middleware(LimitBodySize)
