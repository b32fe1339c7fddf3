"""Serving settings: request threads, SQLite's page cache, usage reads on the event loop."""

from __future__ import annotations

from pathlib import Path

import pytest
from anyio import to_thread
from fastapi.testclient import TestClient

from market import PASSWORD, seed_two_reps
from smt.clock import FixedClock
from smt.web.app import create_app

from builders import ESIID
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


def test_usage_reads_answer_alike_on_the_event_loop_and_in_a_thread(
    tmp_path: Path, clock: FixedClock, request: pytest.FixtureRequest
) -> None:
    answers = []
    for inline in (True, False):
        hub = make_hub("sqlite", tmp_path / str(inline), clock, request, inline_usage_reads=inline)
        inbox = tmp_path / f"inbox-{inline}"
        inbox.mkdir()
        try:
            seed_two_reps(hub, inbox)
            client = TestClient(create_app(hub), base_url="https://hub.test")
            token = client.post(
                "/api/v1/token", json={"username": "lsp.admin", "password": PASSWORD}
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            base = f"/api/v1/esiids/{ESIID}"
            got = [
                client.get(f"{base}/intervals?from=2026-11-01&to=2026-11-20", headers=headers),
                client.get(f"{base}/intervals?from=2026-01-01&to=2026-11-20", headers=headers),
                client.get(
                    f"{base}/daily?from=2026-11-01&to=2026-11-20&format=csv", headers=headers
                ),
                client.get(f"{base}/intervals?from=2026-11-01&to=2026-11-20"),
                client.get(
                    f"{base}/monthly?from=2026-01-01&to=2026-11-20",
                    headers={"Authorization": "Bearer not-a-token"},
                ),
            ]
            answers.append([(a.status_code, a.text) for a in got])
        finally:
            hub.close()
    inline_answers, threaded_answers = answers
    assert [status for status, _ in inline_answers] == [200, 422, 200, 401, 401]
    assert '"kwh":["' in inline_answers[0][1]
    assert inline_answers == threaded_answers
