"""Reading usage for a principal. Every read asks the policy which days of each ESIID the
principal may see and returns only those; operators' reads are audited."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, and_, bindparam, or_, select

from smt.access.facts import esiid_facts
from smt.access.policy import DayRange, Principal, visible_days
from smt.accounts import audit
from smt.accounts.model import Role
from smt.domain.channel import Channel
from smt.domain.interval_day import unpack_wh
from smt.store.schema import ingest_file, interval_day, monthly_usage, register_read
from smt.store.usage_store import PreparedRead


@dataclass(frozen=True, slots=True)
class IntervalVersion:
    """One revision of one ESIID's day on one channel."""

    esiid: str
    day: date
    channel: Channel
    revision: int
    values_wh: tuple[int, ...]
    qualities: str
    revised_at: datetime  # the TDSP's timestamp
    received_at: datetime  # when the hub stored it
    latest: bool


@dataclass(frozen=True, slots=True)
class RegisterVersion:
    esiid: str
    day: date
    revision: int
    start_wh: int
    end_wh: int
    revised_at: datetime
    latest: bool


@dataclass(frozen=True, slots=True)
class MonthlyVersion:
    esiid: str
    period_start: date
    period_end: date
    revision: int
    meter_number: str
    usage_wh: int
    demand_w: int | None
    quality: str
    revised_at: datetime
    latest: bool


def _clip(ranges: Sequence[DayRange], first: date, last: date) -> list[tuple[date, date]]:
    clipped = []
    for r in ranges:
        start = max(r.start, first)
        end = last if r.end is None else min(r.end, last)
        if start <= end:
            clipped.append((start, end))
    return clipped


_CHANNELS = {c.value: c for c in Channel}  # a dict lookup per row, not an Enum call


@lru_cache(maxsize=64)
def _interval_query(spans: int, channels: int) -> PreparedRead:
    """The interval rows of one ESIID on `channels` channels within `spans` date ranges, built
    once and bound per call (`esiid`, `channel_<i>`, `first_<i>`, `last_<i>`): building a
    statement costs several times what running it does."""
    t = interval_day.c
    query = (
        select(
            t.local_date,
            t.channel,
            t.revision,
            t.values_wh,
            t.qualities,
            t.revised_at,
            ingest_file.c.received_at,
        )
        .outerjoin(ingest_file, ingest_file.c.id == t.file_id)
        .where(
            t.esiid == bindparam("esiid"),
            # Bound one by one (not an expanding IN): the SQL then compiles once, whole.
            or_(*(t.channel == bindparam(f"channel_{i}") for i in range(channels))),
            or_(
                *(
                    and_(
                        t.local_date >= bindparam(f"first_{i}"),
                        t.local_date <= bindparam(f"last_{i}"),
                    )
                    for i in range(spans)
                )
            ),
        )
        .order_by(t.local_date, t.channel, t.revision.desc())
    )
    return PreparedRead(query)


class UsageService:
    def visible(
        self,
        conn: Connection,
        principal: Principal,
        esiid: str,
        first: date,
        last: date,
        *,
        now: datetime,
    ) -> list[tuple[date, date]]:
        """The spans of [first, last] the principal may see of this ESIID (maybe none)."""
        facts = esiid_facts(conn, principal, esiid)
        spans = _clip(visible_days(principal, facts), first, last)
        if principal.role is Role.OPERATOR and spans:
            audit.record(
                conn,
                at=now,
                actor=principal.user_id,
                action="read-usage",
                subject=f"esiid:{esiid}",
                details={"from": first.isoformat(), "to": last.isoformat()},
            )
        return spans

    def intervals(
        self,
        conn: Connection,
        principal: Principal,
        esiids: Sequence[str],
        first: date,
        last: date,
        *,
        now: datetime,
        all_revisions: bool = False,
        channels: Sequence[Channel] = tuple(Channel),
    ) -> Iterator[IntervalVersion]:
        """Interval days in ESIID, date, channel, revision order; only the latest revision of
        each day unless `all_revisions`."""
        for esiid in esiids:
            spans = self.visible(conn, principal, esiid, first, last, now=now)
            if not spans:
                continue
            parameters: dict[str, Any] = {"esiid": esiid}
            for index, (start, end) in enumerate(spans):
                parameters[f"first_{index}"] = start
                parameters[f"last_{index}"] = end
            for index, channel in enumerate(channels):
                parameters[f"channel_{index}"] = channel.value
            query = _interval_query(len(spans), len(channels))
            rows = query.rows(conn, parameters)
            previous: tuple[date, str] | None = None
            for day, channel, revision, values, qualities, revised, received in rows:
                latest = previous != (day, channel)
                previous = (day, channel)
                if latest or all_revisions:
                    yield IntervalVersion(
                        esiid,
                        day,
                        _CHANNELS[channel],
                        revision,
                        unpack_wh(values),
                        qualities,
                        revised,
                        received or revised,
                        latest,
                    )

    def register_reads(
        self,
        conn: Connection,
        principal: Principal,
        esiids: Sequence[str],
        first: date,
        last: date,
        *,
        now: datetime,
        all_revisions: bool = False,
    ) -> Iterator[RegisterVersion]:
        for esiid in esiids:
            spans = self.visible(conn, principal, esiid, first, last, now=now)
            if not spans:
                continue
            t = register_read.c
            rows = conn.execute(
                select(t.read_date, t.revision, t.start_wh, t.end_wh, t.revised_at)
                .where(
                    t.esiid == esiid,
                    or_(*(and_(t.read_date >= a, t.read_date <= b) for a, b in spans)),
                )
                .order_by(t.read_date, t.revision.desc())
            ).all()
            previous: date | None = None
            for day, revision, start_wh, end_wh, revised in rows:
                latest = previous != day
                previous = day
                if latest or all_revisions:
                    yield RegisterVersion(esiid, day, revision, start_wh, end_wh, revised, latest)

    def monthly(
        self,
        conn: Connection,
        principal: Principal,
        esiids: Sequence[str],
        first: date,
        last: date,
        *,
        now: datetime,
        all_revisions: bool = False,
    ) -> Iterator[MonthlyVersion]:
        """Bills whose whole period the principal may see and that overlap [first, last]."""
        for esiid in esiids:
            spans = self.visible(conn, principal, esiid, date.min, date.max, now=now)
            if not spans:
                continue
            t = monthly_usage.c
            rows = conn.execute(
                select(
                    t.period_start,
                    t.period_end,
                    t.revision,
                    t.meter_number,
                    t.usage_wh,
                    t.demand_w,
                    t.quality,
                    t.revised_at,
                )
                .where(t.esiid == esiid, t.period_end >= first, t.period_start <= last)
                .order_by(t.period_start, t.revision.desc())
            ).all()
            previous: date | None = None
            for start, end, revision, meter_number, usage, demand, quality, revised in rows:
                latest = previous != start
                previous = start
                # A bill belongs to whoever may see every day of it.
                whole = any(a <= start and end <= b for a, b in spans)
                if whole and (latest or all_revisions):
                    yield MonthlyVersion(
                        esiid,
                        start,
                        end,
                        revision,
                        meter_number,
                        usage,
                        demand,
                        quality,
                        revised,
                        latest,
                    )
