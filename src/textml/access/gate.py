"""The ingress's door: whether the key a request presents may pass, and what the request uses of its quotas.

Where the environment names a keys file (TEXTML_API_KEYS_FILE), every request needs a key of that file; the file
is read again when it changes (keys.py's watcher: within 5 s). A key's requests are counted when it is admitted,
its characters when the service reads the texts (TextService calls `charge`), against its per-minute limits
(quotas.py). Without a keys file, every request passes and nothing is counted.

What a request was admitted as lives in a context variable for the rest of its handling: the transports set it,
the service reads it, nothing passes it around. Keys never appear in a message, a log line or a metric: names do.
"""

from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from textml.access.keys import KeyEntry, KeysFileWatcher, default_path
from textml.access.quotas import Quotas

MISSING = (
    "an API key is required: send it as `Authorization: Bearer KEY` or `X-API-Key: KEY` (gRPC: metadata "
    "`authorization`; LibreTranslate: `api_key`; DeepL: `Authorization: DeepL-Auth-Key KEY`)"
)
UNKNOWN = "the API key is not known here (revoked, mistyped, or made for another keys file)"


class Unauthorized(Exception):
    """A request without a key, or with one the keys file doesn't hold, where keys are required."""


@dataclass(frozen=True)
class Caller:
    """The key a request was admitted with, and the gate that counts what it uses."""

    entry: KeyEntry
    gate: "Gate"


CALLER: ContextVar[Caller | None] = ContextVar("textml_caller", default=None)


class Gate:
    def __init__(self, keys_file: Path | None, quotas: Quotas | None = None):
        self.watcher = KeysFileWatcher(keys_file) if keys_file else None
        self.quotas = quotas or Quotas()

    @classmethod
    def from_environment(cls) -> "Gate":
        return cls(default_path())

    @property
    def required(self) -> bool:
        return self.watcher is not None

    @cached_property
    def metrics(self):
        from ray.serve import metrics

        return {
            "requests": metrics.Counter(
                "textml_api_key_requests", description="Requests admitted, by key name.", tag_keys=("key",)
            ),
            "characters": metrics.Counter(
                "textml_api_key_characters",
                description="Characters sent to the models, by key name.",
                tag_keys=("key",),
            ),
            "refused": metrics.Counter(
                "textml_api_key_refusals",
                description="Requests refused at the door: a key missing or unknown, or over a quota.",
                tag_keys=("reason",),
            ),
        }

    def count(self, metric: str, amount: int, **tags):
        if amount:  # Ray's counters refuse an increment of 0
            self.metrics[metric].inc(amount, tags=tags)

    async def admit(self, presented: str | None) -> Caller | None:
        """The caller of a request that presents `presented` (None: none), counted against its key's requests a
        minute, and made the request's CALLER; Unauthorized or QuotaExceeded if it may not pass."""
        if not self.required:
            return None
        entry = self.watcher.current().find(presented) if presented else None
        if entry is None:
            self.count("refused", 1, reason="missing" if not presented else "unknown")
            raise Unauthorized(UNKNOWN if presented else MISSING)
        try:
            await self.quotas.charge(entry, requests=1)
        except Exception:
            self.count("refused", 1, reason="quota")
            raise
        self.count("requests", 1, key=entry.name)
        caller = Caller(entry, self)
        CALLER.set(caller)
        return caller

    async def charge_characters(self, entry: KeyEntry, characters: int):
        try:
            await self.quotas.charge(entry, requests=0, characters=characters)
        except Exception:
            self.count("refused", 1, reason="quota")
            raise
        self.count("characters", characters, key=entry.name)


async def charge(texts: list[str]):
    """The texts' characters counted against the quota of the request's key, if it was admitted with one."""
    caller = CALLER.get()
    if caller is not None:
        await caller.gate.charge_characters(caller.entry, sum(map(len, texts)))
