"""Portal security: CSRF, lockout, session fixation, administrator URLs, and ESIIDs that are
not yours answering exactly like ESIIDs that do not exist."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from smt.accounts.profiles import Person
from smt.composition import Hub
from smt.formats.file_names import InboundKind
from smt.web.app import create_app

from builders import ESIID, write_csv_file
from portal_client import PASSWORD, add_oncor_and_reps, csrf


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    with hub.engine.begin() as conn:
        now = hub.clock.now()
        add_oncor_and_reps(hub, conn)
        hub.customers.register_customer(
            conn,
            now=now,
            user_id="maria.h",
            person=Person("Maria", "Hernandez", "m@example.com"),
            password=PASSWORD,
        )
    with TestClient(create_app(hub), base_url="https://portal.test") as test_client:
        yield test_client


def log_in(client: TestClient, user_id: str, password: str = PASSWORD) -> str:
    token = csrf(client.get("/login").text)
    response = client.post(
        "/login",
        data={"user_id": user_id, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    return response.text if response.status_code != 303 else ""


def test_a_form_without_its_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/login")
    missing = client.post("/login", data={"user_id": "lsp.admin", "password": PASSWORD})
    forged = client.post(
        "/login", data={"user_id": "lsp.admin", "password": PASSWORD, "csrf_token": "x" * 43}
    )
    assert missing.status_code == forged.status_code == 403
    assert "smt_session" not in client.cookies
    assert log_in(client, "lsp.admin") == ""
    dashboard = client.get("/")
    forged_logout = client.post("/logout", data={"csrf_token": "y" * 43})
    assert forged_logout.status_code == 403
    assert client.get("/").status_code == 200, "still logged in"
    assert "Welcome, Lia" in dashboard.text


def test_repeated_failures_lock_the_account(client: TestClient) -> None:
    pages = [log_in(client, "lsp.admin", "Wrong-Horse-42") for _ in range(5)]
    assert "is not right" in pages[0]
    assert "locked for 15 minutes" in pages[4]
    assert "locked for 15 minutes" in log_in(client, "lsp.admin")


def test_a_session_id_planted_before_login_is_never_used(client: TestClient) -> None:
    client.cookies.set("smt_session", "attacker-chosen-value", domain="portal.test")
    assert log_in(client, "lsp.admin") == ""
    issued = client.cookies.get("smt_session")
    assert issued is not None
    assert issued != "attacker-chosen-value"
    planted = TestClient(
        client.app, base_url="https://portal.test", cookies={"smt_session": "attacker-chosen-value"}
    )
    assert planted.get("/", follow_redirects=False).status_code == 303


def test_a_user_reaching_an_administrator_url_sees_not_found(client: TestClient) -> None:
    log_in(client, "maria.h")
    denied = client.get("/approvals")
    absent = client.get("/no/such/page")
    broadcast = client.get("/broadcasts")
    assert denied.status_code == absent.status_code == broadcast.status_code == 404
    assert denied.text == absent.text == broadcast.text


def test_an_esiid_that_is_not_yours_answers_like_one_that_does_not_exist(
    client: TestClient, hub: Hub, tmp_path: Path
) -> None:
    hub.ingester.ingest(
        write_csv_file(
            tmp_path,
            InboundKind.METER_FULL,
            [[ESIID, "M77", "Itron", "OpenWay", "RES", "1", "C", "15", "SE1.0", "20200101", ""]],
        )
    )
    hub.ingester.ingest(
        write_csv_file(tmp_path, InboundKind.ROR_FULL, [[ESIID, "111111111", "20250601"]])
    )
    log_in(client, "maria.h")

    def attach(esiid: str, meter: str, rep: str) -> tuple[int, str]:
        token = csrf(client.get("/esiids").text)
        response = client.post(
            "/esiids",
            data={"esiid": esiid, "meter_number": meter, "rep_name": rep, "csrf_token": token},
        )
        body = response.text.replace(esiid, "E").replace(meter, "M").replace(rep, "R")
        return response.status_code, re.sub(r'value="[^"]{40,}"', "", body)

    not_mine = attach(ESIID, "M77", "Someone Else Energy")
    wrong_meter = attach(ESIID, "M00", "Lone Star Power")
    nonexistent = attach("10443720999999999", "M77", "Lone Star Power")
    assert not_mine[0] == wrong_meter[0] == nonexistent[0] == 400
    assert not_mine[1] == wrong_meter[1] == nonexistent[1]
    ok = client.post(
        "/esiids",
        data={
            "esiid": ESIID,
            "meter_number": "M77",
            "rep_name": "lone star power",
            "csrf_token": csrf(client.get("/esiids").text),
        },
    )
    assert ok.status_code == 200
    assert "2025-06-01" in ok.text


def test_usage_of_an_esiid_that_is_not_yours_is_a_page_not_found(
    client: TestClient, hub: Hub, tmp_path: Path
) -> None:
    from builders import day_record, write_lse_file  # noqa: PLC0415

    hub.ingester.ingest(write_lse_file(tmp_path, [day_record()]))
    log_in(client, "maria.h")
    query = "first=2026-11-20&last=2026-11-20"
    not_mine = client.get(f"/usage/view?esiid={ESIID}&{query}")
    absent = client.get(f"/usage/view?esiid=10443720999999999&{query}")
    download = client.get(f"/usage/intervals.csv?esiid={ESIID}&{query}")
    assert not_mine.status_code == absent.status_code == download.status_code == 404
    assert not_mine.text.replace(ESIID, "E") == absent.text.replace("10443720999999999", "E")
