"""Every account workflow transition, allowed and refused, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Connection, select

from smt.access.facts import esiid_facts
from smt.access.policy import Principal, may_see
from smt.accounts import audit, customer_service
from smt.accounts.customers import CustomerService
from smt.accounts.model import Role, Status, Transition, WorkflowError
from smt.accounts.passwords import Passwords
from smt.accounts.profiles import CompanyProfile, Person
from smt.accounts.service import AccountService
from smt.composition import Hub
from smt.formats.file_names import InboundKind
from smt.store.accounts_tables import account

from builders import ESIID, NOW, revisions, write_csv_file

PASSWORD = "Correct-Horse-42"
# Cheap hashing for tests only; the hub uses argon2's defaults.
_PASSWORDS = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
SERVICE = AccountService(_PASSWORDS)
CUSTOMERS = CustomerService(_PASSWORDS)


def person(first: str = "Ana", language: str = "en") -> Person:
    return Person(first, "Garza", f"{first.lower()}@example.com", language=language)


@pytest.fixture
def conn(hub: Hub) -> Iterator[Connection]:
    with hub.engine.begin() as connection:
        yield connection


@pytest.fixture
def tdsp_admin(conn: Connection) -> Principal:
    SERVICE.add_tdsp(
        conn, now=NOW, tdsp_code="ONCOR", user_id="oncor.admin", person=person(), password=PASSWORD
    )
    found = SERVICE.principal(conn, "oncor.admin")
    assert found is not None
    return found


def _register(
    conn: Connection,
    name: str = "Lone Star Power",
    duns: str = "111111111",
    user_id: str = "lsp.admin",
) -> int:
    return SERVICE.register_rep_company(
        conn,
        now=NOW,
        profile=CompanyProfile(name),
        duns=[duns],
        user_id=user_id,
        person=person(),
        password=PASSWORD,
    )


def _status(conn: Connection, user_id: str) -> str:
    return str(
        conn.execute(select(account.c.status).where(account.c.user_id == user_id)).scalar_one()
    )


def test_a_new_rep_company_waits_for_a_tdsp_administrator(
    conn: Connection, tdsp_admin: Principal
) -> None:
    company_id = _register(conn)
    assert _status(conn, "lsp.admin") == Status.PENDING
    assert SERVICE.principal(conn, "lsp.admin") is None, "a pending account cannot act"

    SERVICE.approve_company(conn, tdsp_admin, company_id, now=NOW)

    admin = SERVICE.principal(conn, "lsp.admin")
    assert admin is not None
    assert admin.role is Role.REP_ADMIN
    assert admin.duns == frozenset({"111111111"})
    assert ("oncor.admin", "approve-company") in audit.events_about(conn, f"company:{company_id}")


def test_a_rep_cannot_approve_a_rep_company(conn: Connection, tdsp_admin: Principal) -> None:
    first = _register(conn)
    SERVICE.approve_company(conn, tdsp_admin, first, now=NOW)
    rep_admin = SERVICE.principal(conn, "lsp.admin")
    assert rep_admin is not None
    second = _register(conn, "Bluebonnet Energy", "222222222", "bb.admin")
    with pytest.raises(WorkflowError, match="only a TDSP administrator"):
        SERVICE.approve_company(conn, rep_admin, second, now=NOW)
    assert _status(conn, "bb.admin") == Status.PENDING


def test_company_names_and_duns_are_unique_and_checked(conn: Connection) -> None:
    _register(conn)
    with pytest.raises(WorkflowError, match="already exists"):
        _register(conn, "lone  star POWER", "222222222", "other.admin")
    with pytest.raises(WorkflowError, match="already registered"):
        _register(conn, "Other Power", "111111111", "other.admin")
    with pytest.raises(WorkflowError, match="9 or 13 digits"):
        _register(conn, "Third Power", "12345", "third.admin")


def test_user_ids_are_never_reused(conn: Connection, tdsp_admin: Principal) -> None:
    operator_id = SERVICE.add_operator(
        conn, now=NOW, user_id="ops.one", person=person(), password=PASSWORD
    )
    operator = SERVICE.principal(conn, operator_id)
    assert operator is not None
    company_id = _register(conn)
    SERVICE.approve_company(conn, tdsp_admin, company_id, now=NOW)
    SERVICE.register_account(
        conn,
        now=NOW,
        company_name="Lone Star Power",
        role=Role.REP_USER,
        user_id="gone.user",
        person=person("Luis"),
        password=PASSWORD,
    )
    SERVICE.transition(conn, operator, "gone.user", Transition.DELETE, now=NOW)
    with pytest.raises(WorkflowError, match="never reused"):
        CUSTOMERS.register_customer(
            conn, now=NOW, user_id="GONE.user", person=person(), password=PASSWORD
        )


def test_a_fifth_administrator_is_refused(conn: Connection, tdsp_admin: Principal) -> None:
    company_id = _register(conn)
    SERVICE.approve_company(conn, tdsp_admin, company_id, now=NOW)
    for n in range(2, 5):
        SERVICE.register_account(
            conn,
            now=NOW,
            company_name="Lone Star Power",
            role=Role.REP_ADMIN,
            user_id=f"admin.{n}",
            person=person(f"Admin{n}"),
            password=PASSWORD,
        )
    with pytest.raises(WorkflowError, match="at most 4 administrators"):
        SERVICE.register_account(
            conn,
            now=NOW,
            company_name="Lone Star Power",
            role=Role.REP_ADMIN,
            user_id="admin.5",
            person=person("Five"),
            password=PASSWORD,
        )


def test_users_wait_for_their_own_companys_administrator(
    conn: Connection, tdsp_admin: Principal
) -> None:
    for name, duns, admin in (
        ("Lone Star Power", "111111111", "lsp.admin"),
        ("Bluebonnet Energy", "222222222", "bb.admin"),
    ):
        SERVICE.approve_company(conn, tdsp_admin, _register(conn, name, duns, admin), now=NOW)
    SERVICE.register_account(
        conn,
        now=NOW,
        company_name="LONE STAR POWER",
        role=Role.REP_USER,
        user_id="lsp.user",
        person=person("Luis"),
        password=PASSWORD,
    )
    other_admin = SERVICE.principal(conn, "bb.admin")
    own_admin = SERVICE.principal(conn, "lsp.admin")
    assert other_admin is not None
    assert own_admin is not None

    with pytest.raises(WorkflowError, match=r"no account 'lsp\.user' you may manage"):
        SERVICE.transition(conn, other_admin, "lsp.user", Transition.APPROVE, now=NOW)
    SERVICE.transition(conn, own_admin, "lsp.user", Transition.APPROVE, now=NOW)
    user = SERVICE.principal(conn, "lsp.user")
    assert user is not None
    assert user.duns == frozenset(), "a user holds only the DUNS assigned to them"

    SERVICE.register_account(
        conn,
        now=NOW,
        company_name="Lone Star Power",
        role=Role.REP_USER,
        user_id="lsp.user2",
        person=person("Eva"),
        password=PASSWORD,
    )
    with pytest.raises(WorkflowError, match="you may manage"):  # a user approving a user
        SERVICE.transition(conn, user, "lsp.user2", Transition.APPROVE, now=NOW)
    with pytest.raises(WorkflowError, match="you may manage"):  # an admin approving themself
        SERVICE.transition(conn, own_admin, "lsp.admin", Transition.SUSPEND, now=NOW)


def test_suspend_reinstate_revoke_and_duns_assignment(
    conn: Connection, tdsp_admin: Principal
) -> None:
    company_id = _register(conn)
    SERVICE.approve_company(conn, tdsp_admin, company_id, now=NOW)
    admin = SERVICE.principal(conn, "lsp.admin")
    assert admin is not None
    SERVICE.request_duns(conn, admin, "1111111110001", now=NOW)
    with pytest.raises(WorkflowError, match="no DUNS request of yours"):
        SERVICE.decide_duns(conn, admin, "1111111110001", now=NOW, approve=True)
    SERVICE.decide_duns(conn, tdsp_admin, "1111111110001", now=NOW, approve=True)
    admin = SERVICE.principal(conn, "lsp.admin")
    assert admin is not None
    assert admin.duns == frozenset({"111111111", "1111111110001"})

    SERVICE.register_account(
        conn,
        now=NOW,
        company_name="Lone Star Power",
        role=Role.REP_USER,
        user_id="lsp.user",
        person=person("Luis"),
        password=PASSWORD,
    )
    SERVICE.transition(conn, admin, "lsp.user", Transition.APPROVE, now=NOW)
    SERVICE.assign_duns(conn, admin, "lsp.user", ["1111111110001"], now=NOW)
    with pytest.raises(WorkflowError, match="approved DUNS"):
        SERVICE.assign_duns(conn, admin, "lsp.user", ["999999999"], now=NOW)
    user = SERVICE.principal(conn, "lsp.user")
    assert user is not None
    assert user.duns == frozenset({"1111111110001"})

    assert (
        SERVICE.transition(conn, admin, "lsp.user", Transition.SUSPEND, now=NOW) is Status.SUSPENDED
    )
    assert SERVICE.principal(conn, "lsp.user") is None
    with pytest.raises(WorkflowError, match="cannot suspend what is suspended"):
        SERVICE.transition(conn, admin, "lsp.user", Transition.SUSPEND, now=NOW)
    SERVICE.transition(conn, admin, "lsp.user", Transition.REINSTATE, now=NOW)
    SERVICE.transition(conn, admin, "lsp.user", Transition.REVOKE, now=NOW)
    with pytest.raises(WorkflowError, match="cannot reinstate what is revoked"):
        SERVICE.transition(conn, admin, "lsp.user", Transition.REINSTATE, now=NOW)
    actions = [a for _, a in audit.events_about(conn, "account:lsp.user")]
    assert actions == [
        "create-account",
        "approve-account",
        "assign-duns",
        "suspend-account",
        "reinstate-account",
        "revoke-account",
    ]


def test_a_customer_attaches_an_esiid_by_proving_it(
    hub: Hub, inbox: Path, tdsp_admin: Principal, conn: Connection
) -> None:
    SERVICE.approve_company(conn, tdsp_admin, _register(conn), now=NOW)
    conn.commit()
    hub.ingester.ingest(
        write_csv_file(
            inbox,
            InboundKind.METER_FULL,
            [[ESIID, "M77", "Itron", "OpenWay", "RES", "1", "C", "15", "SE1.0", "20200101", ""]],
        )
    )
    hub.ingester.ingest(
        write_csv_file(inbox, InboundKind.ROR_FULL, [[ESIID, "111111111", "20250601"]])
    )
    hub.ingester.ingest(
        write_csv_file(
            inbox, InboundKind.ROR_INCREMENTAL, [[ESIID, "222222222", "MOVE_IN", "20261001"]]
        )
    )
    with hub.engine.begin() as fresh:
        SERVICE.approve_company(
            fresh,
            tdsp_admin,
            _register(fresh, "Bluebonnet Energy", "222222222", "bb.admin"),
            now=NOW,
        )
        CUSTOMERS.register_customer(
            fresh, now=NOW, user_id="maria.h", person=person("Maria"), password=PASSWORD
        )
        maria = SERVICE.principal(fresh, "maria.h")
        assert maria is not None
        for wrong in (("M00", "Bluebonnet Energy"), ("M77", "Lone Star Power")):
            with pytest.raises(WorkflowError, match="do not match our records"):
                CUSTOMERS.attach_esiid(
                    fresh, maria, now=NOW, esiid=ESIID, meter_number=wrong[0], rep_name=wrong[1]
                )
        start = CUSTOMERS.attach_esiid(
            fresh,
            maria,
            now=NOW,
            esiid=f"'{ESIID}",
            meter_number="M77",
            rep_name="bluebonnet energy",
        )
        assert start == date(2026, 10, 1), "from the start of her own occupancy"
        facts = esiid_facts(fresh, maria, ESIID)
        assert may_see(maria, facts, date(2026, 10, 1))
        assert not may_see(maria, facts, date(2026, 9, 30))

        CUSTOMERS.detach_esiid(fresh, maria, user_id="maria.h", esiid=ESIID, now=NOW)
        assert not may_see(maria, esiid_facts(fresh, maria, ESIID), date(2026, 10, 1))


def test_an_approved_rep_gets_customer_service_logins_with_usage(
    hub: Hub, conn: Connection, tdsp_admin: Principal
) -> None:
    company_id = _register(conn)
    SERVICE.approve_company(conn, tdsp_admin, company_id, now=NOW)
    logins = customer_service.logins_of(conn, company_id)
    conn.commit()
    assert [(uid.split(".", 1)[1], role, has) for uid, role, has in logins] == [
        ("res.en", "customer", False),
        ("res.es", "customer", False),
        ("nrc.admin", "nrc-admin", False),
        ("nrc.user", "nrc-user", False),
    ]
    for commercial in (False, True):
        days = revisions(
            hub.engine, customer_service.fictitious_esiid(company_id, commercial=commercial)
        )
        assert len(days) == customer_service.SAMPLE_DAYS
        assert all(isinstance(d, date) and len(v) in (92, 96, 100) for d, _, _, v in days)
        assert sum(sum(v) for *_, v in days) > 0
