"""ASGI middleware of the HTTP API about paths and answers, not bodies: a route at its path with or without a
trailing slash, and answers of a random-weight model marked as such."""

from functools import lru_cache

from ray import serve
from ray.serve.exceptions import RayServeException

from textml.engines.checkpoints import has_random_weights


def route_of(scope: dict) -> str:
    """The request's path within the app, whatever prefix it is mounted at: "/" for its root."""
    path, root = scope["path"], scope.get("root_path", "")
    return (path[len(root) :] or "/") if root and path.startswith(root) else path


def canonical_path(path: str, root_path: str) -> str:
    """`path` without a trailing slash, and the app's root as "/": Serve mounts the app at its route prefix
    (`root_path`), so POST /summarize_translate reaches it as route "" and Starlette would answer a 307 to
    .../summarize_translate/, which curl does not follow."""
    if not path.startswith(root_path):
        return path
    return root_path + (path[len(root_path) :].rstrip("/") or "/")


class SlashInsensitive:
    """ASGI middleware: each route answers at its path with and without a trailing slash, without a redirect."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            scope = {**scope, "path": canonical_path(scope["path"], scope.get("root_path", ""))}
        await self.app(scope, receive, send)


RANDOM_WEIGHTS_HEADER = (b"x-textml-model", b"random-weights")
_has_random_weights = lru_cache(maxsize=8)(has_random_weights)


def serves_random_weights() -> bool:
    """Whether the replica answering loads a checkpoint `textml model random` made: its answers are meaningless."""
    try:
        settings = serve.get_replica_context().servable_object.settings
    except RayServeException:  # not in a replica: the app in process, in the unit tests
        return False
    return settings is not None and any(map(_has_random_weights, settings.checkpoints()))


class MarksRandomWeights:
    """ASGI middleware: the answers of a model with random weights say so, in a header."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not serves_random_weights():
            return await self.app(scope, receive, send)

        async def marked(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), RANDOM_WEIGHTS_HEADER]}
            await send(message)

        await self.app(scope, receive, marked)
