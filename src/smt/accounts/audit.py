"""The append-only audit log: every login, approval, role change and operator read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from smt.store.accounts_tables import audit_event


def record(
    conn: Connection,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    details: dict[str, Any] | None = None,
) -> None:
    conn.execute(
        insert(audit_event).values(
            at=at, actor=actor, action=action, subject=subject, details=details
        )
    )


def events_about(conn: Connection, subject: str) -> list[tuple[str, str]]:
    rows = conn.execute(
        select(audit_event.c.actor, audit_event.c.action)
        .where(audit_event.c.subject == subject)
        .order_by(audit_event.c.id)
    )
    return [(actor, action) for actor, action in rows]
