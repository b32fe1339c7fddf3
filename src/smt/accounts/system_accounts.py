"""System accounts: the web-service identities of a company ("service IDs" in SMT), each
acting for exactly one approved DUNS of its company. Their names share one namespace with
user IDs, so that a requester's name (in the audit log, in ad hoc and on-demand requests, in
the job queue) always names one party."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select

from smt.access.policy import Principal
from smt.accounts import audit, records
from smt.accounts.model import ROLES_OF_KIND, CompanyKind, Status, WorkflowError, check_user_id
from smt.accounts.model import user_key as name_key
from smt.accounts.passwords import Passwords
from smt.store.accounts_tables import company, company_duns, system_account


def add(
    conn: Connection,
    passwords: Passwords,
    *,
    now: datetime,
    name: str,
    duns: str,
    password: str,
    certificate_sha256: str | None = None,
) -> str:
    row = conn.execute(
        select(company_duns.c.company_id).where(
            company_duns.c.duns == duns, company_duns.c.status == "approved"
        )
    ).first()
    if row is None:
        raise WorkflowError(f"DUNS {duns} is not an approved DUNS of a company in the hub")
    account_name = check_user_id(name)
    if (
        certificate_sha256 is not None
        and conn.execute(
            select(system_account.c.id).where(
                system_account.c.certificate_sha256 == certificate_sha256
            )
        ).first()
        is not None
    ):
        raise WorkflowError("that certificate is already bound to another system account")
    if (
        conn.execute(
            select(system_account.c.id).where(system_account.c.name_key == name_key(account_name))
        ).first()
        is not None
        or records.account_id(conn, account_name, missing_ok=True) is not None
    ):
        raise WorkflowError(f"system account {account_name!r} is taken (names are never reused)")
    conn.execute(
        insert(system_account).values(
            name=account_name,
            name_key=name_key(account_name),
            company_id=row.company_id,
            duns=duns,
            password_hash=passwords.hash(password, user_id=account_name),
            certificate_sha256=certificate_sha256,
            status=Status.ACTIVE.value,
            created_at=now,
            failed_logins=0,
        )
    )
    audit.record(
        conn,
        at=now,
        actor="cli",
        action="create-system-account",
        subject=f"system-account:{account_name}",
        details={"duns": duns},
    )
    return account_name


def principal(conn: Connection, name: str) -> Principal | None:
    """An active system account of an active company, acting for its one approved DUNS, as
    a (non-administrator) user of its company's kind: a REP's acts as a REP user holding just
    that DUNS, a TDSP's as a TDSP user, a business's as one of its users. The policy then
    limits it exactly as it limits that user. None otherwise."""
    row = conn.execute(
        select(
            system_account.c.name,
            system_account.c.duns,
            company.c.id,
            company.c.kind,
            company.c.tdsp_code,
        )
        .join(company, company.c.id == system_account.c.company_id)
        .join(company_duns, company_duns.c.duns == system_account.c.duns)
        .where(
            system_account.c.name_key == name_key(name),
            system_account.c.status == Status.ACTIVE.value,
            company.c.status == Status.ACTIVE.value,
            company_duns.c.status == "approved",
            company_duns.c.company_id == company.c.id,
        )
    ).first()
    if row is None:
        return None
    roles = ROLES_OF_KIND.get(CompanyKind(row.kind))
    if roles is None:  # an operator's company has no DUNS, hence no system account
        return None
    return Principal(row.name, roles[False], row.id, row.tdsp_code, frozenset({row.duns}))
