"""IF1000: 15-minute intervals and midnight register reads (LSE), parsed, validated and
persisted a batch at a time, inside the file's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import BinaryIO

from sqlalchemy import Connection

from smt.ingest.codes import Code
from smt.ingest.context import FileContext
from smt.ingest.faults import Rejection
from smt.ingest.inbound import read_lines
from smt.ingest.lse_records import LseReading, parse_lse
from smt.ingest.results import ResultSink
from smt.store.usage_store import Row, appender_for, latest_intervals, latest_registers


def load_interval_file(
    conn: Connection, ctx: FileContext, stream: BinaryIO, sink: ResultSink
) -> None:
    lines = read_lines(stream, ctx.max_line_bytes)
    for batch in parse_lse(
        lines,
        tdsp=ctx.tdsp,
        now=ctx.now,
        max_records=ctx.max_records,
        batch_records=ctx.batch_records,
    ):
        readings: list[LseReading] = []
        for item in batch:
            if isinstance(item, Rejection):
                sink.rejected(item.line, item.key, item.code, item.message)
            else:
                readings.append(item)
        if readings:
            _persist(conn, ctx, readings, sink)


def _persist(
    conn: Connection, ctx: FileContext, readings: Sequence[LseReading], sink: ResultSink
) -> None:
    stored = latest_intervals(conn, {(r.esiid, r.day) for r in readings})
    with_registers = {(r.esiid, r.day) for r in readings if r.start_wh is not None}
    registers = latest_registers(conn, with_registers) if with_registers else {}
    interval_rows: list[Row] = []
    register_rows: list[Row] = []
    accepted: set[tuple[str, object, str]] = set()
    received = ctx.now
    for r in readings:
        key = (r.esiid, r.day, r.channel.value)
        held = stored.get(key)
        if key in accepted or (held is not None and held.file_id == ctx.file_id):
            sink.rejected(
                r.line, r.key, Code.DUPLICATE_IN_FILE, f"{r.key} appears earlier in this file"
            )
            continue
        revision = 1
        if held is not None:
            if held.values_wh == r.packed and held.qualities == r.qualities:
                revision = 0
            elif r.revised_at < held.revised_at:
                sink.rejected(
                    r.line,
                    r.key,
                    Code.NEWER_VERSION_LOADED,
                    f"revision {held.revision} (TDSP time {held.revised_at.isoformat()}) is "
                    f"newer than this one ({r.revised_at.isoformat()})",
                )
                continue
            else:
                revision = held.revision + 1
        accepted.add(key)
        changed = revision > 0
        if changed:
            interval_rows.append(
                (
                    r.esiid,
                    r.day,
                    r.channel.value,
                    revision,
                    len(r.qualities),
                    r.packed,
                    r.qualities,
                    r.total_wh,
                    r.revised_at,
                    received,
                    ctx.file_id,
                )
            )
        if r.start_wh is not None and r.end_wh is not None:
            held_register = registers.get((r.esiid, r.day))
            register_revision = 1
            if held_register is not None:
                same = (held_register.start_wh, held_register.end_wh) == (r.start_wh, r.end_wh)
                if same or r.revised_at < held_register.revised_at:
                    register_revision = 0  # nothing new, or older than what is held
                else:
                    register_revision = held_register.revision + 1
            if register_revision:
                register_rows.append(
                    (
                        r.esiid,
                        r.day,
                        register_revision,
                        r.start_wh,
                        r.end_wh,
                        r.end_wh - r.start_wh,
                        r.revised_at,
                        received,
                        ctx.file_id,
                    )
                )
                changed = True
        if changed:
            sink.accepted(r.line, r.key, Code.LOADED)
        else:
            sink.accepted(r.line, r.key, Code.UNCHANGED)
    appender = appender_for(conn)
    appender.append_intervals(conn, interval_rows)
    appender.append_registers(conn, register_rows)
