"""Per-key quotas (textml.access.quotas): requests and characters a minute pass up to the limit and are refused
after it, naming the key's name and when to retry; a charge larger than the limit is refused before anything is
counted; unlimited keys never touch the store; two Quotas on one Redis share the count; a Redis that refuses or
doesn't answer is QuotaStoreUnavailable within the timeout, naming the store without its password."""

import asyncio
import shutil
import socket
import subprocess
import time
import uuid

import pytest

from textml.access import quotas
from textml.access.keys import KeyEntry
from textml.access.quotas import QuotaExceeded, Quotas, QuotaStoreUnavailable

SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
PASSWORD = "quota-test-password"


def entry(requests: int | None = None, characters: int | None = None, name: str | None = None) -> KeyEntry:
    """A key with these limits, named apart from every other test's (the Redis tests share one server)."""
    return KeyEntry(name or f"key-{uuid.uuid4().hex[:8]}", SHA256, requests, characters, "2025-01-01T12:00:00+00:00")


async def refusal(store: Quotas, key: KeyEntry, **charge) -> QuotaExceeded:
    with pytest.raises(QuotaExceeded) as caught:
        await store.charge(key, **charge)
    return caught.value


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_requests_pass_up_to_the_limit_then_are_refused_naming_the_key():
    async def scenario():
        store, key = Quotas("memory://"), entry(requests=3, name="reports")
        for _ in range(3):
            await store.charge(key)
        refused = await refusal(store, key)
        assert (refused.name, refused.kind, refused.limit, refused.too_large) == ("reports", "requests", 3, False)
        assert 1 <= refused.retry_after_s <= 60
        assert str(refused) == f"key 'reports' is over its 3 requests a minute; retry in {refused.retry_after_s} s"
        assert SHA256[:8] not in str(refused)
        assert await store.used(key, "requests") == 3  # the refused one isn't counted
        assert await store.used(key, "characters") == 0  # unlimited

    asyncio.run(scenario())


def test_characters_pass_up_to_the_limit_then_are_refused():
    async def scenario():
        store, key = Quotas("memory://"), entry(characters=100)
        await store.charge(key, requests=1, characters=60)
        await store.charge(key, requests=1, characters=40)
        assert await store.used(key, "characters") == 100
        refused = await refusal(store, key, requests=0, characters=1)
        assert (refused.kind, refused.limit, refused.too_large) == ("characters", 100, False)
        assert 1 <= refused.retry_after_s <= 60
        assert f"key {key.name!r} is over its 100 characters a minute" in str(refused)
        assert await store.used(key, "characters") == 100

    asyncio.run(scenario())


def test_a_text_larger_than_the_limit_is_refused_as_such_and_nothing_is_counted():
    async def scenario():
        store, key = Quotas("memory://"), entry(requests=10, characters=100, name="reports")
        refused = await refusal(store, key, characters=101)
        assert (refused.kind, refused.limit, refused.retry_after_s, refused.too_large) == ("characters", 100, 60, True)
        assert "larger than key 'reports''s 100 characters a minute" in str(refused)
        assert "101" in str(refused)
        assert await store.used(key, "requests") == 0 and await store.used(key, "characters") == 0
        await store.charge(key, characters=100)  # the whole minute's characters are still there

    asyncio.run(scenario())


def test_a_request_refused_for_its_characters_still_counts_as_a_request():
    async def scenario():
        store, key = Quotas("memory://"), entry(requests=5, characters=10)
        await store.charge(key, requests=1, characters=10)
        refused = await refusal(store, key, requests=1, characters=1)
        assert refused.kind == "characters"
        assert await store.used(key, "requests") == 2
        assert await store.used(key, "characters") == 10

    asyncio.run(scenario())


def test_keys_are_counted_apart():
    async def scenario():
        store, first, second = Quotas("memory://"), entry(requests=1), entry(requests=1)
        await store.charge(first)
        await store.charge(second)
        assert (await refusal(store, first)).name == first.name

    asyncio.run(scenario())


def test_unlimited_keys_and_empty_charges_never_touch_the_store():
    async def scenario():
        # Nothing listens on port 1: a call to this store would fail.
        store = Quotas("redis://127.0.0.1:1/0")
        unlimited = entry()
        for _ in range(1000):
            await store.charge(unlimited, requests=1, characters=1_000_000)
        assert await store.used(unlimited, "requests") == 0 and await store.used(unlimited, "characters") == 0
        await store.charge(entry(requests=1, characters=1), requests=0, characters=0)
        assert store._limiters is None

    asyncio.run(scenario())


def test_a_charge_must_be_a_whole_number_and_a_kind_requests_or_characters():
    async def scenario():
        store, key = Quotas("memory://"), entry(requests=3, characters=100)
        for charge in ({"requests": -1}, {"characters": True}, {"characters": 1.5}):
            with pytest.raises(ValueError):
                await store.charge(key, **charge)
        with pytest.raises(ValueError, match="not a kind"):
            await store.used(key, "tokens")

    asyncio.run(scenario())


def test_the_store_is_memory_unless_the_environment_names_one(monkeypatch):
    monkeypatch.delenv(quotas.STORAGE_ENV, raising=False)
    assert quotas.storage_uri() == "async+memory://"
    monkeypatch.setenv(quotas.STORAGE_ENV, "redis://redis.example:6379/1")
    assert quotas.storage_uri() == "async+redis://redis.example:6379/1"
    monkeypatch.setenv(quotas.STORAGE_ENV, "async+rediss://:pw@redis.example:6380/2")
    assert quotas.storage_uri() == "async+rediss://:pw@redis.example:6380/2"
    monkeypatch.setenv(quotas.STORAGE_ENV, "memcached://user:secret@cache:11211")
    with pytest.raises(ValueError) as caught:
        quotas.storage_uri()
    assert quotas.STORAGE_ENV in str(caught.value) and "secret" not in str(caught.value)
    assert "memcached://cache:11211" in str(caught.value)


def test_a_store_is_shown_without_its_credentials():
    assert quotas.shown("async+redis://:secret@redis:6379/1") == "async+redis://redis:6379/1"
    assert quotas.shown("redis://user:secret@redis:6379/1?password=other") == "redis://redis:6379/1"
    assert Quotas("redis://:secret@redis:6379/1").store == "async+redis://redis:6379/1"


def test_a_redis_uri_redis_py_cannot_use_is_refused_at_once():
    for uri in ("redis://redis:6379/1?nonsense=1", "redis://:secret@redis:port/1"):
        with pytest.raises(ValueError, match="the quota store async[+]redis://redis") as caught:
            Quotas(uri)
        assert "secret" not in str(caught.value)


@pytest.fixture(scope="module")
def redis_url():
    """A Redis of this module's own, with a password, on a free port; stopped (by its PID) at the end."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not on PATH (CI installs it, see .ci/run): the shared-store tests need one")
    import redis

    port = free_port()
    command = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen([*command, "--requirepass", PASSWORD], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        client = redis.Redis(port=port, password=PASSWORD, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None:
                    pytest.fail(f"redis-server exited: {process.stderr.read().decode()}")
                if time.monotonic() > deadline:
                    pytest.fail("redis-server did not answer PING within 10 s")
                time.sleep(0.05)
        client.close()
        yield f"redis://:{PASSWORD}@127.0.0.1:{port}/1"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_two_quotas_on_one_redis_share_the_count(redis_url):
    async def scenario():
        first, second = Quotas(redis_url), Quotas(redis_url)
        key = entry(requests=3, characters=100, name=f"shared-{uuid.uuid4().hex[:8]}")
        try:
            await first.charge(key, characters=60)
            await second.charge(key, characters=40)
            await first.charge(key)
            refused = await refusal(second, key)
            assert (refused.name, refused.kind, refused.limit) == (key.name, "requests", 3)
            assert 1 <= refused.retry_after_s <= 60
            assert (await refusal(first, key, requests=0, characters=1)).kind == "characters"
            for store in (first, second):
                assert await store.used(key, "requests") == 3
                assert await store.used(key, "characters") == 100
            assert (await refusal(first, key, requests=0, characters=101)).too_large
            await first.aclose()
            assert await first.used(key, "requests") == 3  # connects again
        finally:
            await first.aclose()
            await second.aclose()

    asyncio.run(scenario())


def test_a_wrong_redis_password_is_a_store_failure_that_does_not_show_it(redis_url):
    async def scenario():
        store = Quotas(redis_url.replace(PASSWORD, "not-the-password"))
        try:
            with pytest.raises(QuotaStoreUnavailable) as caught:
                await store.charge(entry(requests=3))
        finally:
            await store.aclose()
        message = str(caught.value)
        assert "127.0.0.1" in message and "not-the-password" not in message and PASSWORD not in message

    asyncio.run(scenario())


def test_a_redis_port_with_nothing_listening_is_unavailable_within_the_timeout():
    async def scenario():
        port = free_port()  # closed again: nothing listens there
        store = Quotas(f"redis://:{PASSWORD}@127.0.0.1:{port}/1")
        started = time.monotonic()
        try:
            with pytest.raises(QuotaStoreUnavailable) as caught:
                await store.charge(entry(requests=3))
            assert time.monotonic() - started < 3
            with pytest.raises(QuotaStoreUnavailable):
                await store.used(entry(characters=100), "characters")
        finally:
            await store.aclose()
        message = str(caught.value)
        assert f"async+redis://127.0.0.1:{port}/1" in message and PASSWORD not in message

    asyncio.run(scenario())


def test_a_redis_that_never_answers_is_unavailable_after_the_timeout():
    async def scenario(port: int):
        store = Quotas(f"redis://127.0.0.1:{port}/1", timeout_s=0.5)
        started = time.monotonic()
        try:
            with pytest.raises(QuotaStoreUnavailable) as caught:
                await store.charge(entry(requests=3))
        finally:
            await store.aclose()
        assert time.monotonic() - started < 3
        assert f"async+redis://127.0.0.1:{port}/1" in str(caught.value)

    # A socket that listens but never accepts: the kernel completes the connection, and nothing ever answers.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        asyncio.run(scenario(silent.getsockname()[1]))
