"""Reference data (meters, premises, REP of Record) and monthly billed usage.

Full (snapshot) files end what they do not list: every key a snapshot lists is noted in
`snapshot_seen`, and afterwards one statement ends the rest, so memory does not grow with the
size of a TDSP's territory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, delete, exists, func, insert, select, update

from smt.domain.rep_of_record import RorReason
from smt.store.schema import meter, monthly_usage, premise, rep_of_record, snapshot_seen


def mark_seen(conn: Connection, file_id: int, esiid: str, meter_number: str = "") -> bool:
    """Note a key listed by a snapshot; False when the snapshot listed it already."""
    seen = conn.execute(
        select(snapshot_seen.c.esiid).where(
            snapshot_seen.c.file_id == file_id,
            snapshot_seen.c.esiid == esiid,
            snapshot_seen.c.meter_number == meter_number,
        )
    ).first()
    if seen is not None:
        return False
    conn.execute(
        insert(snapshot_seen).values(file_id=file_id, esiid=esiid, meter_number=meter_number)
    )
    return True


def clear_seen(conn: Connection, file_id: int) -> None:
    conn.execute(delete(snapshot_seen).where(snapshot_seen.c.file_id == file_id))


def _not_seen(file_id: int, table: Any, *, by_meter: bool) -> Any:
    conditions = [snapshot_seen.c.file_id == file_id, snapshot_seen.c.esiid == table.c.esiid]
    if by_meter:
        conditions.append(snapshot_seen.c.meter_number == table.c.meter_number)
    return ~exists().where(and_(*conditions))


# --- meters -------------------------------------------------------------------------------

METER_ATTRIBUTES = (
    "tdsp",
    "manufacturer",
    "model",
    "meter_class",
    "kwh_multiplier",
    "channels",
    "interval_minutes",
    "han_protocol",
    "installed_on",
    "removed_on",
)


def upsert_meter(conn: Connection, values: dict[str, Any], *, file_id: int, now: datetime) -> bool:
    """Insert or update one meter; True when anything changed."""
    key = (meter.c.esiid == values["esiid"], meter.c.meter_number == values["meter_number"])
    held = conn.execute(select(*(meter.c[a] for a in METER_ATTRIBUTES)).where(*key)).first()
    if held is None:
        conn.execute(insert(meter).values(**values, updated_at=now, file_id=file_id))
        return True
    if tuple(held) == tuple(values[a] for a in METER_ATTRIBUTES):
        return False
    conn.execute(update(meter).where(*key).values(**values, updated_at=now, file_id=file_id))
    return True


def end_unseen_meters(
    conn: Connection, *, tdsp: str, file_id: int, as_of: date, now: datetime
) -> int:
    result = conn.execute(
        update(meter)
        .where(
            meter.c.tdsp == tdsp,
            meter.c.removed_on.is_(None),
            _not_seen(file_id, meter, by_meter=True),
        )
        .values(removed_on=as_of, updated_at=now, file_id=file_id)
    )
    return result.rowcount


# --- premises -----------------------------------------------------------------------------

PREMISE_ATTRIBUTES = (
    "tdsp",
    "address1",
    "address2",
    "city",
    "state",
    "zip",
    "premise_type",
    "status",
    "status_date",
    "load_profile",
    "weather_zone",
    "ended_on",
)


def upsert_premise(
    conn: Connection, values: dict[str, Any], *, file_id: int, now: datetime
) -> bool:
    key = premise.c.esiid == values["esiid"]
    held = conn.execute(select(*(premise.c[a] for a in PREMISE_ATTRIBUTES)).where(key)).first()
    if held is None:
        conn.execute(insert(premise).values(**values, updated_at=now, file_id=file_id))
        return True
    if tuple(held) == tuple(values[a] for a in PREMISE_ATTRIBUTES):
        return False
    conn.execute(update(premise).where(key).values(**values, updated_at=now, file_id=file_id))
    return True


def end_unseen_premises(
    conn: Connection, *, tdsp: str, file_id: int, as_of: date, now: datetime
) -> int:
    result = conn.execute(
        update(premise)
        .where(
            premise.c.tdsp == tdsp,
            premise.c.ended_on.is_(None),
            _not_seen(file_id, premise, by_meter=False),
        )
        .values(status="RETIRED", ended_on=as_of, updated_at=now, file_id=file_id)
    )
    return result.rowcount


# --- REP of Record ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RorPeriod:
    id: int
    duns: str
    start: date
    end: date | None


def latest_period(conn: Connection, esiid: str) -> RorPeriod | None:
    """The period that started last (open or closed)."""
    row = conn.execute(
        select(
            rep_of_record.c.id,
            rep_of_record.c.duns,
            rep_of_record.c.start_date,
            rep_of_record.c.end_date,
        )
        .where(rep_of_record.c.esiid == esiid)
        .order_by(rep_of_record.c.start_date.desc(), rep_of_record.c.id.desc())
        .limit(1)
    ).first()
    return None if row is None else RorPeriod(*row)


def last_end_before(conn: Connection, esiid: str, period_id: int) -> date | None:
    """The latest end of the ESIID's other (closed) periods."""
    value = conn.execute(
        select(func.max(rep_of_record.c.end_date)).where(
            rep_of_record.c.esiid == esiid, rep_of_record.c.id != period_id
        )
    ).scalar_one()
    return value if isinstance(value, date) or value is None else date.fromisoformat(value)


def start_period(
    conn: Connection,
    *,
    esiid: str,
    tdsp: str,
    duns: str,
    start: date,
    reason: RorReason,
    file_id: int,
    now: datetime,
) -> None:
    conn.execute(
        insert(rep_of_record).values(
            esiid=esiid,
            tdsp=tdsp,
            duns=duns,
            start_date=start,
            start_reason=reason.value,
            updated_at=now,
            file_id=file_id,
        )
    )


def close_period(
    conn: Connection, period_id: int, *, end: date, reason: RorReason, file_id: int, now: datetime
) -> None:
    conn.execute(
        update(rep_of_record)
        .where(rep_of_record.c.id == period_id)
        .values(end_date=end, end_reason=reason.value, updated_at=now, file_id=file_id)
    )


def restart_period(
    conn: Connection, period_id: int, *, start: date, file_id: int, now: datetime
) -> None:
    conn.execute(
        update(rep_of_record)
        .where(rep_of_record.c.id == period_id)
        .values(start_date=start, updated_at=now, file_id=file_id)
    )


def end_unseen_periods(
    conn: Connection, *, tdsp: str, file_id: int, as_of: date, now: datetime
) -> int:
    """Open periods a snapshot as of `as_of` does not list ended on the day before. A period
    that began on or after `as_of` is newer than the snapshot and stays as it is."""
    last_day = as_of - timedelta(days=1)
    result = conn.execute(
        update(rep_of_record)
        .where(
            rep_of_record.c.tdsp == tdsp,
            rep_of_record.c.end_date.is_(None),
            rep_of_record.c.start_date <= last_day,
            _not_seen(file_id, rep_of_record, by_meter=False),
        )
        .values(
            end_date=last_day, end_reason=RorReason.MOVE_OUT.value, updated_at=now, file_id=file_id
        )
    )
    return result.rowcount


def periods_of(
    conn: Connection, esiid: str
) -> list[tuple[str, date, date | None, str, str | None]]:
    rows = conn.execute(
        select(
            rep_of_record.c.duns,
            rep_of_record.c.start_date,
            rep_of_record.c.end_date,
            rep_of_record.c.start_reason,
            rep_of_record.c.end_reason,
        )
        .where(rep_of_record.c.esiid == esiid)
        .order_by(rep_of_record.c.start_date, rep_of_record.c.id)
    )
    return [(row[0], row[1], row[2], row[3], row[4]) for row in rows]


# --- monthly billed usage -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredMonthly:
    revision: int
    period_end: date
    meter_number: str
    usage_wh: int
    demand_w: int | None
    quality: str
    revised_at: datetime
    file_id: int


def latest_monthly(conn: Connection, esiid: str, period_start: date) -> StoredMonthly | None:
    t = monthly_usage.c
    row = conn.execute(
        select(
            t.revision,
            t.period_end,
            t.meter_number,
            t.usage_wh,
            t.demand_w,
            t.quality,
            t.revised_at,
            t.file_id,
        )
        .where(t.esiid == esiid, t.period_start == period_start)
        .order_by(t.revision.desc())
        .limit(1)
    ).first()
    return None if row is None else StoredMonthly(*row)


def append_monthly(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(monthly_usage).values(**values))
