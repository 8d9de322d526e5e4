"""Request bodies: the one size check (by the declared length, then by what arrives), bodies read as JSON
whatever their Content-Type (but text/plain at the root route), and JSON reading for the plain Starlette
handlers of fruit_app and math_app."""

from typing import Any, Collection, Iterable, Sequence

from pydantic import TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from textml.limits import MAX_SMALL_BODY_BYTES, text_body_limit
from textml.transport.errors import EMPTY_BODY, Refusal, invalid_body, too_large
from textml.transport.paths import route_of


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
            return await refusal.response(scope)(scope, receive, send)
        await self.app(scope, receive, send)


JSON_CONTENT_TYPE = (b"content-type", b"application/json")


def media_type(scope: Scope) -> bytes:
    """The request's Content-Type without its parameters, in lower case: b"text/plain" (b"": none)."""
    value = dict(scope["headers"]).get(b"content-type", b"")
    return value.split(b";", 1)[0].strip().lower()


class JsonBodies:
    """ASGI middleware: every body sent to text_ml_app is read as JSON, whatever its Content-Type. `curl -d`
    sends `application/x-www-form-urlencoded`, which FastAPI would hand over as bytes to fail validation
    obscurely; as JSON, a body that is not JSON is refused by name (400, transport/errors.py).

    But for a `text/plain` body at one of `text_routes` (the root route, whose answer is text/plain too): that
    is the text itself, UTF-8, which FastAPI hands over as bytes and the route's str reads as such. And but for
    the routes under `own_bodies` prefixes (the APIs of other services, whose clients send forms): those read
    their bodies by their Content-Type themselves."""

    def __init__(self, app, text_routes: Collection[str] = (), own_bodies: Sequence[str] = ()):
        self.app = app
        self.text_routes = frozenset(text_routes)
        self.own_bodies = tuple(own_bodies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send):
        if scope["type"] == "http" and scope["method"] in ("POST", "PUT", "PATCH") and self.reads_json(scope):
            headers = [(name, value) for name, value in scope["headers"] if name != b"content-type"]
            scope = {**scope, "headers": [*headers, JSON_CONTENT_TYPE]}
        await self.app(scope, receive, send)

    def reads_json(self, scope: Scope) -> bool:
        route = route_of(scope)
        if route.startswith(self.own_bodies):
            return False
        return not (route in self.text_routes and media_type(scope) == b"text/plain")


async def read_json(request: Request, body_type: TypeAdapter, field_names: Sequence[str] = ()) -> Any:
    """The request body parsed and validated; raises Refusal (400, 413 or 422) when it can't be."""
    body = await Request(request.scope, limited(request.scope, request.receive, MAX_SMALL_BODY_BYTES)).body()
    if not body.strip():
        raise Refusal(400, EMPTY_BODY)
    try:
        return body_type.validate_json(body)
    except ValidationError as error:
        raise invalid_body(error.errors(include_url=False), field_names) from None


FORMS = (b"application/x-www-form-urlencoded", b"multipart/form-data")
JSON_OBJECT = TypeAdapter(dict[str, Any])


async def parameters(request: Request, lists: Collection[str] = ()) -> dict[str, Any]:
    """A request's parameters as the APIs of other services take them: from the query string, and from the body
    sent as a form (urlencoded or multipart) or a JSON object. The names in `lists` are lists of every value
    given (a form repeats the name: text=a&text=b); a later value of another name replaces an earlier one."""
    found: dict[str, Any] = {}

    def add(items: Iterable[tuple[str, Any]]):
        for name, value in items:
            if name in lists:
                found.setdefault(name, []).extend(value if isinstance(value, list) else [value])
            else:
                found[name] = value

    add(request.query_params.multi_items())
    if media_type(request.scope) in FORMS:
        add((await request.form()).multi_items())
        return found
    body = await request.body()
    if body.strip():
        try:
            add(JSON_OBJECT.validate_json(body).items())
        except ValidationError as error:
            raise invalid_body(error.errors(include_url=False), body=body) from None
    return found
