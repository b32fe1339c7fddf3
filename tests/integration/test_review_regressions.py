"""Regressions for what a security review of accounts and the portal found: each test fails
on the code before its fix."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from smt.accounts.model import Role, Status, Transition, WorkflowError
from smt.accounts.profiles import CompanyProfile, Person
from smt.accounts.sessions import LoginRefusal, SessionKind
from smt.composition import Hub
from smt.store.accounts_tables import account, company
from smt.web.app import create_app

from builders import NOW
from portal_client import BLUEBONNET, LONE_STAR, PASSWORD, add_oncor_and_reps, csrf, session


@pytest.fixture
def app(hub: Hub) -> Iterator[FastAPI]:
    with hub.engine.begin() as conn:
        now = hub.clock.now()
        hub.accounts.add_operator(
            conn,
            now=now,
            user_id="ops.rosa",
            person=Person("Rosa", "Vela", "r@example.com"),
            password=PASSWORD,
        )
        add_oncor_and_reps(hub, conn, LONE_STAR, BLUEBONNET)
    yield create_app(hub)


def logins(hub: Hub, company_name: str) -> dict[str, str]:
    with hub.engine.connect() as conn:
        rep = conn.execute(select(company.c.id).where(company.c.name == company_name)).scalar()
        rows = conn.execute(select(account.c.user_id).where(account.c.service_login_of == rep))
        return {uid.split(".", 1)[1]: uid for uid in rows.scalars()}


def test_customer_service_logins_are_apart_from_each_other_and_from_outsiders(
    app: FastAPI, hub: Hub
) -> None:
    ids = logins(hub, "Lone Star Power")
    admin = session(app, "lsp.admin")
    page = admin.get("/customer-service").text
    for user_id in ids.values():
        admin.post(
            "/customer-service",
            data={"user_id": user_id, "password": PASSWORD, "csrf_token": csrf(page)},
        )
    other = session(app, "bb.admin")
    refused = other.post(
        "/customer-service",
        data={
            "user_id": ids["res.en"],
            "password": "Other-Horse-42",
            "csrf_token": csrf(other.get("/").text),
        },
    )
    assert refused.status_code == 404

    business = session(app, ids["nrc.admin"])
    esiids = business.get("/esiids").text
    assert "10443720990000031" not in esiids or "10443720990000032" in esiids
    residential = re.findall(
        r"<td>(1044372099\d+)</td>", session(app, ids["res.en"]).get("/esiids").text
    )
    assert residential and residential[0] not in esiids, "a business login sees only its own"
    manage = business.post(
        f"/accounts/{ids['res.es']}/suspend", data={"csrf_token": csrf(business.get("/").text)}
    )
    assert manage.status_code == 404

    with hub.engine.begin() as conn, pytest.raises(WorkflowError, match="no active company"):
        hub.accounts.register_account(
            conn,
            now=NOW,
            company_name="Lone Star Power customer service",
            administrator=True,
            user_id="outsider.x",
            person=Person("Out", "Sider", "x@example.com"),
            password=PASSWORD,
        )


def test_nobody_can_block_a_rep_companys_approval(app: FastAPI, hub: Hub) -> None:
    with hub.engine.begin() as conn:
        with pytest.raises(WorkflowError, match="letters, digits"):
            hub.customers.register_customer(
                conn,
                now=NOW,
                user_id="cs+9.res.en",
                person=Person("Squat", "Ter", "s@example.com"),
                password=PASSWORD,
            )
        hub.accounts.register_business(
            conn,
            now=NOW,
            profile=CompanyProfile("Pecan Power customer service"),
            user_id="squatter",
            person=Person("Squat", "Ter", "s@example.com"),
            password=PASSWORD,
        )
        company_id = hub.accounts.register_rep_company(
            conn,
            now=NOW,
            profile=CompanyProfile("Pecan Power"),
            duns=["333333333"],
            user_id="pecan.admin",
            person=Person("Pia", "Nuez", "p@example.com"),
            password=PASSWORD,
        )
        tdsp = hub.accounts.principal(conn, "oncor.admin")
        assert tdsp is not None
        with pytest.raises(WorkflowError, match="no DUNS request of yours"):
            hub.accounts.decide_duns(conn, tdsp, "333333333", now=NOW, approve=False)
        hub.accounts.approve_company(conn, tdsp, company_id, now=NOW)
    assert len(logins(hub, "Pecan Power")) == 4


def test_odd_input_is_refused_clearly(app: FastAPI) -> None:
    visitor = TestClient(app, base_url="https://portal.test")
    token = csrf(visitor.get("/register/customer").text)
    base = {
        "last_name": "X",
        "email": "x@example.com",
        "user_id": "odd.one",
        "password": PASSWORD,
        "csrf_token": token,
    }
    for field, value, message in (
        ("first_name", "A" * 61, "at most 60 characters"),
        ("phone", "5" * 30, "at most 20 characters"),
        ("first_name", "Ana\x00", "cannot be printed"),
    ):
        response = visitor.post(
            "/register/customer", data={**base, "first_name": "Ana", field: value}
        )
        assert response.status_code == 400, field
        assert message in response.text
    operator = session(app, "ops.rosa")
    page = operator.get("/approvals").text
    assert (
        operator.post(
            "/approvals/company/99999999999999999999",
            data={"csrf_token": csrf(page), "decision": "approve"},
        ).status_code
        == 404
    )
    published = operator.post(
        "/broadcasts",
        data={"text_en": "Hi", "hours": "99999999", "csrf_token": csrf(page)},
        follow_redirects=False,
    )
    assert published.status_code == 303


def test_a_company_decision_needs_a_decision(app: FastAPI, hub: Hub) -> None:
    with hub.engine.begin() as conn:
        company_id = hub.accounts.register_rep_company(
            conn,
            now=NOW,
            profile=CompanyProfile("Pecan Power"),
            duns=["333333333"],
            user_id="pecan.admin",
            person=Person("Pia", "Nuez", "p@example.com"),
            password=PASSWORD,
        )
    tdsp = session(app, "oncor.admin")
    page = tdsp.get("/approvals").text
    assert (
        tdsp.post(f"/approvals/company/{company_id}", data={"csrf_token": csrf(page)}).status_code
        == 404
    )
    with hub.engine.connect() as conn:
        status = conn.execute(select(company.c.status).where(company.c.id == company_id))
        assert status.scalar_one() == Status.PENDING


def test_the_language_changes_only_by_a_form_with_its_token(app: FastAPI, hub: Hub) -> None:
    user = session(app, "lsp.admin")
    assert user.get("/language/es").status_code == 404
    assert user.post("/language", data={"language": "es"}).status_code == 403
    page = user.get("/").text
    user.post("/language", data={"language": "es", "csrf_token": csrf(page), "back": "/"})
    assert "Bienvenido" in user.get("/").text
    moved = user.post(
        "/language",
        data={"language": "en", "csrf_token": csrf(page), "back": "//evil.example/"},
        follow_redirects=False,
    )
    assert moved.headers["location"] == "/"


def test_sessions_end_when_standing_or_password_changes(app: FastAPI, hub: Hub) -> None:
    ids = logins(hub, "Lone Star Power")
    admin = session(app, "lsp.admin")
    page = admin.get("/customer-service").text
    admin.post(
        "/customer-service",
        data={"user_id": ids["res.en"], "password": PASSWORD, "csrf_token": csrf(page)},
    )
    customer = session(app, ids["res.en"])
    admin.post(
        "/customer-service",
        data={"user_id": ids["res.en"], "password": "Fresh-Horse-77", "csrf_token": csrf(page)},
    )
    assert customer.get("/", follow_redirects=False).status_code == 303

    with hub.engine.begin() as conn:
        hub.accounts.register_account(
            conn,
            now=NOW,
            company_name="Lone Star Power",
            role=Role.REP_USER,
            user_id="lsp.user",
            person=Person("Leo", "Soto", "leo@example.com"),
            password=PASSWORD,
        )
        principal = hub.accounts.principal(conn, "lsp.admin")
        assert principal is not None
        hub.accounts.transition(conn, principal, "lsp.user", Transition.APPROVE, now=NOW)
    user = session(app, "lsp.user")
    with hub.engine.begin() as conn:
        hub.accounts.transition(conn, principal, "lsp.user", Transition.SUSPEND, now=NOW)
        hub.accounts.transition(conn, principal, "lsp.user", Transition.REINSTATE, now=NOW)
    assert user.get("/", follow_redirects=False).status_code == 303, "a new login is needed"


def test_an_operator_cannot_manage_themself(hub: Hub, app: FastAPI) -> None:
    with hub.engine.begin() as conn:
        operator = hub.accounts.principal(conn, "ops.rosa")
        assert operator is not None
        with pytest.raises(WorkflowError, match="you may manage"):
            hub.accounts.transition(conn, operator, "ops.rosa", Transition.DELETE, now=NOW)


def test_parallel_guesses_still_lock_the_account(hub: Hub, app: FastAPI) -> None:
    def guess(_: int) -> LoginRefusal | object:
        with hub.engine.begin() as conn:
            return hub.sessions.login(
                conn, user_id="lsp.admin", password="Wrong-Horse-00", kind=SessionKind.API, now=NOW
            )

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(guess, range(8)))
    with hub.engine.begin() as conn:
        locked = hub.sessions.login(
            conn,
            user_id="lsp.admin",
            password=PASSWORD,
            kind=SessionKind.API,
            now=NOW + timedelta(minutes=1),
        )
    assert locked is LoginRefusal.LOCKED


def test_guessing_an_esiid_proof_is_limited(app: FastAPI, hub: Hub) -> None:
    with hub.engine.begin() as conn:
        hub.customers.register_customer(
            conn,
            now=NOW,
            user_id="maria.h",
            person=Person("Maria", "H", "m@example.com"),
            password=PASSWORD,
        )
    customer = session(app, "maria.h")
    for attempt in range(11):
        page = customer.get("/esiids").text
        response = customer.post(
            "/esiids",
            data={
                "esiid": "10443720000000001",
                "meter_number": f"M{attempt}",
                "rep_name": "Lone Star Power",
                "csrf_token": csrf(page),
            },
        )
        assert response.status_code == 400
    with hub.engine.connect() as conn:
        from smt.accounts.customers import attach_attempts_left  # noqa: PLC0415

        assert not attach_attempts_left(conn, "maria.h", now=NOW)
