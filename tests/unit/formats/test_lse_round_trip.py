"""LSE write then read is the identity, for any valid day (hypothesis)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from smt.domain.central_time import (
    format_central_timestamp,
    parse_central_timestamp,
    slot_count,
)
from smt.domain.channel import Channel
from smt.domain.tdsp import tdsp_by_code
from smt.formats.file_names import InboundKind, InboundName, parse_inbound_name
from smt.formats.lse import LseRecord, write_lse
from smt.ingest.faults import Rejection
from smt.ingest.inbound import read_lines
from smt.ingest.lse_records import as_record, parse_lse

NOW = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
ONCOR = tdsp_by_code("ONCOR")


@st.composite
def lse_records(draw: st.DrawFn) -> LseRecord:
    day = draw(st.dates(min_value=date(2006, 1, 1), max_value=date(2026, 11, 26)))
    n = slot_count(day)
    qualities = "".join(draw(st.lists(st.sampled_from("AAAAEM"), min_size=n, max_size=n)))
    big = st.integers(min_value=0, max_value=2**31 - 1)
    small = st.integers(min_value=0, max_value=5000)
    values = [0 if q == "M" else draw(st.one_of(small, big)) for q in qualities]
    channel = draw(st.sampled_from(Channel))
    esiid = draw(st.sampled_from(ONCOR.esiid_prefixes)).ljust(16, "0") + draw(
        st.sampled_from("0123456789")
    )
    registers: tuple[int | None, int | None] = (None, None)
    if channel is Channel.CONSUMPTION and draw(st.booleans()):
        start = draw(st.integers(min_value=0, max_value=10**12))
        registers = (start, start + draw(st.integers(min_value=0, max_value=10**6)))
    seconds = draw(st.integers(min_value=0, max_value=10**7))
    revised = (NOW - timedelta(seconds=seconds)).replace(microsecond=0)
    return LseRecord(esiid, channel, day, revised, values, qualities, *registers)


def read_back(text: str) -> list[LseRecord]:
    stream = io.BytesIO(text.encode())
    out: list[LseRecord] = []
    for batch in parse_lse(
        read_lines(stream, 64 * 1024), tdsp=ONCOR, now=NOW, max_records=50_000, batch_records=7
    ):
        for item in batch:
            assert not isinstance(item, Rejection), item
            out.append(as_record(item))
    return out


@settings(max_examples=150, deadline=None)
@given(st.lists(lse_records(), min_size=0, max_size=12, unique_by=lambda r: (r.day, r.channel)))
def test_write_then_read_is_the_identity(records: list[LseRecord]) -> None:
    text = io.StringIO()
    write_lse(text, records)
    back = read_back(text.getvalue())
    assert [_canon(r) for r in back] == [_canon(r, as_written=True) for r in records]


def _canon(record: LseRecord, *, as_written: bool = False) -> tuple[object, ...]:
    revised = record.revised_at
    if as_written:
        # Market timestamps carry no offset: an instant in the second pass of the repeated
        # fall-back hour is written like the first pass and reads back as the first.
        revised = parse_central_timestamp(format_central_timestamp(revised))
    return (
        record.esiid,
        record.channel,
        record.day,
        revised,
        tuple(record.values_wh),
        record.qualities,
        record.start_register_wh,
        record.end_register_wh,
    )


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
        max_value=datetime(2099, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    st.integers(min_value=0, max_value=999),
    st.sampled_from(InboundKind),
)
def test_inbound_names_round_trip(created: datetime, counter: int, kind: InboundKind) -> None:
    name = InboundName("957877905", kind, created.replace(microsecond=0), counter)
    parsed = parse_inbound_name(name.render())
    assert parsed is not None
    # A name in the repeated fall-back hour reads back as its first occurrence.
    assert parsed.render() == name.render()
    assert (parsed.kind, parsed.counter, parsed.sender_duns) == (kind, counter, "957877905")
