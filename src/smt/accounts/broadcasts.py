"""Broadcast messages: operators write them for an audience and a time window; they show on
the login page and the dashboards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection, insert, select

from smt.access.policy import Action, Principal, Target, may
from smt.accounts import audit
from smt.accounts.model import Role, WorkflowError
from smt.store.accounts_tables import broadcast_message


class Audience(StrEnum):
    EVERYONE = "everyone"
    REP = "rep"
    CUSTOMER = "customer"
    TDSP = "tdsp"


AUDIENCE_OF_ROLE = {
    Role.REP_ADMIN: Audience.REP,
    Role.REP_USER: Audience.REP,
    Role.TDSP_ADMIN: Audience.TDSP,
    Role.TDSP_USER: Audience.TDSP,
    Role.CUSTOMER: Audience.CUSTOMER,
    Role.NRC_ADMIN: Audience.CUSTOMER,
    Role.NRC_USER: Audience.CUSTOMER,
}


@dataclass(frozen=True, slots=True)
class Broadcast:
    audience: Audience
    text_en: str
    text_es: str
    starts_at: datetime
    ends_at: datetime

    def text(self, language: str) -> str:
        return self.text_es if language == "es" and self.text_es else self.text_en


def publish(conn: Connection, actor: Principal, message: Broadcast, *, now: datetime) -> None:
    if not may(actor, Action.WRITE_BROADCAST, Target()):
        raise WorkflowError("only SMT operators write broadcast messages")
    if not message.text_en.strip():
        raise WorkflowError("the message needs its English text")
    if message.ends_at <= message.starts_at:
        raise WorkflowError("the message must end after it starts")
    if len(message.text_en) > 1000 or len(message.text_es) > 1000:
        raise WorkflowError("a message has at most 1,000 characters")
    conn.execute(
        insert(broadcast_message).values(
            audience=message.audience.value,
            text_en=message.text_en.strip(),
            text_es=message.text_es.strip(),
            starts_at=message.starts_at,
            ends_at=message.ends_at,
            created_by=actor.user_id,
            created_at=now,
        )
    )
    audit.record(
        conn,
        at=now,
        actor=actor.user_id,
        action="publish-broadcast",
        subject=f"broadcast:{message.audience.value}",
    )


def current(conn: Connection, *, now: datetime, role: Role | None) -> list[Broadcast]:
    """Messages showing now to `role` (None: the login page, which shows only 'everyone')."""
    audiences = [Audience.EVERYONE.value]
    if role is Role.OPERATOR:
        audiences = [a.value for a in Audience]
    elif role is not None:
        audiences.append(AUDIENCE_OF_ROLE[role].value)
    b = broadcast_message.c
    rows = conn.execute(
        select(b.audience, b.text_en, b.text_es, b.starts_at, b.ends_at)
        .where(b.audience.in_(audiences), b.starts_at <= now, b.ends_at > now)
        .order_by(b.starts_at.desc())
    )
    return [Broadcast(Audience(r[0]), r[1], r[2], r[3], r[4]) for r in rows]
