"""Per-key quotas: each key's requests and characters a minute (keys.py's limits), counted by the `limits` library
in a store that every ingress replica shares when there is one.

The store is $TEXTML_QUOTA_STORAGE:

- unset: `memory://` (limits' `async+memory://`), in the memory of the one Quotas (a replica's). Right for one
  replica; with N replicas each counts alone, so a key gets up to N times its limits.
- `redis://[:PASSWORD@]HOST:PORT/DB` (also `rediss://`, `redis+unix:///PATH?db=N`): one count for all
  replicas. The `async+` form limits uses is added where it is missing.

Requests are counted in a moving window: every request of the last 60 s, one entry each, so a key never gets more
than its limit in any 60 s. Characters are counted in a sliding window counter: this minute's and the last
minute's totals, the last weighted by how much of it is still within 60 s (a moving window would keep an entry per
character: megabytes and tens of milliseconds of Redis for a large text). A limit is part of its window's name: a
key whose limit changes starts a new window. A refusal's retry_after_s is when the window frees something: the
earliest anything fits again (a large charge may need longer).

What `charge` does, in order: nothing at all for a kind the key has unlimited (nor for a charge of 0: an unlimited
key never touches the store); a charge larger than the limit itself is refused before anything is counted (it
could never pass: `QuotaExceeded.too_large`); then requests, then characters, each counted only if it fits. A
request refused for its characters still counts as a request: it was made (and the window has no refund). The
window's timestamps are the replicas' clocks (time.time()): with Redis they should agree (NTP).

Every call to the store is bounded (2 s): a store that refuses or doesn't answer is QuotaStoreUnavailable, which
names the store without its credentials. A Quotas is used from one event loop (a replica's): its store is made
in that loop, on first use.
"""

import asyncio
import math
import os
import time
import urllib.parse

import redis
from limits import RateLimitItemPerMinute
from limits.aio.strategies import MovingWindowRateLimiter, SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string
from redis.asyncio import ConnectionPool
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from textml.access.keys import KeyEntry

STORAGE_ENV = "TEXTML_QUOTA_STORAGE"
DEFAULT_STORAGE = "memory://"
# The schemes a quota store may have (each also with `async+` before it).
SCHEMES = ("memory", "redis", "rediss", "redis+unix")
KINDS = ("requests", "characters")
# The longest one charge (or `used`) waits on the store, all its calls together.
TIMEOUT_S = 2.0
WINDOW_S = 60
NAMESPACE = "textml"


class QuotaExceeded(Exception):
    """A key over its requests or characters a minute. `too_large`: the charge alone is more than the limit, so
    no wait helps (retry_after_s is then 60, the window)."""

    def __init__(self, name: str, kind: str, limit: int, retry_after_s: int, too_large: bool = False, cost: int = 0):
        self.name = name
        self.kind = kind
        self.limit = limit
        self.retry_after_s = retry_after_s
        self.too_large = too_large
        if too_large:
            what = "text" if kind == "characters" else "batch"
            message = (
                f"the {what} of {cost} {kind} is larger than key {name!r}'s {limit} {kind} a minute: "
                f"it can never pass; send it in smaller parts"
            )
        else:
            message = f"key {name!r} is over its {limit} {kind} a minute; retry in {retry_after_s} s"
        super().__init__(message)


class QuotaStoreUnavailable(Exception):
    """The quota store refused, failed or didn't answer in time; the message names it, never its credentials."""

    def __init__(self, store: str, problem: str):
        self.store = store
        super().__init__(f"the quota store {store} {problem}")


def _async_form(uri: str) -> str:
    """`uri` as limits' async storages take it (`async+` before the scheme); ValueError for a scheme not in SCHEMES."""
    scheme, separator, _ = uri.partition("://")
    bare = scheme.lower().removeprefix("async+")
    if not separator or bare not in SCHEMES:
        raise ValueError(
            f"{shown(uri)!r} is not a quota store: give memory:// (each replica counts alone) or "
            f"redis://[:PASSWORD@]HOST:PORT/DB (also rediss://, redis+unix:///PATH?db=N)"
        )
    return uri if scheme.lower().startswith("async+") else f"async+{uri}"


def storage_uri() -> str:
    """The quota store $TEXTML_QUOTA_STORAGE names, in limits' async form; `async+memory://` where it is unset.
    ValueError naming the variable for a store that isn't memory or Redis."""
    value = os.environ.get(STORAGE_ENV, "").strip() or DEFAULT_STORAGE
    try:
        return _async_form(value)
    except ValueError as error:
        raise ValueError(f"${STORAGE_ENV}: {error}") from None


def shown(uri: str) -> str:
    """`uri` fit to show: its user and password, and its query (redis-py takes a password there too), left out."""
    parts = urllib.parse.urlsplit(uri)
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{host}{parts.path}" if parts.scheme else "(not a URI)"


def _password(uri: str) -> str | None:
    parts = urllib.parse.urlsplit(uri)
    query = urllib.parse.parse_qs(parts.query).get("password", [None])[0]
    return parts.password or query


def _limit(entry: KeyEntry, kind: str) -> int | None:
    if kind not in KINDS:
        raise ValueError(f"{kind!r} is not a kind of quota: {' or '.join(KINDS)}")
    return entry.requests_per_minute if kind == "requests" else entry.characters_per_minute


def _retry_after(reset_time: float) -> int:
    """Whole seconds until the window's oldest entry leaves it: at least 1, at most the window."""
    return min(WINDOW_S, max(1, math.ceil(reset_time - time.time())))


class Quotas:
    """The quotas of every key, in the store `uri` names (limits' form or plain; None: $TEXTML_QUOTA_STORAGE)."""

    def __init__(self, uri: str | None = None, timeout_s: float = TIMEOUT_S):
        self.uri = _async_form(uri) if uri else storage_uri()
        self.store = shown(self.uri)
        self.timeout_s = timeout_s
        self._limiters: dict | None = None
        self._errors: tuple[type[BaseException], ...] = (StorageError, OSError)
        # Redis's connection pool, ours to close: made here (it connects nothing yet) so that a URI redis-py
        # can't use is refused now, not at the first request.
        self._pool = None if self.uri.lower().startswith("async+memory") else self._redis_pool()

    def _limiter_now(self, kind: str) -> MovingWindowRateLimiter | SlidingWindowCounterRateLimiter:
        """Requests in a moving window (exact: at most the limit in any 60 s); characters in a sliding window
        counter (two counts a key, weighted: a moving window keeps an entry per character, megabytes and tens of
        milliseconds of Redis for a large text)."""
        if self._limiters is None:
            if self._pool is None:
                storage = storage_from_string(self.uri)
            else:
                storage = storage_from_string(self.uri, implementation="redispy", connection_pool=self._pool)
            self._limiters = {
                "requests": MovingWindowRateLimiter(storage),
                "characters": SlidingWindowCounterRateLimiter(storage),
            }
        return self._limiters[kind]

    def _redis_pool(self) -> ConnectionPool:
        """redis-py's pool for the store, not coredis's (the async client limits[async-redis] brings: its
        packaging<26 conflicts with the packaging Ray's virtualenv needs); with the timeouts, and one retry at once
        (of a connection the server dropped) in place of redis-py's default of 3 with backoff. ValueError for a
        URI redis-py can't use."""
        plain = self.uri[len("async+") :]
        if plain.lower().startswith("redis+unix"):
            plain = "unix" + plain[len("redis+unix") :]
        try:
            pool = ConnectionPool.from_url(
                plain,
                socket_connect_timeout=self.timeout_s,
                socket_timeout=self.timeout_s,
                retry=Retry(NoBackoff(), 1),
            )
            pool.connection_class(**pool.connection_kwargs)  # what the first connection will be: checks its options
        except (TypeError, ValueError) as error:
            raise ValueError(f"the quota store {self.store} can't be used: {self._scrubbed(error)}") from None
        self._errors = (StorageError, OSError, redis.RedisError)
        return pool

    def _scrubbed(self, error: BaseException) -> str:
        """`error` in one line, without the store's password should it appear."""
        text = " ".join(f"{type(error).__name__}: {error}".split())
        password = _password(self.uri)
        for secret in {password, urllib.parse.unquote(password)} if password else ():
            text = text.replace(secret, "***")
        return text

    def _unavailable(self, error: BaseException) -> QuotaStoreUnavailable:
        if isinstance(error, TimeoutError) and not str(error):  # asyncio.timeout's: no message
            return QuotaStoreUnavailable(self.store, f"did not answer within {self.timeout_s:g} s")
        return QuotaStoreUnavailable(self.store, f"failed: {self._scrubbed(error)}")

    async def charge(self, entry: KeyEntry, requests: int = 1, characters: int = 0) -> None:
        """Counts `requests` and `characters` against `entry`'s limits; QuotaExceeded (nothing more counted) where
        one doesn't fit, QuotaStoreUnavailable where the store can't say."""
        costs = {"requests": requests, "characters": characters}
        for kind, cost in costs.items():
            if not isinstance(cost, int) or isinstance(cost, bool) or cost < 0:
                raise ValueError(f"{kind} is {cost!r}: give a whole number, 0 or more")
        charged = []
        for kind, cost in costs.items():
            limit = _limit(entry, kind)
            if limit is None or cost == 0:
                continue
            if cost > limit:  # the moving window would refuse it at every try: say why, and count nothing
                raise QuotaExceeded(entry.name, kind, limit, WINDOW_S, too_large=True, cost=cost)
            charged.append((kind, limit, cost))
        if not charged:
            return
        try:
            async with asyncio.timeout(self.timeout_s):
                for kind, limit, cost in charged:
                    limiter = self._limiter_now(kind)
                    item = RateLimitItemPerMinute(limit)
                    if not await limiter.hit(item, NAMESPACE, entry.name, kind, cost=cost):
                        stats = await limiter.get_window_stats(item, NAMESPACE, entry.name, kind)
                        raise QuotaExceeded(entry.name, kind, limit, _retry_after(stats.reset_time))
        except (TimeoutError, *self._errors) as error:
            raise self._unavailable(error) from error

    async def used(self, entry: KeyEntry, kind: str) -> int:
        """How much of `kind` `entry` used in the last minute (DeepL's /usage: its characters); 0 where unlimited."""
        limit = _limit(entry, kind)
        if limit is None:
            return 0
        try:
            async with asyncio.timeout(self.timeout_s):
                limiter = self._limiter_now(kind)
                stats = await limiter.get_window_stats(RateLimitItemPerMinute(limit), NAMESPACE, entry.name, kind)
        except (TimeoutError, *self._errors) as error:
            raise self._unavailable(error) from error
        return limit - stats.remaining

    async def aclose(self) -> None:
        """Closes the connections to Redis, if any (a memory store has none); a later call opens new ones."""
        if self._pool is not None:
            await self._pool.aclose()
