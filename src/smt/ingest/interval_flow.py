"""IF1000: 15-minute intervals and midnight register reads (LSE), parsed, validated and
persisted a batch at a time, inside the file's transaction.

For each record the latest stored version decides: nothing stored → revision 1; different
values → the next revision, unless the TDSP's revision timestamp is older than the stored one
(05); same values → nothing (10). Register reads follow the same rule on their own.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import BinaryIO

from sqlalchemy import Connection

from smt.ingest.codes import Code
from smt.ingest.context import FileContext
from smt.ingest.faults import Rejection
from smt.ingest.inbound import read_lines
from smt.ingest.lse_records import LseReading, parse_lse
from smt.ingest.results import ResultSink
from smt.store.usage_store import (
    Row,
    StoredInterval,
    StoredRegister,
    appender_for,
    latest_intervals,
    latest_registers,
)

# (line, record key, code, message): one per record, for the journal and the sender's report.
_Result = tuple[int, str, Code, str]


def load_interval_file(
    conn: Connection,
    ctx: FileContext,
    stream: BinaryIO,
    sink: ResultSink,
    parsed: Iterator[list[LseReading | Rejection]] | None = None,
) -> None:
    """Persist an LSE file's records; `parsed` gives its batches when they were parsed
    elsewhere (on the second core), else the stream is parsed here."""
    # Keys accepted so far from this file: a later copy is a duplicate (06), whatever batch it
    # falls in. Bounded by the file's record limit.
    accepted: set[str] = set()
    batches = parsed or parse_lse(
        read_lines(stream, ctx.max_line_bytes),
        tdsp=ctx.tdsp,
        now=ctx.now,
        max_records=ctx.max_records,
        batch_records=ctx.batch_records,
    )
    for batch in batches:
        results: list[_Result] = []
        readings: list[LseReading] = []
        for item in batch:
            if isinstance(item, Rejection):
                results.append((item.line, item.key, item.code, item.message))
            else:
                readings.append(item)
        if readings:
            results.extend(_persist(conn, ctx, readings, accepted))
        results.sort(key=lambda r: r[0])  # the sender's report follows the file
        sink.record_batch(results)


def _persist(
    conn: Connection, ctx: FileContext, readings: Sequence[LseReading], accepted: set[str]
) -> list[_Result]:
    stored = latest_intervals(conn, {(r.esiid, r.day) for r in readings})
    with_registers = {(r.esiid, r.day) for r in readings if r.start_wh is not None}
    registers = latest_registers(conn, with_registers) if with_registers else {}
    appender = appender_for(conn)
    encode = appender.encoder()
    interval_rows: list[Row] = []
    register_rows: list[Row] = []
    results: list[_Result] = []
    for r in readings:
        if r.key in accepted:
            results.append(
                (r.line, r.key, Code.DUPLICATE_IN_FILE, f"{r.key} appears earlier in this file")
            )
            continue
        held = stored.get((r.esiid, r.day, r.channel))
        revision = _next_revision(held, r)
        if revision is None:
            assert held is not None  # noqa: S101 - only a held version can be newer
            results.append(
                (r.line, r.key, Code.NEWER_VERSION_LOADED, _newer_message(held.revision, held, r))
            )
            continue
        register_revision: int | None = 0
        if r.start_wh is not None and r.end_wh is not None:
            held_register = registers.get((r.esiid, r.day))
            register_revision = _next_register_revision(held_register, r)
            if register_revision is None:
                if revision == 0:
                    assert held_register is not None  # noqa: S101
                    results.append(
                        (
                            r.line,
                            r.key,
                            Code.NEWER_VERSION_LOADED,
                            _newer_message(
                                held_register.revision, held_register, r, "register read"
                            ),
                        )
                    )
                    continue
                register_revision = 0  # new intervals beside a stale register: keep intervals
        accepted.add(r.key)
        if revision:
            interval_rows.append(
                (
                    r.esiid,
                    encode(r.day),
                    r.channel,  # a str enum: stored as its letter
                    revision,
                    len(r.qualities),
                    r.packed,
                    r.qualities,
                    r.total_wh,
                    encode(r.revised_at),
                    ctx.file_id,
                )
            )
        if register_revision and r.start_wh is not None and r.end_wh is not None:
            register_rows.append(
                (
                    r.esiid,
                    encode(r.day),
                    register_revision,
                    r.start_wh,
                    r.end_wh,
                    r.end_wh - r.start_wh,
                    encode(r.revised_at),
                    ctx.file_id,
                )
            )
        loaded = bool(revision or register_revision)
        results.append((r.line, r.key, Code.LOADED if loaded else Code.UNCHANGED, ""))
    appender.append_intervals(conn, interval_rows)
    appender.append_registers(conn, register_rows)
    return results


def _next_revision(held: StoredInterval | None, r: LseReading) -> int | None:
    """1 for a first version, 0 for nothing new, None for an older version than held."""
    if held is None:
        return 1
    if held.values_wh == r.packed and held.qualities == r.qualities:
        return 0
    if r.revised_at < held.revised_at:
        return None
    return held.revision + 1


def _next_register_revision(held: StoredRegister | None, r: LseReading) -> int | None:
    if held is None:
        return 1
    if (held.start_wh, held.end_wh) == (r.start_wh, r.end_wh):
        return 0
    if r.revised_at < held.revised_at:
        return None
    return held.revision + 1


def _newer_message(
    revision: int, held: StoredInterval | StoredRegister, r: LseReading, what: str = "intervals"
) -> str:
    return (
        f"{what}: revision {revision} (TDSP time {held.revised_at.isoformat()}) is newer "
        f"than this one ({r.revised_at.isoformat()})"
    )
