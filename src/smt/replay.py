"""The replay cache port: remembers one-time values (WS-Security nonces, signature values) for
as long as a message carrying them could still be accepted, and says whether a value is new.

In memory by default (right for one serving process); in Redis when several processes or
hosts serve the same hub, so a nonce used on one is refused on all (`SET NX EX`, atomic)."""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol


class ReplayCache(Protocol):
    def first_use(self, key: str, ttl_seconds: float) -> bool:
        """True the first time `key` is seen within `ttl_seconds`; False for a replay."""
        ...


class MemoryReplayCache:
    def __init__(
        self, *, max_entries: int = 1_000_000, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._seen: dict[str, float] = {}
        self._expiry: list[tuple[float, str]] = []
        self._lock = threading.Lock()
        self._max = max_entries
        self._monotonic = monotonic

    def first_use(self, key: str, ttl_seconds: float) -> bool:
        now = self._monotonic()
        with self._lock:
            while self._expiry and self._expiry[0][0] <= now:
                expires, old = heapq.heappop(self._expiry)
                if self._seen.get(old) == expires:
                    del self._seen[old]
            known = self._seen.get(key)
            if known is not None and known > now:
                return False
            if len(self._seen) >= self._max:
                # Full of live entries: refusing is safer than forgetting one (a forgotten
                # nonce could be replayed); the sender retries with a fresh one later.
                return False
            expires = now + ttl_seconds
            self._seen[key] = expires
            heapq.heappush(self._expiry, (expires, key))
            return True


class RedisReplayCache:
    def __init__(self, url: str, *, prefix: str = "smt:replay:") -> None:
        self._url = url
        self._prefix = prefix
        self._client: Any = None  # connected on first use: building the hub does no I/O
        self._lock = threading.Lock()

    def _redis(self) -> Any:
        with self._lock:
            if self._client is None:
                import redis  # noqa: PLC0415 - only deployments with Redis load it

                self._client = redis.Redis.from_url(self._url)
            return self._client

    def first_use(self, key: str, ttl_seconds: float) -> bool:
        milliseconds = max(1, int(ttl_seconds * 1000))
        return bool(self._redis().set(self._prefix + key, b"1", nx=True, px=milliseconds))


def replay_cache(redis_url: str | None) -> ReplayCache:
    return RedisReplayCache(redis_url) if redis_url else MemoryReplayCache()
