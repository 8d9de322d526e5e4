"""API keys: made once by `textml keys create`, kept only as their SHA-256 hashes in a YAML keys file with each
key's name and limits, and found by the hash of the key a request presents.

The file, written by `create` and `revoke` (atomically, mode 0600):

    # textml API keys: names, limits and SHA-256 hashes. It holds no keys, only their hashes.
    keys:
    - name: reports
      sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
      requests_per_minute: 60
      characters_per_minute: null
      created: '2025-01-01T12:00:00+00:00'

A limit of null is unlimited. `KeysFileWatcher` re-reads it when it changes, keeping the last good keys when it
becomes invalid.
"""

import hashlib
import hmac
import logging
import os
import re
import secrets
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml

logger = logging.getLogger("ray.serve")

# The environment variable naming the keys file, where `--file` is not given.
ENV = "TEXTML_API_KEYS_FILE"
PREFIX = "tml_"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
NAME_RULE = "a letter or digit, then up to 63 letters, digits, '.', '_' or '-'"
FIELDS = ("name", "sha256", "requests_per_minute", "characters_per_minute", "created")
LIMITS = ("requests_per_minute", "characters_per_minute")
# How much of a hash is shown anywhere (repr, `textml keys list`): enough to tell keys apart, not to match one.
SHOWN_HASH_CHARS = 8
HEADER = "# textml API keys: names, limits and SHA-256 hashes. It holds no keys, only their hashes.\n"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class KeysError(Exception):
    """A change to the keys file that can't be made: a bad or taken name, a bad limit, a name that isn't there."""


class KeysFileError(KeysError):
    """The keys file is missing, unreadable, or not the shape `textml keys` writes; the message names both."""


def digest(key: str) -> str:
    """The SHA-256 hex digest of a key, as the file keeps it.

    A fast, unsalted hash is right here, unlike for passwords: a key is 32 random bytes (256 bits), so no guess
    or dictionary gets anywhere near one, however fast each try is, and a request's check stays microseconds.
    """
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class KeyEntry:
    """One key as the file keeps it: never the key, only its hash (and repr shows only the hash's start)."""

    name: str
    sha256: str
    requests_per_minute: int | None  # None: unlimited
    characters_per_minute: int | None  # None: unlimited
    created: str  # UTC, ISO 8601

    @property
    def short_hash(self) -> str:
        return self.sha256[:SHOWN_HASH_CHARS]

    def __repr__(self) -> str:
        return (
            f"KeyEntry(name={self.name!r}, sha256='{self.short_hash}…', "
            f"requests_per_minute={self.requests_per_minute!r}, "
            f"characters_per_minute={self.characters_per_minute!r}, created={self.created!r})"
        )

    __str__ = __repr__


@dataclass(frozen=True)
class Keys:
    """The keys in one keys file, as read."""

    path: Path
    entries: tuple[KeyEntry, ...]

    def find(self, key: str) -> KeyEntry | None:
        """The entry of `key`, or None; in constant time: every stored hash is compared, whichever matches."""
        presented = digest(key)
        found = None
        # No early return: the time doesn't depend on which stored hash matches (whether one does, the answer says).
        for entry in self.entries:
            if hmac.compare_digest(presented, entry.sha256):
                found = entry
        return found

    def names(self) -> tuple[str, ...]:
        return tuple(entry.name for entry in self.entries)


def default_path() -> Path | None:
    """The keys file $TEXTML_API_KEYS_FILE names, if it is set."""
    value = os.environ.get(ENV)
    return Path(value).expanduser() if value else None


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _name_problem(name) -> str | None:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        return f"{name!r} is not a key name: {NAME_RULE}"
    return None


def _limit_problem(field: str, value) -> str | None:
    # bool is an int to Python, and 0 could be meant as "unlimited": both refused, null says unlimited.
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0):
        return None
    return f"{field} is {value!r}: give a positive whole number, or null for unlimited"


def _entry(path: Path, index: int, item) -> KeyEntry:
    where = f"{path}: keys[{index}]"
    if not isinstance(item, dict):
        raise KeysFileError(f"{where} is not a mapping of {', '.join(FIELDS)}")
    missing = [field for field in FIELDS if field not in item]
    unknown = [str(field) for field in item if field not in FIELDS]
    if missing:
        raise KeysFileError(f"{where} has no {', '.join(missing)}")
    if unknown:
        raise KeysFileError(f"{where} has unknown field {', '.join(unknown)}: the fields are {', '.join(FIELDS)}")
    for problem in (_name_problem(item["name"]), *(_limit_problem(field, item[field]) for field in LIMITS)):
        if problem:
            raise KeysFileError(f"{where}: {problem}")
    if not isinstance(item["sha256"], str) or not _SHA256.match(item["sha256"]):
        raise KeysFileError(f"{where} ({item['name']}): sha256 is not a SHA-256 hex digest (64 of 0-9a-f)")
    created = item["created"]
    if isinstance(created, datetime):  # an unquoted timestamp, as a hand edit may leave it
        created = created.isoformat()
    if not isinstance(created, str):
        raise KeysFileError(f"{where} ({item['name']}): created is not an ISO 8601 time")
    return KeyEntry(item["name"], item["sha256"], item["requests_per_minute"], item["characters_per_minute"], created)


def parse(path: Path, text: str) -> Keys:
    """The keys in `text`, the content of the keys file `path`; KeysFileError naming the file and the problem."""
    try:
        content = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise KeysFileError(f"{path} is not YAML: {_one_line(error)}") from None
    if not isinstance(content, dict) or "keys" not in content:
        raise KeysFileError(f"{path} is not a keys file: expected a mapping with a 'keys' list")
    if set(content) != {"keys"}:
        unknown = ", ".join(str(field) for field in content if field != "keys")
        raise KeysFileError(f"{path} has unknown field {unknown}: a keys file holds only 'keys'")
    items = [] if content["keys"] is None else content["keys"]  # `keys:` with nothing under it: no keys
    if not isinstance(items, list):
        raise KeysFileError(f"{path}: 'keys' is not a list")
    entries = tuple(_entry(path, index, item) for index, item in enumerate(items))
    seen_names, seen_hashes = {}, {}
    for entry in entries:
        if entry.name in seen_names:
            raise KeysFileError(f"{path} has two keys named {entry.name!r}")
        if entry.sha256 in seen_hashes:
            raise KeysFileError(f"{path}: {entry.name!r} has the same sha256 as {seen_hashes[entry.sha256]!r}")
        seen_names[entry.name], seen_hashes[entry.sha256] = True, entry.name
    return Keys(path, entries)


def load(path: str | os.PathLike) -> Keys:
    """The keys in the keys file `path`; KeysFileError naming the file and what is wrong with it."""
    path = Path(path).expanduser()
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise KeysFileError(f"{path} does not exist: make one with `textml keys create NAME --file {path}`") from None
    except OSError as error:
        raise KeysFileError(f"{path} can't be read: {error.strerror or error}") from None
    return parse(path, text)


def _write(path: Path, entries: tuple[KeyEntry, ...]):
    """The keys file, replaced in one step: a reader sees the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    content = {
        "keys": [
            {
                "name": e.name,
                "sha256": e.sha256,
                "requests_per_minute": e.requests_per_minute,
                "characters_per_minute": e.characters_per_minute,
                "created": e.created,
            }
            for e in entries
        ]
    }
    text = HEADER + yaml.safe_dump(content, sort_keys=False, default_flow_style=False)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _existing(path: Path) -> Keys:
    """The keys in `path`, or none where there is no file yet; a file there that is broken is an error."""
    return load(path) if path.exists() else Keys(path, ())


def create(
    path: str | os.PathLike,
    name: str,
    requests_per_minute: int | None = None,
    characters_per_minute: int | None = None,
) -> str:
    """A new key named `name` with these limits (None: unlimited), its hash added to the keys file `path` (made
    if missing). Returns the key: the only time it exists anywhere."""
    path = Path(path).expanduser()
    problems = [
        _name_problem(name),
        _limit_problem("requests_per_minute", requests_per_minute),
        _limit_problem("characters_per_minute", characters_per_minute),
    ]
    for problem in problems:
        if problem:
            raise KeysError(problem)
    keys = _existing(path)
    if name in keys.names():
        raise KeysError(f"{path} already has a key named {name!r}: revoke it first, or choose another name")
    key = PREFIX + secrets.token_urlsafe(32)
    created = datetime.now(UTC).isoformat(timespec="seconds")
    entry = KeyEntry(name, digest(key), requests_per_minute, characters_per_minute, created)
    _write(path, (*keys.entries, entry))
    return key


def revoke(path: str | os.PathLike, name: str):
    """Removes the key named `name` from the keys file `path`."""
    path = Path(path).expanduser()
    keys = load(path)
    if name not in keys.names():
        there = f"its keys: {', '.join(keys.names())}" if keys.entries else "it holds no keys"
        raise KeysError(f"{path} has no key named {name!r}; {there}")
    _write(path, tuple(entry for entry in keys.entries if entry.name != name))


def _signature(path: Path) -> tuple[int, int, int] | None:
    """What changes when the file does: a replace (a new inode), an edit in place (mtime, size). None: no file."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size, stat.st_ino


class KeysFileWatcher:
    """The keys file's current keys, for a caller that asks on every request: between checks (one every
    `interval_s` at most, by `clock`) `current()` costs a clock reading; a check is a stat, and the file is read
    only when the stat changed. A changed file that is invalid, or gone, is logged once and the last good keys
    kept. The first read must succeed: a file that is bad at start raises KeysFileError."""

    def __init__(self, path: str | os.PathLike, interval_s: float = 5, clock: Callable[[], float] = time.monotonic):
        self.path = Path(path).expanduser()
        self.interval_s = interval_s
        self._clock = clock
        self._signature = _signature(self.path)  # taken before reading: a change after it is seen next time
        self._keys = load(self.path)
        self._checked = clock()

    def current(self) -> Keys:
        now = self._clock()
        if now - self._checked < self.interval_s:
            return self._keys
        self._checked = now
        signature = _signature(self.path)
        if signature == self._signature:
            return self._keys
        self._signature = signature  # a bad file is reported once, not at every check, until it changes again
        try:
            self._keys = load(self.path)
        except KeysFileError as error:
            logger.warning(f"keeping the {len(self._keys.entries)} API keys read before: {error}")
        else:
            logger.info(f"read {len(self._keys.entries)} API keys from {self.path}")
        return self._keys
