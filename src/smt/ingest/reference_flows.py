"""IF1010 monthly billed usage and IF1100-IF1150 reference data: what each row means.

Full files are snapshots: a row lists what is true as of the file's date, and whatever the
TDSP's snapshot leaves out is ended (never deleted). Incremental files carry changes. An event
effective on day D ends the previous REP of Record on D - 1 and starts the next on D.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
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

Apply = Callable[[Connection, FileContext, CsvRecord], Code]


def load_reference_file(
    conn: Connection, ctx: FileContext, kind: InboundKind, stream: BinaryIO, sink: ResultSink
) -> None:
    apply = APPLIERS[kind]
    seen_rows: set[tuple[object, ...]] = set()
    for item in read_csv_records(
        read_lines(stream, ctx.max_line_bytes), kind, ctx.tdsp, ctx.max_records
    ):
        if isinstance(item, Rejection):
            if kind.is_full and item.listed is not None:
                store.mark_seen(conn, ctx.file_id, *item.listed)
            sink.rejected(item.line, item.key, item.code, item.message)
            continue
        try:
            if kind.is_full:
                meter_number = str(item.fields.get("METER_NUMBER") or "")
                if not store.mark_seen(conn, ctx.file_id, item.key, meter_number):
                    raise RecordFault(
                        Code.DUPLICATE_IN_FILE, f"{item.key} {meter_number} is listed twice"
                    )
            else:
                # Monthly: one bill per ESIID and period start; events: the same row twice.
                row = (
                    (item.key, item.fields["START_DATE"])
                    if kind is InboundKind.MONTHLY_USAGE
                    else tuple(item.fields.values())
                )
                if row in seen_rows:
                    raise RecordFault(Code.DUPLICATE_IN_FILE, "the same record appears earlier")
                seen_rows.add(row)
            code = apply(conn, ctx, item)
        except RecordFault as fault:
            sink.rejected(item.line, item.key, fault.code, fault.message)
            continue
        sink.accepted(item.line, item.key, code)
    if kind.is_full:
        ender = ENDERS[kind]
        ender(conn, tdsp=ctx.tdsp.code, file_id=ctx.file_id, as_of=ctx.as_of, now=ctx.now)
        store.clear_seen(conn, ctx.file_id)


def _changed(changed: bool) -> Code:  # noqa: FBT001 - a plain mapping
    return Code.LOADED if changed else Code.UNCHANGED


def _not_future(ctx: FileContext, rec: CsvRecord, name: str) -> None:
    day = rec.day(name)
    if day > ctx.today:
        raise RecordFault(Code.FUTURE_DATED, f"{name} {day.isoformat()} is in the future")


def apply_meter(conn: Connection, ctx: FileContext, rec: CsvRecord) -> Code:
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
    return _changed(store.upsert_meter(conn, values, file_id=ctx.file_id, now=ctx.now))


def apply_premise(conn: Connection, ctx: FileContext, rec: CsvRecord) -> Code:
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
    return _changed(store.upsert_premise(conn, values, file_id=ctx.file_id, now=ctx.now))


def apply_ror_snapshot(conn: Connection, ctx: FileContext, rec: CsvRecord) -> Code:
    _not_future(ctx, rec, "START_DATE")
    esiid, duns, start = rec.key, rec.text("DUNS"), rec.day("START_DATE")
    latest = store.latest_period(conn, esiid)
    if latest is not None and latest.end is None:
        if latest.duns == duns:
            if latest.start == start:
                return Code.UNCHANGED
            before = store.last_end_before(conn, esiid, latest.id)
            if before is not None and start <= before:
                raise RecordFault(
                    Code.OUT_OF_SEQUENCE,
                    f"REP {duns} from {start} overlaps a period that ended {before}",
                )
            store.restart_period(conn, latest.id, start=start, file_id=ctx.file_id, now=ctx.now)
            return Code.LOADED
        if start <= latest.start:
            raise RecordFault(
                Code.OUT_OF_SEQUENCE,
                f"REP {duns} from {start} does not follow REP {latest.duns} from {latest.start}",
            )
        _switch(conn, ctx, latest.id, esiid=esiid, duns=duns, day=start, reason=RorReason.SWITCH)
        return Code.LOADED
    if latest is not None and latest.end is not None and start <= latest.end:
        raise RecordFault(
            Code.OUT_OF_SEQUENCE,
            f"REP {duns} from {start} overlaps a period that ended {latest.end}",
        )
    reason = RorReason.NEW if latest is None else RorReason.MOVE_IN
    store.start_period(
        conn,
        esiid=esiid,
        tdsp=ctx.tdsp.code,
        duns=duns,
        start=start,
        reason=reason,
        file_id=ctx.file_id,
        now=ctx.now,
    )
    return Code.LOADED


def apply_ror_event(conn: Connection, ctx: FileContext, rec: CsvRecord) -> Code:
    _not_future(ctx, rec, "EFFECTIVE_DATE")
    esiid, duns, day = rec.key, rec.text("DUNS"), rec.day("EFFECTIVE_DATE")
    event = rec.text("EVENT")
    latest = store.latest_period(conn, esiid)
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
    match event:
        case "NEW":
            if current is not None:
                raise RecordFault(
                    Code.ROR_CONFLICT, f"NEW for an ESIID served by REP {current.duns}"
                )
            reason = RorReason.NEW if latest is None else RorReason.MOVE_IN
            store.start_period(
                conn,
                esiid=esiid,
                tdsp=ctx.tdsp.code,
                duns=duns,
                start=day,
                reason=reason,
                file_id=ctx.file_id,
                now=ctx.now,
            )
        case "SWITCH":
            if current is None:
                raise RecordFault(Code.ROR_CONFLICT, "SWITCH for an ESIID with no REP of Record")
            if current.duns == duns:
                raise RecordFault(Code.ROR_CONFLICT, f"SWITCH to REP {duns}, already serving")
            _switch(conn, ctx, current.id, esiid=esiid, duns=duns, day=day, reason=RorReason.SWITCH)
        case "MOVE_IN":
            if current is None:
                store.start_period(
                    conn,
                    esiid=esiid,
                    tdsp=ctx.tdsp.code,
                    duns=duns,
                    start=day,
                    reason=RorReason.MOVE_IN,
                    file_id=ctx.file_id,
                    now=ctx.now,
                )
            else:
                _switch(
                    conn, ctx, current.id, esiid=esiid, duns=duns, day=day, reason=RorReason.MOVE_IN
                )
        case "MOVE_OUT":
            if current is None or current.duns != duns:
                raise RecordFault(
                    Code.ROR_CONFLICT, f"MOVE_OUT by REP {duns}, which is not the REP of Record"
                )
            store.close_period(
                conn,
                current.id,
                end=day - timedelta(days=1),
                reason=RorReason.MOVE_OUT,
                file_id=ctx.file_id,
                now=ctx.now,
            )
    return Code.LOADED


def _switch(
    conn: Connection,
    ctx: FileContext,
    period_id: int,
    *,
    esiid: str,
    duns: str,
    day: date,
    reason: RorReason,
) -> None:
    store.close_period(
        conn,
        period_id,
        end=day - timedelta(days=1),
        reason=reason,
        file_id=ctx.file_id,
        now=ctx.now,
    )
    store.start_period(
        conn,
        esiid=esiid,
        tdsp=ctx.tdsp.code,
        duns=duns,
        start=day,
        reason=reason,
        file_id=ctx.file_id,
        now=ctx.now,
    )


def apply_monthly(conn: Connection, ctx: FileContext, rec: CsvRecord) -> Code:
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
    usage, demand = rec.number("USAGE_KWH"), rec.fields["DEMAND_KW"]
    quality = rec.text("ESTIMATED_ACTUAL")
    held = store.latest_monthly(conn, esiid, start)
    revision = 1
    if held is not None:
        if (held.period_end, held.meter_number, held.usage_wh, held.demand_w, held.quality) == (
            end,
            rec.text("METER_NUMBER"),
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
    store.append_monthly(
        conn,
        {
            "esiid": esiid,
            "period_start": start,
            "revision": revision,
            "period_end": end,
            "meter_number": rec.text("METER_NUMBER"),
            "usage_wh": usage,
            "demand_w": demand,
            "quality": quality,
            "revised_at": revised_at,
            "received_at": ctx.now,
            "file_id": ctx.file_id,
        },
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
