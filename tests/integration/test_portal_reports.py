"""Portal ad hoc reports: a small request is ready at once and downloads; a large one is
queued and then ready; limits are refused precisely; another person's request and file are
pages not found; the form needs its CSRF token."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from market import seed_two_reps
from smt.composition import Hub
from smt.web.app import create_app

from builders import ESIID, ESIID_2
from portal_client import csrf, session


@pytest.fixture
def portal(hub: Hub, inbox: Path) -> Hub:
    seed_two_reps(hub, inbox)
    return hub


def ask(client: TestClient, **fields: str) -> tuple[int, str]:
    form = {
        "kind": "interval",
        "fmt": "csv",
        "esiids": ESIID,
        "first": "2026-11-20",
        "last": "2026-11-20",
        "revisions": "latest",
        "csrf_token": csrf(client.get("/reports").text),
    } | fields
    response = client.post("/reports", data=form)
    return response.status_code, response.text


def downloads(page: str) -> list[str]:
    return re.findall(r'href="(/reports/[0-9a-f]+/file)"', page)


def test_a_small_request_is_ready_at_once_and_downloads(portal: Hub) -> None:
    client = session(create_app(portal), "lsp.admin")
    status, page = ask(client, revisions="all")
    assert status == 200, page
    [link] = downloads(page)
    response = client.get(link)
    assert response.headers["content-type"].startswith("text/csv")
    rows = response.text.splitlines()
    assert len(rows) == 1 + 2 * 96, "both revisions"
    assert ESIID in rows[1]


def test_a_large_request_is_queued_then_ready(portal: Hub) -> None:
    client = session(create_app(portal), "lsp.admin")
    status, page = ask(
        client, kind="daily", fmt="json", esiids=f"{ESIID}\n{ESIID_2}", first="2026-01-01"
    )
    assert status == 200, page
    assert 'data-status="completed"' in page, "the test hub runs queued jobs at once"
    [link] = downloads(page)
    response = client.get(link)
    assert response.headers["content-type"].startswith("application/json")
    assert ESIID in response.text
    assert ESIID_2 not in response.text, "not this REP's ESIID"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"first": "2025-01-01"}, "under 13 months"),
        ({"kind": "daily", "fmt": "lse"}, "LSE carries interval data only"),
        ({"esiids": "1044372000000000X"}, "ESIID"),
        ({"first": "not-a-date"}, "Check the report type, format and dates"),
        ({"fmt": "xlsx"}, "Check the report type, format and dates"),
    ],
)
def test_limits_are_refused_precisely(portal: Hub, fields: dict[str, str], message: str) -> None:
    client = session(create_app(portal), "lsp.admin")
    status, page = ask(client, **fields)
    assert status == 400
    assert message in page
    assert not downloads(page), "nothing was recorded"


def test_another_persons_request_is_not_found(portal: Hub) -> None:
    app = create_app(portal)
    mine = session(app, "lsp.admin")
    _, page = ask(mine)
    [link] = downloads(page)
    other = session(app, "bb.admin")
    theirs = other.get(link)
    made_up = other.get(f"/reports/{'0' * 32}/file")
    assert theirs.status_code == made_up.status_code == 404
    assert theirs.text == made_up.text
    assert not downloads(other.get("/reports").text)


def test_the_form_needs_its_csrf_token(portal: Hub) -> None:
    client = session(create_app(portal), "lsp.admin")
    status, _ = ask(client, csrf_token="forged")
    assert status == 403
    assert not downloads(client.get("/reports").text)
