"""On-demand meter reads: asked through the TDSP's head-end, limited as SMT limits them (two
successful reads an hour and 24 a day per ESIID, 3,000 a day per TDSP), and only for an ESIID
the asker may see today."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, func, insert, select

from smt.access.policy import Principal
from smt.domain.central_time import local_midnight, today_in_central
from smt.domain.esiid import Esiid, InvalidEsiid
from smt.headend.port import HeadEnd, OdrOutcome
from smt.store.schema import interval_day, meter, odr_request, register_read
from smt.usage.service import UsageService

PER_HOUR, PER_DAY, PER_TDSP_DAY = 2, 24, 3000


class OdrRefusal(StrEnum):
    """SMT's status codes for a refused read (5031, 5032 as SMT; the rest the hub's)."""

    HOURLY = "5031"
    DAILY = "5032"
    TDSP_DAILY = "5033"
    UNKNOWN = "5002"  # no such ESIID and meter for the asker (absent or not theirs, alike)


@dataclass(frozen=True, slots=True)
class OdrStatus:
    status: str  # PENDING | COMPLETED | FAILED | T-FAILED
    read_wh: int | None
    usage_wh: int | None
    at: datetime


class OnDemandReads:
    def __init__(self, headend: HeadEnd) -> None:
        self._headend = headend
        self._usage = UsageService()

    def _visible_today(
        self, conn: Connection, principal: Principal, esiid: str, now: datetime
    ) -> bool:
        today = today_in_central(now)
        return bool(self._usage.visible(conn, principal, esiid, today, today, now=now))

    def request(
        self,
        conn: Connection,
        principal: Principal,
        *,
        esiid: str,
        meter_number: str,
        now: datetime,
    ) -> str | OdrRefusal:
        try:
            number = Esiid.parse(esiid).value
        except InvalidEsiid:
            return OdrRefusal.UNKNOWN
        active = conn.execute(
            select(meter.c.tdsp).where(
                meter.c.esiid == number,
                meter.c.meter_number == meter_number.strip(),
                meter.c.removed_on.is_(None),
            )
        ).scalar()
        if active is None or not self._visible_today(conn, principal, number, now):
            return OdrRefusal.UNKNOWN
        o = odr_request.c
        completed = o.outcome == OdrOutcome.COMPLETED.value
        recent = conn.execute(
            select(
                func.count().filter(o.requested_at > now - timedelta(hours=1)), func.count()
            ).where(o.esiid == number, completed, o.requested_at > now - timedelta(days=1))
        ).one()
        if recent[0] >= PER_HOUR:
            return OdrRefusal.HOURLY
        if recent[1] >= PER_DAY:
            return OdrRefusal.DAILY
        tdsp_today = conn.execute(
            select(func.count()).where(o.tdsp == active, o.requested_at > now - timedelta(days=1))
        ).scalar_one()
        if tdsp_today >= PER_TDSP_DAY:
            return OdrRefusal.TDSP_DAILY
        correlation = secrets.token_hex(8)
        answer = self._headend.read_register(
            correlation_id=correlation,
            esiid=number,
            meter_number=meter_number,
            requested_at=now,
            register_wh=_register_now(conn, number, now),
        )
        previous = conn.execute(
            select(o.read_wh)
            .where(o.esiid == number, completed)
            .order_by(o.requested_at.desc())
            .limit(1)
        ).scalar()
        usage = (
            answer.read_wh - previous
            if answer.read_wh is not None and previous is not None
            else None
        )
        conn.execute(
            insert(odr_request).values(
                correlation_id=correlation,
                esiid=number,
                tdsp=active,
                meter_number=meter_number,
                requested_by=principal.user_id,
                requested_at=now,
                completes_at=answer.completes_at,
                outcome=answer.outcome.value,
                read_wh=answer.read_wh,
                usage_wh=usage,
            )
        )
        return correlation

    def latest(
        self, conn: Connection, principal: Principal, *, esiid: str, now: datetime
    ) -> OdrStatus | None:
        try:
            number = Esiid.parse(esiid).value
        except InvalidEsiid:
            return None
        if not self._visible_today(conn, principal, number, now):
            return None
        o = odr_request.c
        row = conn.execute(
            select(o.completes_at, o.outcome, o.read_wh, o.usage_wh, o.requested_at)
            .where(o.esiid == number)
            .order_by(o.requested_at.desc())
            .limit(1)
        ).first()
        return None if row is None else _status(row, now)

    def by_correlation(
        self, conn: Connection, principal: Principal, correlation_id: str, *, now: datetime
    ) -> OdrStatus | None:
        """The asker's own read by its correlation id, while they may still see its ESIID;
        anyone else's looks like none."""
        o = odr_request.c
        row = conn.execute(
            select(o.esiid, o.completes_at, o.outcome, o.read_wh, o.usage_wh, o.requested_at).where(
                o.correlation_id == correlation_id.strip(), o.requested_by == principal.user_id
            )
        ).first()
        if row is None or not self._visible_today(conn, principal, row.esiid, now):
            return None
        return _status(row, now)


def _status(row: Any, now: datetime) -> OdrStatus:
    """A stored read (a row of odr_request) as the asker sees it at `now`: pending until the
    head-end's answer."""
    if now < row.completes_at:
        return OdrStatus("PENDING", None, None, row.requested_at)
    return OdrStatus(row.outcome, row.read_wh, row.usage_wh, row.completes_at)


def _register_now(conn: Connection, esiid: str, now: datetime) -> int | None:
    """The register as the stored data say it stands now: the latest midnight reading, plus
    the latest day's use spread over the time since that midnight."""
    r = register_read.c
    last = conn.execute(
        select(r.read_date, r.end_wh)
        .where(r.esiid == esiid)
        .order_by(r.read_date.desc(), r.revision.desc())
        .limit(1)
    ).first()
    if last is None:
        return None
    day_total = (
        conn.execute(
            select(interval_day.c.total_wh)
            .where(
                interval_day.c.esiid == esiid,
                interval_day.c.local_date == last.read_date,
                interval_day.c.channel == "C",
            )
            .order_by(interval_day.c.revision.desc())
            .limit(1)
        ).scalar()
        or 0
    )
    since = now - local_midnight(last.read_date + timedelta(days=1))
    fraction = max(0.0, min(since / timedelta(days=1), 1.0))
    return int(last.end_wh + round(day_total * fraction))
