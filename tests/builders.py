"""Builders of inbound files for tests, written through the project's own format writers."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from smt.domain.central_time import slot_count
from smt.domain.channel import Channel
from smt.domain.interval_day import unpack_wh
from smt.domain.tdsp import Tdsp, tdsp_by_code
from smt.formats.file_names import InboundKind, InboundName
from smt.formats.lse import LseRecord, write_lse
from smt.formats.tdsp_csv import write_tdsp_csv
from smt.store.schema import interval_day, register_read

# Noon in Central time on the day after Thanksgiving 2026: every test's "now".
NOW = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
ONCOR = tdsp_by_code("ONCOR")
CNP = tdsp_by_code("CNP")
ESIID = "10443720000000001"
ESIID_2 = "10443720000000002"
CNP_ESIID = "1008901000000000000001"
DATA = Path(__file__).parent / "data"

_counter = iter(range(1, 10**6))


def inbound_name(
    kind: InboundKind,
    *,
    tdsp: Tdsp = ONCOR,
    created: datetime | None = None,
    counter: int | None = None,
) -> str:
    created = created or NOW - timedelta(hours=6)
    return InboundName(tdsp.duns, kind, created, counter or next(_counter) % 1000).render()


def day_record(
    esiid: str = ESIID,
    day: date = date(2026, 11, 20),
    *,
    channel: Channel = Channel.CONSUMPTION,
    base: int = 100,
    quality: str = "A",
    revised_at: datetime | None = None,
    registers: bool = True,
) -> LseRecord:
    n = slot_count(day)
    values = [base + i for i in range(n)]
    start = 1_000_000
    with_registers = registers and channel is Channel.CONSUMPTION
    return LseRecord(
        esiid,
        channel,
        day,
        revised_at or NOW - timedelta(days=1),
        values,
        quality * n,
        start if with_registers else None,
        start + sum(values) if with_registers else None,
    )


def write_lse_file(
    folder: Path,
    records: Sequence[LseRecord],
    *,
    tdsp: Tdsp = ONCOR,
    created: datetime | None = None,
) -> Path:
    path = folder / inbound_name(InboundKind.INTERVAL, tdsp=tdsp, created=created)
    with path.open("w", encoding="utf-8", newline="") as out:
        write_lse(out, records)
    return path


def write_csv_file(
    folder: Path,
    kind: InboundKind,
    rows: Sequence[Sequence[str]],
    *,
    tdsp: Tdsp = ONCOR,
    created: datetime | None = None,
) -> Path:
    path = folder / inbound_name(kind, tdsp=tdsp, created=created)
    with path.open("w", encoding="utf-8", newline="") as out:
        write_tdsp_csv(out, kind, rows)
    return path


def place_sample(
    sample: str, folder: Path, kind: InboundKind = InboundKind.INTERVAL, *, tdsp: Tdsp = ONCOR
) -> Path:
    """Copy a sample from tests/data under a conforming inbound file name."""
    path = folder / inbound_name(kind, tdsp=tdsp)
    shutil.copyfile(DATA / sample, path)
    return path


def revisions(engine: Engine, esiid: str = ESIID) -> list[tuple[date, str, int, tuple[int, ...]]]:
    t = interval_day.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.local_date, t.channel, t.revision, t.values_wh)
            .where(t.esiid == esiid)
            .order_by(t.local_date, t.channel, t.revision)
        ).all()
    return [(d, c, r, unpack_wh(v)) for d, c, r, v in rows]


def register_rows(engine: Engine, esiid: str = ESIID) -> list[tuple[date, int, int, int]]:
    t = register_read.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.read_date, t.revision, t.start_wh, t.end_wh)
            .where(t.esiid == esiid)
            .order_by(t.read_date, t.revision)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]
