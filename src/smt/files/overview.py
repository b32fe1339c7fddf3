"""Where a company's file delivery stands, for the File delivery page and the API: its PGP key
(and why files cannot go out, if so), what waits for a key, its logins. One company for its
administrators (and operators); every REP and TDSP company at once for operators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, Table, func, select

from smt.access.policy import Action, Principal, Target, may
from smt.accounts.model import CompanyKind, NotYours
from smt.files.delivery import WAITING
from smt.files.keys import NO_KEY, CompanyKey, check_manager, current_key
from smt.files.logins import ACTIVE
from smt.files.pgp import EXPIRY_WARNING
from smt.store.accounts_tables import company
from smt.store.files_tables import company_pgp_key, file_delivery, file_login


@dataclass(frozen=True, slots=True)
class CompanyFiles:
    id: int
    name: str
    kind: CompanyKind
    status: str
    key: CompanyKey | None
    problem: str  # why nothing can be delivered now; empty when a usable key is there
    expires_soon: bool  # usable, but expires within 30 days: time to upload its successor
    waiting: int  # deliveries waiting for a usable key
    logins: int  # active file-transfer logins


def _per_company(conn: Connection, table: Table, condition: ColumnElement[bool]) -> dict[int, int]:
    """How many rows of `table` meet `condition`, per company."""
    rows = conn.execute(
        select(table.c.company_id, func.count()).where(condition).group_by(table.c.company_id)
    )
    return {int(company_id): int(count) for company_id, count in rows}


def _judged(key: CompanyKey | None, now: datetime) -> tuple[str, bool]:
    if key is None:
        return NO_KEY, False
    problem = key.problem(now)
    soon = not problem and key.expires_at is not None and key.expires_at - now < EXPIRY_WARNING
    return problem, soon


def of_company(conn: Connection, actor: Principal, company_id: int, now: datetime) -> CompanyFiles:
    """One company, for someone who manages its file delivery (else NotYours)."""
    kind = check_manager(conn, actor, company_id)
    name, status = conn.execute(
        select(company.c.name, company.c.status).where(company.c.id == company_id)
    ).one()
    key = current_key(conn, company_id)
    problem, soon = _judged(key, now)
    waiting = conn.execute(
        select(func.count())
        .select_from(file_delivery)
        .where(file_delivery.c.company_id == company_id, file_delivery.c.status == WAITING)
    ).scalar_one()
    logins = conn.execute(
        select(func.count())
        .select_from(file_login)
        .where(file_login.c.company_id == company_id, file_login.c.status == ACTIVE)
    ).scalar_one()
    return CompanyFiles(company_id, name, kind, status, key, problem, soon, waiting, logins)


def every_company(conn: Connection, actor: Principal, now: datetime) -> list[CompanyFiles]:
    """Every REP and TDSP company (TDSPs first, then by name), for operators only."""
    if not may(actor, Action.MANAGE_FILES, Target()):
        raise NotYours("no such page")
    k = company_pgp_key.c
    keys = {
        row.company_id: CompanyKey(*row[1:])
        for row in conn.execute(
            select(
                k.company_id,
                k.fingerprint,
                k.armored,
                k.algorithm,
                k.bits,
                k.user_ids,
                k.expires_at,
                k.uploaded_by,
                k.uploaded_at,
            )
            .where(k.replaced_at.is_(None))
            .order_by(k.id)  # the newest wins below, as in current_key
        )
    }
    waiting = _per_company(conn, file_delivery, file_delivery.c.status == WAITING)
    logins = _per_company(conn, file_login, file_login.c.status == ACTIVE)
    found = []
    for row in conn.execute(
        select(company.c.id, company.c.name, company.c.kind, company.c.status)
        .where(company.c.kind.in_((CompanyKind.TDSP.value, CompanyKind.REP.value)))
        .order_by(company.c.kind.desc(), company.c.name)
    ):
        key = keys.get(row.id)
        problem, soon = _judged(key, now)
        found.append(
            CompanyFiles(
                row.id,
                row.name,
                CompanyKind(row.kind),
                row.status,
                key,
                problem,
                soon,
                waiting.get(row.id, 0),
                logins.get(row.id, 0),
            )
        )
    return found
