"""The replay cache port's contract, run against each implementation: in memory (one process)
and Redis (every process of the hub sees the same nonces)."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from smt.replay import MemoryReplayCache, RedisReplayCache, ReplayCache


def _redis_url() -> str:
    url = os.environ.get("SMT_TEST_REDIS_URL")
    if url:
        return url
    message = "SMT_TEST_REDIS_URL is not set: Redis tests need a running Redis"
    if os.environ.get("SMT_TEST_REQUIRE_SERVICES") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(params=["memory", "redis"])
def cache(request: pytest.FixtureRequest) -> Iterator[ReplayCache]:
    if request.param == "memory":
        yield MemoryReplayCache()
    else:
        yield RedisReplayCache(_redis_url(), prefix=f"smt:test:{uuid.uuid4().hex}:")


def test_a_value_is_new_once(cache: ReplayCache) -> None:
    assert cache.first_use("nonce-a", 60)
    assert not cache.first_use("nonce-a", 60)
    assert cache.first_use("nonce-b", 60)


def test_a_value_is_forgotten_after_its_time(cache: ReplayCache) -> None:
    assert cache.first_use("short", 0.2)
    assert not cache.first_use("short", 0.2)
    time.sleep(0.35)
    assert cache.first_use("short", 0.2)


def test_of_many_concurrent_uses_exactly_one_is_first(cache: ReplayCache) -> None:
    results: list[bool] = []
    lock = threading.Lock()

    def use() -> None:
        outcome = cache.first_use("contended", 60)
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=use) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 1


def test_a_full_memory_cache_refuses_rather_than_forgets() -> None:
    cache = MemoryReplayCache(max_entries=2)
    assert cache.first_use("a", 60) and cache.first_use("b", 60)
    assert not cache.first_use("c", 60)
    assert not cache.first_use("a", 60)
