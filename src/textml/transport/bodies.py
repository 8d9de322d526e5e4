"""Request bodies: the one size check (by the declared length, then by what arrives), bodies read as JSON
whatever their Content-Type (but text/plain at the root route), and JSON reading for the plain Starlette
handlers of fruit_app and math_app."""

from typing import Any, Collection, Sequence

from pydantic import TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from textml.limits import MAX_SMALL_BODY_BYTES, text_body_limit
from textml.transport.errors import EMPTY_BODY, Refusal, invalid_body, too_large


def limited(scope: Scope, receive: Receive, limit: int) -> Receive:
    """`receive` for a request whose body may not exceed `limit` bytes: refused (413) at once by its
    declared Content-Length, else as soon as more than the limit has arrived."""
    declared = dict(scope["headers"]).get(b"content-length", b"")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(int(declared), limit)
    received = 0

    async def counted() -> dict:
        nonlocal received
        message = await receive()
        received += len(message.get("body", b""))
        if received > limit:
            raise too_large(f"over {limit}", limit)
        return message

    return counted


class LimitBodySize:
    """ASGI middleware: the body-size check for every route of text_ml_app."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        try:
            receive = limited(scope, receive, text_body_limit(scope["path"]))
        except Refusal as refusal:
            return await refusal.response()(scope, receive, send)
        await self.app(scope, receive, send)


JSON_CONTENT_TYPE = (b"content-type", b"application/json")


def media_type(scope: Scope) -> bytes:
    """The request's Content-Type without its parameters, in lower case: b"text/plain" (b"": none)."""
    value = dict(scope["headers"]).get(b"content-type", b"")
    return value.split(b";", 1)[0].strip().lower()


def route_of(scope: Scope) -> str:
    """The request's path within the app, whatever prefix it is mounted at: "/" for its root."""
    path, root = scope["path"], scope.get("root_path", "")
    return (path[len(root) :] or "/") if root and path.startswith(root) else path


class JsonBodies:
    """ASGI middleware: every body sent to text_ml_app is read as JSON, whatever its Content-Type. `curl -d`
    sends `application/x-www-form-urlencoded`, which FastAPI would hand over as bytes to fail validation
    obscurely; as JSON, a body that is not JSON is refused by name (400, transport/errors.py).

    But for a `text/plain` body at one of `text_routes` (the root route, whose answer is text/plain too): that
    is the text itself, UTF-8, which FastAPI hands over as bytes and the route's str reads as such."""

    def __init__(self, app, text_routes: Collection[str] = ()):
        self.app = app
        self.text_routes = frozenset(text_routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send):
        if scope["type"] == "http" and scope["method"] in ("POST", "PUT", "PATCH") and not self.takes_text(scope):
            headers = [(name, value) for name, value in scope["headers"] if name != b"content-type"]
            scope = {**scope, "headers": [*headers, JSON_CONTENT_TYPE]}
        await self.app(scope, receive, send)

    def takes_text(self, scope: Scope) -> bool:
        return route_of(scope) in self.text_routes and media_type(scope) == b"text/plain"


async def read_json(request: Request, body_type: TypeAdapter, field_names: Sequence[str] = ()) -> Any:
    """The request body parsed and validated; raises Refusal (400, 413 or 422) when it can't be."""
    body = await Request(request.scope, limited(request.scope, request.receive, MAX_SMALL_BODY_BYTES)).body()
    if not body.strip():
        raise Refusal(400, EMPTY_BODY)
    try:
        return body_type.validate_json(body)
    except ValidationError as error:
        raise invalid_body(error.errors(include_url=False), field_names) from None
