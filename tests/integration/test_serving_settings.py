"""Serving settings: the threads that run requests, SQLite's page cache per connection."""

from __future__ import annotations

from pathlib import Path

import pytest
from anyio import to_thread
from fastapi.testclient import TestClient

from smt.clock import FixedClock
from smt.web.app import create_app

from conftest import make_hub


def _threads_while_serving(
    hub_threads: int | None, tmp_path: Path, clock: FixedClock, request: pytest.FixtureRequest
) -> int:
    overrides = {} if hub_threads is None else {"request_threads": hub_threads}
    hub = make_hub("sqlite", tmp_path, clock, request, **overrides)
    try:
        with TestClient(create_app(hub)) as client:
            assert client.get("/healthz").json()["status"] == "ok"
            return int(
                client.portal.call(lambda: to_thread.current_default_thread_limiter().total_tokens)  # type: ignore[union-attr]
            )
    finally:
        hub.close()


def test_one_request_thread_per_process_unless_configured(
    tmp_path: Path, clock: FixedClock, request: pytest.FixtureRequest
) -> None:
    assert _threads_while_serving(None, tmp_path / "default", clock, request) == 1
    assert _threads_while_serving(8, tmp_path / "eight", clock, request) == 8


def test_sqlite_connections_keep_a_page_cache_of_the_configured_size(
    tmp_path: Path, clock: FixedClock, request: pytest.FixtureRequest
) -> None:
    for mb, folder in ((None, "default"), (8, "eight")):
        overrides = {} if mb is None else {"sqlite_cache_mb": mb}
        hub = make_hub("sqlite", tmp_path / folder, clock, request, **overrides)
        try:
            with hub.engine.connect() as conn:
                kib = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
            assert kib == -1024 * (mb or 64), "negative: a size in KiB"
        finally:
            hub.close()
