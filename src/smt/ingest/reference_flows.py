"""IF1010 monthly billed usage and IF1100-IF1150 reference data: what each row means.

Full files are snapshots: a row lists what is true as of the file's date, and whatever the
TDSP's snapshot leaves out is ended (never deleted). Incremental files carry changes, applied in
file order. An event effective on day D ends the previous REP of Record on D - 1 and starts the
next on D. Rows are read and decided a batch at a time against what the store holds for the
batch's ESIIDs, and written back in bulk.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import BinaryIO

from sqlalchemy import Connection

from smt.domain.rep_of_record import RorReason
from smt.formats.file_names import InboundKind
from smt.ingest.codes import Code
from smt.ingest.context import FileContext
from smt.ingest.csv_records import CsvRecord, read_csv_records
from smt.ingest.faults import RecordFault, Rejection
from smt.ingest.inbound import read_lines
from smt.ingest.results import ResultSink
from smt.store import reference_store as store

MAX_BILLING_DAYS = 45


@dataclass(slots=True)
class Books:
    """What a batch reads and changes; `flush` writes it all."""

    meters: store.RowBook | None = None
    premises: store.RowBook | None = None
    periods: store.RorBook | None = None
    monthly: store.MonthlyBook | None = None

    def flush(self, conn: Connection, ctx: FileContext) -> None:
        for book in (self.meters, self.premises, self.monthly):
            if book is not None:
                book.flush(conn)
        if self.periods is not None:
            self.periods.flush(conn, file_id=ctx.file_id, now=ctx.now)


Apply = Callable[[Books, FileContext, CsvRecord], Code]


def load_reference_file(
    conn: Connection, ctx: FileContext, kind: InboundKind, stream: BinaryIO, sink: ResultSink
) -> None:
    # Incremental rows seen so far (the same row twice is a duplicate); bounded by the record
    # limit. Snapshots keep theirs in the store (snapshot_seen), whatever their size.
    seen_rows: set[tuple[object, ...]] = set()
    batch: list[CsvRecord | Rejection] = []
    items = read_csv_records(
        read_lines(stream, ctx.max_line_bytes), kind, ctx.tdsp, ctx.max_records
    )
    for item in items:
        batch.append(item)
        if len(batch) >= ctx.batch_records:
            _load_batch(conn, ctx, kind, batch, sink, seen_rows=seen_rows)
            batch = []
    _load_batch(conn, ctx, kind, batch, sink, seen_rows=seen_rows)
    if kind.is_full:
        ENDERS[kind](conn, tdsp=ctx.tdsp.code, file_id=ctx.file_id, as_of=ctx.as_of, now=ctx.now)
        store.clear_seen(conn, ctx.file_id)


def _load_batch(
    conn: Connection,
    ctx: FileContext,
    kind: InboundKind,
    batch: Sequence[CsvRecord | Rejection],
    sink: ResultSink,
    *,
    seen_rows: set[tuple[object, ...]],
) -> None:
    records = [item for item in batch if isinstance(item, CsvRecord)]
    duplicates = _duplicates(conn, ctx, kind, batch, seen_rows)
    books = _books(conn, kind, records)
    apply = APPLIERS[kind]
    for item in batch:
        if isinstance(item, Rejection):
            sink.rejected(item.line, item.key, item.code, item.message)
            continue
        try:
            if item.line in duplicates:
                raise RecordFault(Code.DUPLICATE_IN_FILE, duplicates[item.line])
            code = apply(books, ctx, item)
        except RecordFault as fault:
            sink.rejected(item.line, item.key, fault.code, fault.message)
            continue
        sink.accepted(item.line, item.key, code)
    books.flush(conn, ctx)


def _duplicates(
    conn: Connection,
    ctx: FileContext,
    kind: InboundKind,
    batch: Sequence[CsvRecord | Rejection],
    seen_rows: set[tuple[object, ...]],
) -> dict[int, str]:
    """Lines of the batch that repeat an earlier row of the file, with why."""
    repeated: dict[int, str] = {}
    if kind.is_full:
        # A snapshot lists each thing once; a row rejected for another field still lists it.
        listed: dict[tuple[str, str], int] = {}
        for item in batch:
            key = _listed_key(item)
            if key is None:
                continue
            if key in listed:
                repeated[item.line] = f"{' '.join(key).strip()} is listed twice"
            else:
                listed[key] = item.line
        earlier = store.already_seen(conn, ctx.file_id, listed)
        for key in earlier:
            repeated[listed[key]] = f"{' '.join(key).strip()} is listed twice"
        store.note_seen(conn, ctx.file_id, (k for k in listed if k not in earlier))
        return repeated
    for item in batch:
        if not isinstance(item, CsvRecord):
            continue
        row = (
            (item.key, item.fields["START_DATE"])
            if kind is InboundKind.MONTHLY_USAGE  # one bill per ESIID and period start
            else tuple(item.fields.values())
        )
        if row in seen_rows:
            repeated[item.line] = "the same record appears earlier in this file"
        seen_rows.add(row)
    return repeated


def _listed_key(item: CsvRecord | Rejection) -> tuple[str, str] | None:
    if isinstance(item, Rejection):
        return item.listed
    return (item.key, str(item.fields.get("METER_NUMBER") or ""))


def _books(conn: Connection, kind: InboundKind, records: Sequence[CsvRecord]) -> Books:
    esiids = [r.key for r in records]
    match kind:
        case InboundKind.METER_FULL | InboundKind.METER_INCREMENTAL:
            return Books(meters=store.meter_book(conn, esiids))
        case InboundKind.PREMISE_FULL | InboundKind.PREMISE_INCREMENTAL:
            return Books(premises=store.premise_book(conn, esiids))
        case InboundKind.ROR_FULL | InboundKind.ROR_INCREMENTAL:
            return Books(periods=store.RorBook(conn, esiids))
        case _:
            return Books(
                monthly=store.MonthlyBook(conn, ((r.key, r.day("START_DATE")) for r in records))
            )


def _changed(changed: bool) -> Code:  # noqa: FBT001 - a plain mapping
    return Code.LOADED if changed else Code.UNCHANGED


def _not_future(ctx: FileContext, rec: CsvRecord, name: str) -> None:
    day = rec.day(name)
    if day > ctx.today:
        raise RecordFault(Code.FUTURE_DATED, f"{name} {day.isoformat()} is in the future")


def apply_meter(books: Books, ctx: FileContext, rec: CsvRecord) -> Code:
    assert books.meters is not None  # noqa: S101
    _not_future(ctx, rec, "INSTALLED_ON")
    installed, removed = rec.day("INSTALLED_ON"), rec.optional_day("REMOVED_ON")
    if removed is not None and removed < installed:
        raise RecordFault(Code.INVALID_PERIOD, f"removed {removed} before installed {installed}")
    values = {
        "esiid": rec.key,
        "meter_number": rec.text("METER_NUMBER"),
        "tdsp": ctx.tdsp.code,
        "manufacturer": rec.text("MANUFACTURER"),
        "model": rec.text("MODEL"),
        "meter_class": rec.text("METER_CLASS"),
        "kwh_multiplier": rec.number("KWH_MULTIPLIER"),
        "channels": rec.text("CHANNELS"),
        "interval_minutes": int(rec.text("INTERVAL_MINUTES")),
        "han_protocol": rec.text("HAN_PROTOCOL"),
        "installed_on": installed,
        "removed_on": removed,
    }
    return _changed(books.meters.put(values, file_id=ctx.file_id, now=ctx.now))


def apply_premise(books: Books, ctx: FileContext, rec: CsvRecord) -> Code:
    assert books.premises is not None  # noqa: S101
    _not_future(ctx, rec, "STATUS_DATE")
    status, since = rec.text("STATUS"), rec.day("STATUS_DATE")
    values = {
        "esiid": rec.key,
        "tdsp": ctx.tdsp.code,
        "address1": rec.text("ADDRESS1"),
        "address2": rec.fields["ADDRESS2"] or "",
        "city": rec.text("CITY"),
        "state": rec.text("STATE"),
        "zip": rec.text("ZIP"),
        "premise_type": rec.text("PREMISE_TYPE"),
        "status": status,
        "status_date": since,
        "load_profile": rec.text("LOAD_PROFILE"),
        "weather_zone": rec.text("WEATHER_ZONE"),
        "ended_on": since if status == "RETIRED" else None,
    }
    return _changed(books.premises.put(values, file_id=ctx.file_id, now=ctx.now))


def apply_ror_snapshot(books: Books, ctx: FileContext, rec: CsvRecord) -> Code:
    periods = books.periods
    assert periods is not None  # noqa: S101
    _not_future(ctx, rec, "START_DATE")
    esiid, duns, start = rec.key, rec.text("DUNS"), rec.day("START_DATE")
    latest = periods.latest(esiid)
    if latest is not None and latest.end is None:
        if latest.duns == duns:
            if latest.start == start:
                return Code.UNCHANGED
            before = periods.end_before(esiid, latest)
            if before is not None and start <= before:
                raise RecordFault(
                    Code.OUT_OF_SEQUENCE,
                    f"REP {duns} from {start} overlaps a period that ended {before}",
                )
            periods.restart(latest, start)
            return Code.LOADED
        if start <= latest.start:
            raise RecordFault(
                Code.OUT_OF_SEQUENCE,
                f"REP {duns} from {start} does not follow REP {latest.duns} from {latest.start}",
            )
        periods.close(latest, start - timedelta(days=1), RorReason.SWITCH)
        periods.start(esiid, ctx.tdsp.code, duns, start, RorReason.SWITCH)
        return Code.LOADED
    if latest is not None and latest.end is not None and start <= latest.end:
        raise RecordFault(
            Code.OUT_OF_SEQUENCE,
            f"REP {duns} from {start} overlaps a period that ended {latest.end}",
        )
    reason = RorReason.NEW if latest is None else RorReason.MOVE_IN
    periods.start(esiid, ctx.tdsp.code, duns, start, reason)
    return Code.LOADED


def apply_ror_event(books: Books, ctx: FileContext, rec: CsvRecord) -> Code:
    periods = books.periods
    assert periods is not None  # noqa: S101
    _not_future(ctx, rec, "EFFECTIVE_DATE")
    esiid, duns, day = rec.key, rec.text("DUNS"), rec.day("EFFECTIVE_DATE")
    event = rec.text("EVENT")
    latest = periods.latest(esiid)
    current = latest if latest is not None and latest.end is None else None
    if latest is not None and day <= latest.start:
        raise RecordFault(
            Code.OUT_OF_SEQUENCE,
            f"{event} effective {day} is not after the current period's start {latest.start}",
        )
    if latest is not None and latest.end is not None and day <= latest.end:
        raise RecordFault(
            Code.OUT_OF_SEQUENCE,
            f"{event} effective {day} falls in a period that ended {latest.end}",
        )
    last_day = day - timedelta(days=1)
    match event:
        case "NEW":
            if current is not None:
                raise RecordFault(
                    Code.ROR_CONFLICT, f"NEW for an ESIID served by REP {current.duns}"
                )
            reason = RorReason.NEW if latest is None else RorReason.MOVE_IN
            periods.start(esiid, ctx.tdsp.code, duns, day, reason)
        case "SWITCH":
            if current is None:
                raise RecordFault(Code.ROR_CONFLICT, "SWITCH for an ESIID with no REP of Record")
            if current.duns == duns:
                raise RecordFault(Code.ROR_CONFLICT, f"SWITCH to REP {duns}, already serving")
            periods.close(current, last_day, RorReason.SWITCH)
            periods.start(esiid, ctx.tdsp.code, duns, day, RorReason.SWITCH)
        case "MOVE_IN":
            if current is not None:
                periods.close(current, last_day, RorReason.MOVE_IN)
            periods.start(esiid, ctx.tdsp.code, duns, day, RorReason.MOVE_IN)
        case "MOVE_OUT":
            if current is None or current.duns != duns:
                raise RecordFault(
                    Code.ROR_CONFLICT, f"MOVE_OUT by REP {duns}, which is not the REP of Record"
                )
            periods.close(current, last_day, RorReason.MOVE_OUT)
    return Code.LOADED


def apply_monthly(books: Books, ctx: FileContext, rec: CsvRecord) -> Code:
    monthly = books.monthly
    assert monthly is not None  # noqa: S101
    esiid, start, end = rec.key, rec.day("START_DATE"), rec.day("END_DATE")
    if end < start:
        raise RecordFault(Code.INVALID_PERIOD, f"END_DATE {end} is before START_DATE {start}")
    if (end - start).days + 1 > MAX_BILLING_DAYS:
        raise RecordFault(
            Code.INVALID_PERIOD,
            f"a billing period of {(end - start).days + 1} days; at most {MAX_BILLING_DAYS}",
        )
    if end >= ctx.today:
        raise RecordFault(Code.FUTURE_DATED, f"period ending {end} is not over yet")
    revised_at = rec.instant("REVISION_TS")
    if revised_at > ctx.now:
        raise RecordFault(Code.FUTURE_DATED, "REVISION_TS is in the future")
    meter_number, usage, demand = (
        rec.text("METER_NUMBER"),
        rec.number("USAGE_KWH"),
        rec.fields["DEMAND_KW"],
    )
    quality = rec.text("ESTIMATED_ACTUAL")
    held = monthly.latest(esiid, start)
    revision = 1
    if held is not None:
        if (held.period_end, held.meter_number, held.usage_wh, held.demand_w, held.quality) == (
            end,
            meter_number,
            usage,
            demand,
            quality,
        ):
            return Code.UNCHANGED
        if revised_at < held.revised_at:
            raise RecordFault(
                Code.NEWER_VERSION_LOADED, f"revision {held.revision} is newer than this one"
            )
        revision = held.revision + 1
    monthly.append(
        {
            "esiid": esiid,
            "period_start": start,
            "revision": revision,
            "period_end": end,
            "meter_number": meter_number,
            "usage_wh": usage,
            "demand_w": demand,
            "quality": quality,
            "revised_at": revised_at,
            "file_id": ctx.file_id,
        }
    )
    return Code.LOADED


APPLIERS: dict[InboundKind, Apply] = {
    InboundKind.MONTHLY_USAGE: apply_monthly,
    InboundKind.METER_FULL: apply_meter,
    InboundKind.METER_INCREMENTAL: apply_meter,
    InboundKind.PREMISE_FULL: apply_premise,
    InboundKind.PREMISE_INCREMENTAL: apply_premise,
    InboundKind.ROR_FULL: apply_ror_snapshot,
    InboundKind.ROR_INCREMENTAL: apply_ror_event,
}

ENDERS = {
    InboundKind.METER_FULL: store.end_unseen_meters,
    InboundKind.PREMISE_FULL: store.end_unseen_premises,
    InboundKind.ROR_FULL: store.end_unseen_periods,
}
