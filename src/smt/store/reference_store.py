"""Reference data (meters, premises, REP of Record) and monthly billed usage, a batch at a time.

Each "book" loads what is stored for a batch of keys in one query, lets the ingest rules read
and change it in memory (in file order, so several rows about one ESIID in one file apply one
after another), then writes the changes back in bulk. Full (snapshot) files end what they do not
list: every key a snapshot lists is noted in `snapshot_seen`, and one statement ends the rest,
so memory does not grow with the size of a TDSP's territory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, and_, bindparam, delete, exists, insert, select, update

from smt.domain.rep_of_record import RorReason
from smt.store.schema import meter, monthly_usage, premise, rep_of_record, snapshot_seen

# --- snapshots ----------------------------------------------------------------------------


def already_seen(
    conn: Connection, file_id: int, keys: Iterable[tuple[str, str]]
) -> set[tuple[str, str]]:
    """Which of `keys` (ESIID, meter number or "") this snapshot has listed before."""
    wanted = set(keys)
    if not wanted:
        return set()
    rows = conn.execute(
        select(snapshot_seen.c.esiid, snapshot_seen.c.meter_number).where(
            snapshot_seen.c.file_id == file_id,
            snapshot_seen.c.esiid.in_(sorted({e for e, _ in wanted})),
        )
    )
    return {(e, m) for e, m in rows if (e, m) in wanted}


def note_seen(conn: Connection, file_id: int, keys: Iterable[tuple[str, str]]) -> None:
    rows = [{"file_id": file_id, "esiid": e, "meter_number": m} for e, m in keys]
    if rows:
        conn.execute(insert(snapshot_seen), rows)


def clear_seen(conn: Connection, file_id: int) -> None:
    conn.execute(delete(snapshot_seen).where(snapshot_seen.c.file_id == file_id))


def _not_seen(file_id: int, table: Table, *, by_meter: bool) -> Any:
    conditions = [snapshot_seen.c.file_id == file_id, snapshot_seen.c.esiid == table.c.esiid]
    if by_meter:
        conditions.append(snapshot_seen.c.meter_number == table.c.meter_number)
    return ~exists().where(and_(*conditions))


# --- meters and premises: rows keyed by ESIID (and meter number) --------------------------


class RowBook:
    """Stored rows of one table for a batch, keyed by their primary key."""

    def __init__(
        self,
        conn: Connection,
        table: Table,
        key: tuple[str, ...],
        attributes: tuple[str, ...],
        esiids: Iterable[str],
    ) -> None:
        self._table, self._key, self._attributes = table, key, attributes
        self._held: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self._inserts: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._updates: dict[tuple[Any, ...], dict[str, Any]] = {}
        wanted = sorted(set(esiids))
        if wanted:
            columns = [table.c[k] for k in key] + [table.c[a] for a in attributes]
            for row in conn.execute(select(*columns).where(table.c.esiid.in_(wanted))):
                self._held[tuple(row[: len(key)])] = tuple(row[len(key) :])

    def held(self, key: tuple[Any, ...]) -> dict[str, Any] | None:
        row = self._held.get(key)
        return None if row is None else dict(zip(self._attributes, row, strict=True))

    def put(self, values: dict[str, Any], *, file_id: int, now: datetime) -> bool:
        """Insert or update one row; True when anything changed."""
        key = tuple(values[k] for k in self._key)
        new = tuple(values[a] for a in self._attributes)
        held = self._held.get(key)
        if held == new:
            return False
        row = {**values, "updated_at": now, "file_id": file_id}
        if (held is None and key not in self._updates) or key in self._inserts:
            self._inserts[key] = row
        else:
            self._updates[key] = row
        self._held[key] = new
        return True

    def flush(self, conn: Connection) -> None:
        if self._inserts:
            conn.execute(insert(self._table), list(self._inserts.values()))
        if self._updates:
            t = self._table
            statement = (
                update(t)
                .where(*(t.c[k] == bindparam(f"key_{k}") for k in self._key))
                .values(
                    {a: bindparam(f"new_{a}") for a in (*self._attributes, "updated_at", "file_id")}
                )
            )
            conn.execute(
                statement,
                [
                    {
                        **{f"key_{k}": row[k] for k in self._key},
                        **{
                            f"new_{a}": row[a] for a in (*self._attributes, "updated_at", "file_id")
                        },
                    }
                    for row in self._updates.values()
                ],
            )
        self._inserts, self._updates = {}, {}


METER_KEY = ("esiid", "meter_number")
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
PREMISE_KEY = ("esiid",)
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


def meter_book(conn: Connection, esiids: Iterable[str]) -> RowBook:
    return RowBook(conn, meter, METER_KEY, METER_ATTRIBUTES, esiids)


def premise_book(conn: Connection, esiids: Iterable[str]) -> RowBook:
    return RowBook(conn, premise, PREMISE_KEY, PREMISE_ATTRIBUTES, esiids)


def end_unseen_meters(
    conn: Connection, *, tdsp: str, file_id: int, as_of: date, now: datetime
) -> int:
    result = conn.execute(
        update(meter)
        .where(
            meter.c.tdsp == tdsp,
            meter.c.removed_on.is_(None),
            meter.c.installed_on <= as_of,  # a meter set after the snapshot is newer than it
            _not_seen(file_id, meter, by_meter=True),
        )
        .values(removed_on=as_of, updated_at=now, file_id=file_id)
    )
    return result.rowcount


def end_unseen_premises(
    conn: Connection, *, tdsp: str, file_id: int, as_of: date, now: datetime
) -> int:
    result = conn.execute(
        update(premise)
        .where(
            premise.c.tdsp == tdsp,
            premise.c.ended_on.is_(None),
            premise.c.status_date <= as_of,  # a status newer than the snapshot stands
            _not_seen(file_id, premise, by_meter=False),
        )
        .values(
            status="RETIRED", status_date=as_of, ended_on=as_of, updated_at=now, file_id=file_id
        )
    )
    return result.rowcount


# --- REP of Record ------------------------------------------------------------------------


@dataclass(slots=True)
class RorPeriod:
    """A period of service as the batch sees it; `id` None until written."""

    id: int | None
    duns: str
    start: date
    end: date | None
    start_reason: str
    end_reason: str | None
    changed: bool = False


class RorBook:
    """Every stored period of a batch's ESIIDs, in start order."""

    def __init__(self, conn: Connection, esiids: Iterable[str]) -> None:
        self._periods: dict[str, list[RorPeriod]] = defaultdict(list)
        self._tdsp: dict[str, str] = {}
        wanted = sorted(set(esiids))
        if not wanted:
            return
        t = rep_of_record.c
        rows = conn.execute(
            select(t.id, t.esiid, t.duns, t.start_date, t.end_date, t.start_reason, t.end_reason)
            .where(t.esiid.in_(wanted))
            .order_by(t.esiid, t.start_date, t.id)
        )
        for pid, esiid, duns, start, end, start_reason, end_reason in rows:
            self._periods[esiid].append(RorPeriod(pid, duns, start, end, start_reason, end_reason))

    def latest(self, esiid: str) -> RorPeriod | None:
        periods = self._periods.get(esiid)
        return periods[-1] if periods else None

    def end_before(self, esiid: str, period: RorPeriod) -> date | None:
        """The latest end among the ESIID's other periods."""
        ends = [p.end for p in self._periods.get(esiid, []) if p is not period and p.end]
        return max(ends) if ends else None

    def start(self, esiid: str, tdsp: str, duns: str, day: date, reason: RorReason) -> None:
        self._periods[esiid].append(
            RorPeriod(None, duns, day, None, reason.value, None, changed=True)
        )
        self._tdsp[esiid] = tdsp

    @staticmethod
    def close(period: RorPeriod, end: date, reason: RorReason) -> None:
        period.end, period.end_reason, period.changed = end, reason.value, True

    @staticmethod
    def restart(period: RorPeriod, start: date) -> None:
        period.start, period.changed = start, True

    def flush(self, conn: Connection, *, file_id: int, now: datetime) -> None:
        inserts, updates = [], []
        for esiid, periods in self._periods.items():
            for p in periods:
                if not p.changed:
                    continue
                if p.id is None:
                    inserts.append(
                        {
                            "esiid": esiid,
                            "tdsp": self._tdsp[esiid],
                            "duns": p.duns,
                            "start_date": p.start,
                            "end_date": p.end,
                            "start_reason": p.start_reason,
                            "end_reason": p.end_reason,
                            "updated_at": now,
                            "file_id": file_id,
                        }
                    )
                else:
                    updates.append(
                        {
                            "pid": p.id,
                            "new_start": p.start,
                            "new_end": p.end,
                            "new_reason": p.end_reason,
                            "now": now,
                            "fid": file_id,
                        }
                    )
                p.changed = False
        if updates:
            conn.execute(
                update(rep_of_record)
                .where(rep_of_record.c.id == bindparam("pid"))
                .values(
                    start_date=bindparam("new_start"),
                    end_date=bindparam("new_end"),
                    end_reason=bindparam("new_reason"),
                    updated_at=bindparam("now"),
                    file_id=bindparam("fid"),
                ),
                updates,
            )
        if inserts:
            conn.execute(insert(rep_of_record), inserts)
        self._periods.clear()


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
    t = rep_of_record.c
    rows = conn.execute(
        select(t.duns, t.start_date, t.end_date, t.start_reason, t.end_reason)
        .where(t.esiid == esiid)
        .order_by(t.start_date, t.id)
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


class MonthlyBook:
    """The latest stored revision of each (ESIID, period start) of a batch."""

    def __init__(self, conn: Connection, keys: Iterable[tuple[str, date]]) -> None:
        self._latest: dict[tuple[str, date], StoredMonthly] = {}
        self._inserts: list[dict[str, Any]] = []
        wanted = set(keys)
        if not wanted:
            return
        t = monthly_usage.c
        rows = conn.execute(
            select(
                t.esiid,
                t.period_start,
                t.revision,
                t.period_end,
                t.meter_number,
                t.usage_wh,
                t.demand_w,
                t.quality,
                t.revised_at,
            ).where(t.esiid.in_(sorted({e for e, _ in wanted})))
        )
        for esiid, start, *rest in rows:
            if (esiid, start) not in wanted:
                continue
            held = self._latest.get((esiid, start))
            if held is None or rest[0] > held.revision:
                self._latest[(esiid, start)] = StoredMonthly(*rest)

    def latest(self, esiid: str, start: date) -> StoredMonthly | None:
        return self._latest.get((esiid, start))

    def append(self, values: dict[str, Any]) -> None:
        self._inserts.append(values)

    def flush(self, conn: Connection) -> None:
        if self._inserts:
            conn.execute(insert(monthly_usage), self._inserts)
        self._inserts = []
