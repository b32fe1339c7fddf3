"""The hub's job queue, on huey. By default the queue is a SQLite file in the data folder and
the serving process runs it on worker threads, so one command runs the whole hub; with a
Redis URL configured the queue lives in Redis and `smt worker` processes run it, as many as
the load needs. The task code is the same either way; only where it runs changes.

Jobs carry identifiers, never objects: a worker looks the request and its requester up again,
so a requester suspended while their job waited gets a refusal, not their old reach."""

from __future__ import annotations

import threading
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer

# (correlation id, requester's user id) -> None; failures are recorded by the handler itself.
AdHocHandler = Callable[[str, str], None]
# The daily extract on demand, for one REP company's DUNS (None: every DUNS).
ExtractHandler = Callable[[int | None], None]
# Every minute: the scheduled extract when it is due, deliveries waiting for a key, purges.
TickHandler = Callable[[], None]


def _nothing(*_args: object) -> None:
    return None


class QueueBackend(StrEnum):
    SQLITE = "sqlite"
    REDIS = "redis"
    # Each job runs in the enqueuing thread, at once: for tests and one-shot scripts.
    IMMEDIATE = "immediate"


class _HostedConsumer(Consumer):  # type: ignore[misc]  # huey is untyped
    """Huey's consumer without its signal handlers: inside `smt serve` the server owns them."""

    def _set_signal_handlers(self) -> None:
        return None


class JobQueue:
    def __init__(
        self,
        backend: QueueBackend,
        *,
        name: str,
        sqlite_path: Path,
        redis_url: str | None,
        adhoc: AdHocHandler,
        extract: ExtractHandler = _nothing,
        tick: TickHandler = _nothing,
    ) -> None:
        if backend is QueueBackend.REDIS and not redis_url:
            raise ValueError("the Redis job queue needs a Redis URL")
        self.backend = backend
        self._name = name
        self._sqlite_path = sqlite_path
        self._redis_url = redis_url
        self._adhoc_handler = adhoc
        self._extract_handler = extract
        self._tick_handler = tick
        self._lock = threading.Lock()
        # Opened on first use: building the hub does no I/O.
        self._huey: Huey | None = None
        self._adhoc: Any = None
        self._extract: Any = None
        self._handlers: dict[str, Callable[..., None]] = {}
        self._periodic: dict[str, Callable[[], None]] = {}
        self._tasks: dict[str, Any] = {}

    def register(self, name: str, handler: Callable[..., None]) -> None:
        """Another kind of job, by name (the same in every process); before the queue is used.
        Its arguments must be plain values: strings and numbers."""
        with self._lock:
            if self._huey is not None:
                raise RuntimeError("register jobs before the queue is first used")
            self._handlers[name] = handler

    def register_every_minute(self, name: str, handler: Callable[[], None]) -> None:
        """A job run every minute by one runner; it decides itself (in Central time) whether
        anything is due."""
        with self._lock:
            if self._huey is not None:
                raise RuntimeError("register jobs before the queue is first used")
            self._periodic[name] = handler

    def enqueue(self, name: str, *args: str | int, delay_seconds: float = 0.0) -> None:
        """Run job `name` with `args`, at once or after `delay_seconds`; only after the
        transaction that recorded its subject has committed."""
        self._ready()
        task = self._tasks[name]
        if delay_seconds > 0:
            task.schedule(args=args, delay=delay_seconds)
        else:
            task(*args)

    @property
    def runs_in_process(self) -> bool:
        """Whether `smt serve` runs the jobs itself (else `smt worker` processes do)."""
        return self.backend is not QueueBackend.REDIS

    def enqueue_adhoc(self, correlation_id: str, user_id: str) -> None:
        """Call only after the request's row is committed: the worker reads it."""
        self._ready()
        self._adhoc(correlation_id, user_id)

    def enqueue_extract(self, company_id: int | None) -> None:
        """The daily extract now, for one REP company (None: every DUNS)."""
        self._ready()
        self._extract(company_id)

    def pending(self) -> int:
        """Jobs waiting in the queue (not those running)."""
        return int(self._ready().pending_count())

    def consumer(self, workers: int, *, hosted: bool) -> Consumer:
        """Worker threads that run the jobs; `hosted` when another server owns the signals."""
        huey = self._ready()
        kind = _HostedConsumer if hosted else Consumer
        # A job waits at most a second for an idle queue to be polled again.
        return kind(huey, workers=workers, worker_type="thread", max_delay=1.0)

    def _ready(self) -> Huey:
        with self._lock:
            if self._huey is None:
                huey = self._open()
                self._adhoc = huey.task(name="adhoc-report")(self._adhoc_handler)
                self._extract = huey.task(name="daily-extract")(self._extract_handler)
                # Every minute (huey's crontab runs in UTC here): the handler itself decides,
                # in Central prevailing time, whether the daily extract is due, so the
                # configured hour holds across DST changes (see docs/files.md).
                huey.periodic_task(crontab(), name="file-delivery-tick")(self._tick_handler)
                for name, handler in self._handlers.items():
                    self._tasks[name] = huey.task(name=name)(handler)
                for name, every_minute in self._periodic.items():
                    huey.periodic_task(crontab(), name=name)(every_minute)
                self._huey = huey
            return self._huey

    def _open(self) -> Huey:
        # Results stay in the hub's own tables (status, file, message): huey keeps none.
        if self.backend is QueueBackend.IMMEDIATE:
            return MemoryHuey(self._name, immediate=True, results=False)
        if self.backend is QueueBackend.REDIS:
            return RedisHuey(self._name, url=self._redis_url, results=False)
        self._sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(self._name, filename=str(self._sqlite_path), results=False)
