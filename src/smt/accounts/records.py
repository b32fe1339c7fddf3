"""Rows of companies, DUNS and accounts, written the way every workflow needs them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, insert, select, update

from smt.accounts import audit
from smt.accounts.model import (
    MAX_REP_ADMINS,
    CompanyKind,
    Role,
    Status,
    WorkflowError,
    check_user_id,
    user_key,
)
from smt.accounts.passwords import Passwords
from smt.accounts.profiles import CompanyProfile, Person
from smt.store.accounts_tables import (
    account,
    company,
    company_duns,
    system_account,
    web_session,
)


def new_company(
    conn: Connection,
    profile: CompanyProfile,
    kind: CompanyKind,
    status: Status,
    now: datetime,
    *,
    tdsp_code: str | None = None,
) -> int:
    columns = profile.columns()
    taken = conn.execute(
        select(company.c.id).where(company.c.name_key == columns["name_key"])
    ).first()
    if taken is not None:
        raise WorkflowError(f"a company named {profile.name!r} already exists")
    result = conn.execute(
        insert(company)
        .values(
            **columns, kind=kind.value, status=status.value, tdsp_code=tdsp_code, created_at=now
        )
        .returning(company.c.id)
    )
    return int(result.scalar_one())


def find_company(
    conn: Connection, *, kind: CompanyKind, tdsp_code: str | None = None
) -> int | None:
    query = select(company.c.id).where(company.c.kind == kind.value)
    if tdsp_code is not None:
        query = query.where(company.c.tdsp_code == tdsp_code)
    found = conn.execute(query.limit(1)).scalar()
    return None if found is None else int(found)


def company_state(conn: Connection, company_id: int) -> tuple[CompanyKind, Status]:
    row = conn.execute(
        select(company.c.kind, company.c.status).where(company.c.id == company_id)
    ).first()
    if row is None:
        raise WorkflowError("no such company awaiting a decision")
    return CompanyKind(row.kind), Status(row.status)


def new_duns(conn: Connection, company_id: int, number: str, now: datetime) -> None:
    if (
        conn.execute(select(company_duns.c.duns).where(company_duns.c.duns == number)).first()
        is not None
    ):
        raise WorkflowError(f"DUNS {number} is already registered in the hub")
    conn.execute(
        insert(company_duns).values(
            duns=number, company_id=company_id, status="pending", requested_at=now
        )
    )


def check_admin_room(conn: Connection, company_id: int, excluding: int | None = None) -> None:
    # Lock the company's row first (PostgreSQL), so that concurrent registrations count one
    # after another; SQLite lets one writer in at a time anyway.
    conn.execute(select(company.c.id).where(company.c.id == company_id).with_for_update())
    counted = (Status.PENDING, Status.ACTIVE, Status.SUSPENDED)
    query = (
        select(func.count())
        .select_from(account)
        .where(
            account.c.company_id == company_id,
            account.c.role == Role.REP_ADMIN,
            account.c.status.in_([s.value for s in counted]),
        )
    )
    if excluding is not None:
        query = query.where(account.c.id != excluding)
    if int(conn.execute(query).scalar_one()) >= MAX_REP_ADMINS:
        raise WorkflowError(f"a REP company has at most {MAX_REP_ADMINS} administrators")


def new_account(
    conn: Connection,
    passwords: Passwords,
    *,
    now: datetime,
    actor: str,
    user_id: str,
    person: Person,
    password: str,
    role: Role,
    company_id: int | None,
    status: Status,
) -> str:
    uid = check_user_id(user_id)
    # System accounts share the namespace (see AccountService.add_system_account).
    if (
        conn.execute(select(account.c.id).where(account.c.user_key == user_key(uid))).first()
        is not None
        or conn.execute(
            select(system_account.c.id).where(system_account.c.name_key == user_key(uid))
        ).first()
        is not None
    ):
        raise WorkflowError(f"user ID {uid!r} is taken (IDs are never reused)")
    conn.execute(
        insert(account).values(
            user_id=uid,
            user_key=user_key(uid),
            company_id=company_id,
            role=role.value,
            status=status.value,
            password_hash=passwords.hash(password, user_id=uid),
            failed_logins=0,
            created_at=now,
            **person.columns(),
        )
    )
    audit.record(
        conn,
        at=now,
        actor=uid if actor.strip() == uid else actor,
        action="create-account",
        subject=f"account:{uid}",
        details={"role": role.value, "status": status.value},
    )
    return uid


def account_id(conn: Connection, user_id: str, *, missing_ok: bool = False) -> int | None:
    found = conn.execute(
        select(account.c.id).where(account.c.user_key == user_key(user_id))
    ).scalar()
    if found is None and not missing_ok:
        raise WorkflowError(f"no account {user_id!r}")
    return None if found is None else int(found)


def end_sessions(conn: Connection, account_id: int, *, now: datetime) -> None:
    """End every session of an account (its password or its standing changed)."""
    conn.execute(
        update(web_session)
        .where(web_session.c.account_id == account_id, web_session.c.ended_at.is_(None))
        .values(ended_at=now)
    )
