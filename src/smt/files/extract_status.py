"""What a REP's administrators see and choose of the daily extract: the formats, each DUNS's
last extract (or why it waits), and an extract on demand (queued after the request commits).
Operators may do the same for any REP company, and ask for every DUNS's extract at once.
TDSP companies have no extract: for them these answer like an unknown company."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from smt.access.policy import Action, Principal, Target, may
from smt.accounts import audit
from smt.accounts.model import CompanyKind, NotYours, WorkflowError
from smt.files.extract import FORMATS, formats_of
from smt.files.keys import check_manager
from smt.store.accounts_tables import company_duns
from smt.store.files_tables import company_file_setting, extract_cursor

__all__ = [
    "DunsExtract",
    "check_rep",
    "for_company",
    "formats_of",
    "request_all",
    "request_now",
    "set_formats",
]


@dataclass(frozen=True, slots=True)
class DunsExtract:
    duns: str
    counter: int
    status: str  # delivered | waiting | "" (never run)
    message: str
    last_run_at: datetime | None


def for_company(conn: Connection, company_id: int) -> list[DunsExtract]:
    c = extract_cursor.c
    rows = conn.execute(
        select(company_duns.c.duns, c.counter, c.last_status, c.last_message, c.last_run_at)
        .outerjoin(extract_cursor, c.duns == company_duns.c.duns)
        .where(company_duns.c.company_id == company_id, company_duns.c.status == "approved")
        .order_by(company_duns.c.duns)
    )
    return [
        DunsExtract(duns, counter or 0, status or "", message or "", at)
        for duns, counter, status, message, at in rows
    ]


def check_rep(conn: Connection, actor: Principal, company_id: int) -> None:
    """The actor manages this REP company's file delivery (else NotYours, as for none)."""
    if check_manager(conn, actor, company_id) is not CompanyKind.REP:
        raise NotYours("no such company")


def set_formats(
    conn: Connection, actor: Principal, company_id: int, formats: str, *, now: datetime
) -> None:
    check_rep(conn, actor, company_id)
    if formats not in FORMATS:
        raise WorkflowError("the extract comes as LSE, CSV, or both")
    done = conn.execute(
        update(company_file_setting)
        .where(company_file_setting.c.company_id == company_id)
        .values(extract_formats=formats, updated_by=actor.user_id, updated_at=now)
    )
    if done.rowcount == 0:
        conn.execute(
            insert(company_file_setting).values(
                company_id=company_id,
                extract_formats=formats,
                updated_by=actor.user_id,
                updated_at=now,
            )
        )
    audit.record(
        conn,
        at=now,
        actor=actor.user_id,
        action="set-extract-formats",
        subject=f"company:{company_id}",
        details={"formats": formats},
    )


def request_now(conn: Connection, actor: Principal, company_id: int, *, now: datetime) -> None:
    """Audit an extract on demand; the caller queues it once this commits."""
    check_rep(conn, actor, company_id)
    audit.record(
        conn,
        at=now,
        actor=actor.user_id,
        action="request-extract",
        subject=f"company:{company_id}",
    )


def request_all(conn: Connection, actor: Principal, *, now: datetime) -> None:
    """An operator's extract of every DUNS now (after a failed scheduled run, say): audited;
    the caller queues it once this commits. Anyone else finds no such action."""
    if not may(actor, Action.MANAGE_FILES, Target()):
        raise NotYours("no such action")
    audit.record(conn, at=now, actor=actor.user_id, action="request-extract", subject="every-duns")
