"""The job queue with real backends: the SQLite queue run by the serving process itself, and
the Redis queue run by separate `smt worker` processes, the same task code in both. A request
left running by a stopped hub runs again; a duplicate message runs nothing twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from market import PASSWORD, seed_two_reps
from smt.clock import FixedClock
from smt.composition import Hub
from smt.jobs.queue import QueueBackend
from smt.reports.adhoc import AdHocRequest
from smt.reports.writers import ReportFormat
from smt.web.app import create_app

from builders import ESIID, ESIID_2
from conftest import _service_url, make_hub

LARGE_FIRST, LARGE_LAST = date(2026, 1, 1), date(2026, 11, 20)
LARGE = {
    "kind": "daily",
    "esiids": [ESIID, ESIID_2],
    "from": LARGE_FIRST.isoformat(),
    "to": LARGE_LAST.isoformat(),
}


def bearer(client: TestClient) -> dict[str, str]:
    response = client.post("/api/v1/token", json={"username": "lsp.admin", "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def until_finished(client: TestClient, headers: dict[str, str], correlation: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        answer: dict[str, Any] = client.get(f"/api/v1/adhoc/{correlation}", headers=headers).json()
        if answer["status"] in ("completed", "failed") or time.monotonic() > deadline:
            return answer
        time.sleep(0.1)


@pytest.fixture
def sqlite_queue_hub(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock, inbox: Path
) -> Iterator[Hub]:
    made = make_hub("sqlite", tmp_path, clock, request, jobs_immediate=False)
    seed_two_reps(made, inbox)
    yield made
    made.close()


def test_the_serving_process_runs_the_sqlite_queue(sqlite_queue_hub: Hub) -> None:
    hub = sqlite_queue_hub
    assert hub.jobs.backend is QueueBackend.SQLITE
    with TestClient(create_app(hub), base_url="https://hub.test") as client:
        headers = bearer(client)
        submitted = client.post("/api/v1/adhoc", json=LARGE, headers=headers)
        assert submitted.status_code == 202, submitted.text
        later = until_finished(client, headers, submitted.json()["correlation_id"])
        assert (later["status"], later["records"]) == ("completed", 1), later
        assert ESIID in client.get(later["file"], headers=headers).text
    assert hub.settings.jobs_sqlite_path.is_file(), "the queue is a file in the data folder"
    assert hub.jobs.pending() == 0


def test_a_request_left_running_by_a_stopped_hub_runs_again(sqlite_queue_hub: Hub) -> None:
    hub = sqlite_queue_hub
    with TestClient(create_app(hub), base_url="https://hub.test") as before:
        headers = bearer(before)
    # Recorded and claimed by a runner that then died: its queue message is gone.
    with hub.engine.begin() as conn:
        principal = hub.accounts.principal(conn, "lsp.admin")
        assert principal is not None
        queued = hub.adhoc.submit(
            conn,
            principal,
            AdHocRequest("daily", ReportFormat.CSV, [ESIID, ESIID_2], LARGE_FIRST, LARGE_LAST),
            now=hub.clock.now(),
        )
        assert hub.adhoc.start(conn, queued.correlation_id) is not None
    with TestClient(create_app(hub), base_url="https://hub.test") as restarted:
        later = until_finished(restarted, headers, queued.correlation_id)
    assert (later["status"], later["records"]) == ("completed", 1), later


def test_a_duplicate_message_runs_nothing_twice(sqlite_queue_hub: Hub) -> None:
    hub = sqlite_queue_hub
    with TestClient(create_app(hub), base_url="https://hub.test") as client:
        headers = bearer(client)
        submitted = client.post("/api/v1/adhoc", json=LARGE, headers=headers).json()
        correlation = submitted["correlation_id"]
        first = until_finished(client, headers, correlation)
        hub.jobs.enqueue_adhoc(correlation, "lsp.admin")  # as a requeue after a crash would
        deadline = time.monotonic() + 10
        while hub.jobs.pending() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        again = client.get(f"/api/v1/adhoc/{correlation}", headers=headers).json()
    assert again == first
    files = list((hub.settings.data_dir / "mailboxes").glob("company-*/adhoc/*"))
    assert [f.name for f in files] == [first["file_name"]]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def redis_queue_hub(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock, inbox: Path
) -> Iterator[Hub]:
    redis_url = _service_url("SMT_TEST_REDIS_URL", "Redis")
    name = f"smt-test-{uuid.uuid4().hex[:10]}"
    made = make_hub(
        request.param,
        tmp_path,
        clock,
        request,
        jobs_immediate=False,
        jobs_redis_url=redis_url,
        jobs_queue_name=name,
    )
    seed_two_reps(made, inbox)
    yield made
    made.close()
    import redis  # noqa: PLC0415 - only these tests talk to Redis directly

    server = redis.Redis.from_url(redis_url)
    for key in server.scan_iter(f"*{name}*"):
        server.delete(key)
    server.close()


def start_worker(hub: Hub) -> subprocess.Popen[str]:
    s = hub.settings
    env = os.environ | {
        "SMT_DATA_DIR": str(s.data_dir),
        "SMT_DATABASE_URL": s.effective_database_url,
        "SMT_JOBS_REDIS_URL": str(s.jobs_redis_url),
        "SMT_JOBS_QUEUE_NAME": s.jobs_queue_name,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "smt.cli", "worker", "--threads", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_the_redis_queue_is_run_by_worker_processes(redis_queue_hub: Hub) -> None:
    hub = redis_queue_hub
    assert hub.jobs.backend is QueueBackend.REDIS
    with TestClient(create_app(hub), base_url="https://hub.test") as client:
        headers = bearer(client)
        submitted = client.post("/api/v1/adhoc", json=LARGE, headers=headers)
        assert submitted.status_code == 202, submitted.text
        correlation = submitted.json()["correlation_id"]
        time.sleep(1.5)
        waiting = client.get(f"/api/v1/adhoc/{correlation}", headers=headers).json()
        assert waiting["status"] == "queued", "the serving process runs no Redis jobs"
        assert hub.jobs.pending() == 1
        workers = [start_worker(hub), start_worker(hub)]
        try:
            greetings = [w.stdout.readline() for w in workers if w.stdout is not None]
            later = until_finished(client, headers, correlation)
            assert (later["status"], later["records"]) == ("completed", 1), later
            daily = client.get(later["file"], headers=headers).text
            assert ESIID in daily
            assert ESIID_2 not in daily, "not this REP's ESIID"
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            outputs = [worker.communicate(timeout=30)[0] for worker in workers]
    assert all("running jobs from the redis queue" in line for line in greetings), greetings
    assert [w.returncode for w in workers] == [0, 0], outputs
