"""Portal workflows beyond the browser test: DUNS requests and assignment, customer-service
logins, detaching an ESIID."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from smt.accounts.model import Role
from smt.accounts.profiles import Person
from smt.composition import Hub
from smt.formats.file_names import InboundKind
from smt.web.app import create_app

from builders import ESIID, write_csv_file
from portal_client import PASSWORD, add_oncor_and_reps, csrf, session


@pytest.fixture
def app(hub: Hub) -> Iterator[object]:
    with hub.engine.begin() as conn:
        add_oncor_and_reps(hub, conn)
    yield create_app(hub)


def test_a_duns_added_later_waits_for_a_tdsp_then_goes_to_a_user(app: object, hub: Hub) -> None:
    admin = session(app, "lsp.admin")
    token = csrf(admin.get("/approvals").text)
    admin.post("/duns/request", data={"duns": "1111111110002", "csrf_token": token})
    tdsp = session(app, "oncor.admin")
    page = tdsp.get("/approvals").text
    assert "1111111110002 (Lone Star Power)" in page
    tdsp.post("/duns/1111111110002/approve", data={"csrf_token": csrf(page)})
    assert "1111111110002" not in tdsp.get("/approvals").text

    with hub.engine.begin() as conn:
        hub.accounts.register_account(
            conn,
            now=hub.clock.now(),
            company_name="Lone Star Power",
            role=Role.REP_USER,
            user_id="lsp.user",
            person=Person("Leo", "Soto", "leo@example.com"),
            password=PASSWORD,
        )
    page = admin.get("/approvals").text
    admin.post("/accounts/lsp.user/approve", data={"csrf_token": csrf(page)})
    assigned = admin.post(
        "/assign-duns/lsp.user", data={"csrf_token": csrf(page), "duns": ["1111111110002"]}
    )
    assert 'value="1111111110002" checked' in assigned.text
    assert "DUNS numbers you act for: 1111111110002" in session(app, "lsp.user").get("/").text
    # the user sees the DUNS on the profile and cannot change it there
    profile = session(app, "lsp.user").get("/profile").text
    assert "1111111110002" in profile
    assert 'name="duns"' not in profile


def test_customer_service_logins_see_what_customers_see(app: object) -> None:
    admin = session(app, "lsp.admin")
    page = admin.get("/customer-service").text
    logins = re.findall(r"<td>(cs\+\d+\.[a-z.]+)</td>", page)
    assert [login.split(".", 1)[1] for login in logins] == [
        "res.en",
        "res.es",
        "nrc.admin",
        "nrc.user",
    ]
    for login in logins:
        admin.post(
            "/customer-service",
            data={"user_id": login, "password": PASSWORD, "csrf_token": csrf(page)},
        )
    other = session(app, "oncor.admin")
    refused = other.post(
        "/customer-service",
        data={"user_id": logins[0], "password": PASSWORD, "csrf_token": csrf(other.get("/").text)},
    )
    assert refused.status_code == 404

    english, spanish, nrc_admin, nrc_user = (session(app, login) for login in logins)
    assert "1044372099" in english.get("/esiids").text
    assert "Mis ESIID" in spanish.get("/").text
    business = nrc_user.get("/esiids").text
    assert "1044372099" in business
    assert "Remove" not in business, "a business user sees but does not manage"
    page = nrc_admin.get("/esiids").text
    esiid = re.search(r"<td>(1044372099\d+)</td>", page)
    assert esiid is not None
    nrc_admin.post(f"/esiids/{esiid.group(1)}/detach", data={"csrf_token": csrf(page)})
    assert esiid.group(1) not in nrc_admin.get("/esiids").text


def test_a_business_registers_and_its_people_share_its_esiids(
    app: object, hub: Hub, tmp_path: Path
) -> None:
    hub.ingester.ingest(
        write_csv_file(
            tmp_path,
            InboundKind.METER_FULL,
            [[ESIID, "M77", "Itron", "OpenWay", "COM", "1", "C", "15", "SE1.0", "20200101", ""]],
        )
    )
    hub.ingester.ingest(
        write_csv_file(tmp_path, InboundKind.ROR_FULL, [[ESIID, "111111111", "20250601"]])
    )
    visitor = TestClient(app, base_url="https://portal.test")  # type: ignore[arg-type]

    def register(kind: str, **fields: str) -> str:
        token = csrf(visitor.get(f"/register/{kind}").text)
        return visitor.post(
            f"/register/{kind}", data={**fields, "csrf_token": token, "password": PASSWORD}
        ).text

    people = {"first_name": "Ada", "last_name": "Ng", "email": "ada@example.com"}
    done = register(
        "business",
        company_name="Alamo Tacos LLC",
        address1="1 Main St",
        city="San Antonio",
        zip="78205",
        user_id="alamo.admin",
        **people,
    )
    assert "Your account is ready" in done
    pending = register(
        "user", company_name="alamo tacos llc", role="user", user_id="alamo.clerk", **people
    )
    assert "waiting for approval" in pending
    admin = session(app, "alamo.admin")
    page = admin.get("/approvals").text
    admin.post("/accounts/alamo.clerk/approve", data={"csrf_token": csrf(page)})
    page = admin.get("/esiids").text
    admin.post(
        "/esiids",
        data={
            "esiid": ESIID,
            "meter_number": "M77",
            "rep_name": "Lone Star Power",
            "csrf_token": csrf(page),
        },
    )
    clerk = session(app, "alamo.clerk")
    assert ESIID in clerk.get("/esiids").text, "the business's ESIIDs are its people's"
    assert "Business customer user" in clerk.get("/").text
