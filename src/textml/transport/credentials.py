"""The API key a request presents, in whichever way its client sends one, and the middleware that admits HTTP
requests through the replica's gate (access/gate.py). gRPC methods admit theirs in grpc_servicer.py.

A key comes as `Authorization: Bearer KEY`, `X-API-Key: KEY`, DeepL's `Authorization: DeepL-Auth-Key KEY`,
or, for the APIs of other services, as a parameter: LibreTranslate's `api_key`, DeepL's older `auth_key`.
"""

from typing import Iterable

from ray import serve
from ray.serve.exceptions import RayServeException
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from textml.access.gate import Gate
from textml.transport.bodies import parameters
from textml.transport.errors import Refusal, refusal_for
from textml.transport.paths import route_of

SCHEMES = ("bearer", "deepl-auth-key")
KEY_PARAMETERS = ("api_key", "auth_key")
# What answers without a key: the API's documentation and its assets.
OPEN_ROUTES = ("/docs", "/redoc", "/openapi.json", "/static-offline-docs", "/libretranslate/frontend/settings")
# And what a browser GETs by a link, which carries no header: the page, and a file job's status and result (its
# id, 128 random bits, is the capability, as with LibreTranslate's download links).
OPEN_PAGES = ("/",)
OPEN_LINKS = ("/documents/", "/libretranslate/download_file/")


def open_route(scope: Scope) -> bool:
    route = route_of(scope)
    if route.startswith(OPEN_ROUTES):
        return True
    return scope["method"] in ("GET", "HEAD") and (route in OPEN_PAGES or route.startswith(OPEN_LINKS))


def from_authorization(value: str | None) -> str | None:
    """The key in an Authorization header or gRPC metadata value: "Bearer KEY", "DeepL-Auth-Key KEY" or the key."""
    if not value or not value.strip():
        return None
    scheme, _, rest = value.strip().partition(" ")
    return rest.strip() if rest and scheme.lower() in SCHEMES else value.strip()


def from_headers(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    found = dict(headers)
    for name in (b"authorization", b"x-api-key"):
        if found.get(name):
            return from_authorization(found[name].decode("latin-1"))
    return None


def replica_gate() -> Gate | None:
    """The gate of the replica answering (None: not in a replica, the app in process)."""
    try:
        return serve.get_replica_context().servable_object.gate
    except (RayServeException, AttributeError):
        return None


def replayed(body: bytes, receive: Receive) -> Receive:
    """`receive` for a request whose body was read already: the body once, then what the client sends next."""
    sent = False

    async def again() -> dict:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return again


class RequireKeys:
    """ASGI middleware: where the replica's gate requires keys, every route but the documentation's admits its
    request with the key it presents, or answers the refusal (401; 429 over a quota) in its API's words.
    `parameter_routes`: route prefixes whose clients may send the key as a body or query parameter."""

    def __init__(self, app, parameter_routes: tuple[str, ...] = ()):
        self.app = app
        self.parameter_routes = parameter_routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send):
        gate = replica_gate() if scope["type"] == "http" else None
        if gate is None or not gate.required or open_route(scope):
            return await self.app(scope, receive, send)
        try:
            presented = from_headers(scope["headers"])
            if presented is None and route_of(scope).startswith(self.parameter_routes):
                presented, receive = await self.from_parameters(scope, receive)
            await gate.admit(presented)
        except Exception as error:
            refusal = refusal_for(error)
            if refusal is None:
                raise
            return await refusal.response(scope)(scope, receive, send)
        await self.app(scope, receive, send)

    @staticmethod
    async def from_parameters(scope: Scope, receive: Receive) -> tuple[str | None, Receive]:
        """The key among the request's parameters, and `receive` to read its body again."""
        body = await Request(scope, receive).body()
        try:
            found = await parameters(Request(scope, replayed(body, receive)))
        except Refusal:  # a body that can't be read: its route says why, once it has a key
            found = dict(Request(scope).query_params)
        presented = next((found[name] for name in KEY_PARAMETERS if isinstance(found.get(name), str)), None)
        return (presented.strip() or None) if presented else None, replayed(body, receive)
