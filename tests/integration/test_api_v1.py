"""The hub's own API: tokens, ESIIDs per role, intervals in JSON/CSV/LSE, version reports, ad hoc
requests, limits, portal ESIID search, and "not yours" answering like "not there"."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from market import PASSWORD, seed_two_reps
from smt.access.policy import Principal
from smt.accounts.profiles import Person
from smt.composition import Hub
from smt.formats.file_names import InboundKind
from smt.reports.adhoc import (
    MAX_IN_PROGRESS,
    AdHocJob,
    AdHocRequest,
    RequestStatus,
    requeue_unfinished,
    run_job,
)
from smt.reports.writers import ReportFormat
from smt.web.app import create_app

from builders import ESIID, ESIID_2, NOW, write_csv_file
from portal_client import session

PROFILE = ("RESLOWR_NCENT", "NCENT")


@pytest.fixture
def client(hub: Hub, inbox: Path) -> Iterator[TestClient]:
    seed_two_reps(hub, inbox)
    yield TestClient(create_app(hub), base_url="https://hub.test")


def bearer(client: TestClient, user: str) -> dict[str, str]:
    response = client.post("/api/v1/token", json={"username": user, "password": PASSWORD})
    assert response.status_code == 200, response.text
    assert response.json()["idle_timeout_seconds"] >= 1800
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_openapi_is_published(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert {
        "/token",
        "/esiids",
        "/esiids/{esiid}/intervals",
        "/esiids/{esiid}/versions",
        "/adhoc",
        "/adhoc/{correlation_id}",
        "/adhoc/{correlation_id}/file",
    } <= set(spec["paths"])


def test_a_rep_reads_its_esiid_in_every_format(client: TestClient) -> None:
    headers = bearer(client, "lsp.admin")
    listed = client.get("/api/v1/esiids", headers=headers).json()
    # its customers' ESIID, and the two fictitious ones of its customer-service logins
    assert ESIID in listed["esiids"]
    assert (len(listed["esiids"]), listed["truncated"]) == (3, False)
    query = "from=2026-11-20&to=2026-11-20"
    as_json = client.get(f"/api/v1/esiids/{ESIID}/intervals?{query}", headers=headers).json()
    as_csv = client.get(f"/api/v1/esiids/{ESIID}/intervals?{query}&format=csv", headers=headers)
    as_lse = client.get(
        f"/api/v1/esiids/{ESIID}/intervals?{query}&format=lse&revisions=all", headers=headers
    )
    assert [(i["revision"], i["kwh"][0]) for i in as_json["intervals"]] == [(2, "0.150")]
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert len(as_csv.text.splitlines()) == 97
    assert as_lse.text.splitlines()[-1] == "99999999,2", "two revisions"
    assert as_lse.headers["content-type"].startswith("text/plain"), "LSE is not JSON"
    versions = client.get(
        f"/api/v1/esiids/{ESIID}/versions?day=2026-11-20", headers=headers
    ).json()["versions"]
    assert [(v["revision"], v["intervals_changed"], v["estimated"]) for v in versions] == [
        (1, 96, 0),
        (2, 96, 96),
    ]


def test_not_yours_answers_like_not_there(client: TestClient) -> None:
    other = bearer(client, "bb.admin")
    query = "from=2026-11-20&to=2026-11-20"
    not_mine = client.get(f"/api/v1/esiids/{ESIID}/intervals?{query}", headers=other)
    absent = client.get(f"/api/v1/esiids/10443720999999999/intervals?{query}", headers=other)
    assert not_mine.status_code == absent.status_code == 404
    assert not_mine.json() == absent.json()
    assert ESIID not in client.get("/api/v1/esiids", headers=other).json()["esiids"]


def test_limits_and_tokens_are_enforced(client: TestClient) -> None:
    headers = bearer(client, "lsp.admin")
    too_long = client.get(
        f"/api/v1/esiids/{ESIID}/intervals?from=2026-01-01&to=2026-11-20", headers=headers
    )
    backwards = client.get(
        f"/api/v1/esiids/{ESIID}/daily?from=2026-11-20&to=2026-11-01", headers=headers
    )
    anonymous = client.get("/api/v1/esiids")
    wrong = client.post("/api/v1/token", json={"username": "lsp.admin", "password": "x"})
    assert too_long.status_code == 422
    assert "ad hoc" in too_long.json()["detail"]
    assert backwards.status_code == 422
    assert anonymous.status_code == 401
    assert wrong.status_code == 401


def adhoc(
    client: TestClient, headers: dict[str, str], **body: object
) -> tuple[int, dict[str, Any]]:
    request = {"kind": "interval", "esiids": [ESIID], "from": "2026-11-20", "to": "2026-11-20"}
    response = client.post("/api/v1/adhoc", json=request | body, headers=headers)
    return response.status_code, response.json()


def test_a_small_adhoc_request_is_answered_at_once_into_the_mailbox(
    client: TestClient, hub: Hub
) -> None:
    headers = bearer(client, "lsp.admin")
    status, answer = adhoc(client, headers, revisions="all")
    assert (status, answer["status"], answer["records"]) == (200, "completed", 2 * 96)
    assert answer["file_name"].startswith("IntervalMeterUsage")
    assert answer["file_name"].endswith(".csv")
    downloaded = client.get(answer["file"], headers=headers)
    assert downloaded.status_code == 200
    rows = downloaded.text.splitlines()
    assert len(rows) == 1 + 2 * 96, "both revisions, 96 intervals each"
    assert ESIID in rows[1]
    in_mailbox = list((hub.settings.data_dir / "mailboxes").glob("company-*/adhoc/*.csv"))
    assert [p.name for p in in_mailbox] == [answer["file_name"]]


def test_a_large_adhoc_request_is_queued_then_completed(client: TestClient) -> None:
    headers = bearer(client, "lsp.admin")
    status, queued = adhoc(
        client, headers, kind="daily", esiids=[ESIID, ESIID_2], **{"from": "2026-01-01"}
    )
    assert (status, queued["status"], queued["file"]) == (202, "queued", None)
    # the test hub's queue runs each job where it is queued (see test_job_queue.py for real ones)
    later = client.get(f"/api/v1/adhoc/{queued['correlation_id']}", headers=headers).json()
    assert later["status"] == "completed", later
    assert (later["message"], later["records"]) == ("Report ready", 1)
    daily = client.get(later["file"], headers=headers).text
    assert ESIID in daily
    assert ESIID_2 not in daily, "not this REP's ESIID"


def test_adhoc_requests_are_private_to_their_requester(client: TestClient) -> None:
    mine = bearer(client, "lsp.admin")
    other = bearer(client, "bb.admin")
    _, answer = adhoc(client, mine)
    correlation = answer["correlation_id"]
    theirs = client.get(f"/api/v1/adhoc/{correlation}", headers=other)
    made_up = client.get(f"/api/v1/adhoc/{'0' * 32}", headers=other)
    assert theirs.status_code == made_up.status_code == 404
    assert theirs.json() == made_up.json()
    assert client.get(f"/api/v1/adhoc/{correlation}/file", headers=other).status_code == 404
    # someone else's ESIID in one's own request yields nothing of theirs
    status, blind = adhoc(client, other)
    assert (status, blind["records"]) == (200, 0)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"from": "2025-01-01", "to": "2026-11-20"}, "under 13 months"),
        ({"kind": "daily", "format": "lse"}, "LSE carries interval data only"),
        ({"esiids": ["1044372000000000X"]}, "ESIID"),
        ({"from": "2026-11-21"}, "end date is before the start date"),
        ({"esiids": [ESIID, ESIID_2], "from": "2022-01-01"}, "at most 48 months"),
    ],
)
def test_adhoc_limits_are_refused_precisely(
    client: TestClient, body: dict[str, object], message: str
) -> None:
    status, answer = adhoc(client, bearer(client, "lsp.admin"), **body)
    assert status == 422
    assert message in answer["detail"]


def test_a_failing_job_becomes_a_failed_status(
    client: TestClient, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(*_: object, **__: object) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(hub.adhoc._usage, "register_reads", disk_full)
    headers = bearer(client, "lsp.admin")
    status, queued = adhoc(client, headers, kind="daily", esiids=[ESIID, ESIID_2])
    assert status == 202
    later = client.get(f"/api/v1/adhoc/{queued['correlation_id']}", headers=headers).json()
    assert later["status"] == "failed"
    assert "No space left on device" in later["message"]


def queue_without_running(hub: Hub, user_id: str) -> str:
    """A request accepted just before the hub stopped: recorded, never run."""
    with hub.engine.begin() as conn:
        principal = hub.accounts.principal(conn, user_id)
        assert principal is not None
        answer = hub.adhoc.submit(
            conn,
            principal,
            AdHocRequest(
                "interval", ReportFormat.CSV, [ESIID], date(2026, 1, 1), date(2026, 11, 20)
            ),
            now=NOW,
        )
    assert answer.status is RequestStatus.QUEUED
    return answer.correlation_id


def test_requests_left_queued_run_when_the_hub_starts_again(client: TestClient, hub: Hub) -> None:
    correlation = queue_without_running(hub, "lsp.admin")
    headers = bearer(client, "lsp.admin")
    with TestClient(create_app(hub), base_url="https://hub.test") as restarted:
        deadline = time.monotonic() + 30
        while True:
            later = restarted.get(f"/api/v1/adhoc/{correlation}", headers=headers).json()
            if later["status"] in ("completed", "failed") or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    assert (later["status"], later["records"]) == ("completed", 96), later


def test_a_requester_gone_meanwhile_gets_a_failed_request(client: TestClient, hub: Hub) -> None:
    correlation = queue_without_running(hub, "lsp.admin")
    gone = AdHocJob(hub.engine, hub.adhoc, lambda _conn, _user: None, hub.clock)
    assert requeue_unfinished(hub.engine, gone, orphans=False) == 1
    headers = bearer(client, "lsp.admin")
    later = client.get(f"/api/v1/adhoc/{correlation}", headers=headers).json()
    assert (later["status"], later["message"]) == (
        "failed",
        "failed: the requester is no longer active",
    )


def test_a_running_job_only_reads_so_others_can_write(
    client: TestClient, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite a job holding the write lock would stall every login and upload meanwhile."""
    other = queue_without_running(hub, "lsp.admin")
    seen: list[str] = []
    reads = hub.adhoc._usage.intervals

    def while_running(*args: Any, **kwargs: Any) -> Any:
        with hub.engine.begin() as elsewhere:  # another request, in the middle of the job
            hub.adhoc.fail(elsewhere, other, "cancelled by the test", now=NOW)
            status = hub.adhoc.status(elsewhere, principal_of(hub, "lsp.admin"), other)
            assert status is not None
            seen.append(status.status.value)
        return reads(*args, **kwargs)

    monkeypatch.setattr(hub.adhoc._usage, "intervals", while_running)
    queued = queue_without_running(hub, "lsp.admin")
    started = time.monotonic()
    run_job(hub.engine, hub.adhoc, principal_of(hub, "lsp.admin"), queued, hub.clock)
    assert time.monotonic() - started < 10, "a write in the middle had to wait for the job"
    assert seen == ["failed"]
    with hub.engine.connect() as conn:
        done = hub.adhoc.status(conn, principal_of(hub, "lsp.admin"), queued)
    assert done is not None
    assert (done.status, done.records) == (RequestStatus.COMPLETED, 96)


def principal_of(hub: Hub, user_id: str) -> Principal:
    with hub.engine.connect() as conn:
        principal = hub.accounts.principal(conn, user_id)
    assert principal is not None
    return principal


def test_reps_and_tdsps_search_their_esiids_in_the_portal(
    client: TestClient, hub: Hub, inbox: Path
) -> None:
    premises = [
        [
            e,
            address,
            "",
            "WACO",
            "TX",
            "76701",
            "RES",
            "ACTIVE",
            "20240101",
            "RESLOWR_NCENT",
            "NCENT",
        ]
        for e, address in ((ESIID, "9 OAK ST"), (ESIID_2, "12 ELM AVE"))
    ]
    hub.ingester.ingest(
        write_csv_file(inbox, InboundKind.PREMISE_FULL, premises, created=NOW - timedelta(days=2))
    )
    with hub.engine.begin() as conn:
        hub.accounts.add_tdsp(
            conn,
            now=NOW,
            tdsp_code="ONCOR",
            user_id="oncor.ops",
            person=Person("Omar", "Diaz", "o@example.com"),
            password=PASSWORD,
        )
    app = create_app(hub)

    def listed(user: str, query: str) -> list[str]:
        page = session(app, user).get(f"/usage?q={query}").text
        return re.findall(r'<option value="(\d+)">', page)

    # the REP: its customer (by address or number), never the other premise on the street
    assert listed("lsp.admin", "oak") == [ESIID]
    assert listed("lsp.admin", "elm") == []
    assert listed("lsp.admin", ESIID[:12]) == [ESIID]
    assert listed("lsp.admin", "%") == [], "a wildcard is a character, not a pattern"
    # the TDSP: its territory
    assert listed("oncor.ops", "104437200000") == [ESIID, ESIID_2]
    assert listed("oncor.ops", "ELM") == [ESIID_2]


def test_one_requester_cannot_pile_up_queued_jobs(client: TestClient, hub: Hub) -> None:
    for _ in range(MAX_IN_PROGRESS):
        queue_without_running(hub, "lsp.admin")
    headers = bearer(client, "lsp.admin")
    status, refused = adhoc(client, headers, kind="daily", esiids=[ESIID, ESIID_2])
    assert status == 422
    assert refused["detail"].startswith(f"at most {MAX_IN_PROGRESS} queued requests at a time")
    status, small = adhoc(client, headers)
    assert (status, small["status"]) == (200, "completed"), "small requests are not queued"
    other = bearer(client, "bb.admin")
    status, theirs = adhoc(client, other, kind="daily", esiids=[ESIID, ESIID_2])
    assert (status, theirs["status"]) == (202, "queued"), "the limit is per requester"
