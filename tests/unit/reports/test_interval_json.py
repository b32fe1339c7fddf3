"""The JSON interval report is built from strings for speed; it must be exactly what encoding
each day as a dict with json.dumps writes, for every kind of day and value."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smt.domain.central_time import slot_count
from smt.domain.channel import Channel
from smt.domain.interval_day import MAX_SLOT_WH
from smt.formats.lse import format_kwh
from smt.reports.writers import ReportFormat, interval_json, write_interval_report
from smt.usage.service import IntervalVersion

ESIID = "10443720000000001"


def reference(v: IntervalVersion) -> str:
    """The report's item as a dict, encoded by json.dumps (the writer's former code)."""
    item: dict[str, Any] = {
        "esiid": v.esiid,
        "date": v.day.isoformat(),
        "channel": v.channel.value,
        "revision": v.revision,
        "latest": v.latest,
        "revised_at": v.revised_at.isoformat(),
        "received_at": v.received_at.isoformat(),
        "kwh": [
            None if q == "M" else format_kwh(w)
            for w, q in zip(v.values_wh, v.qualities, strict=True)
        ],
        "qualities": v.qualities,
    }
    return json.dumps(item, separators=(",", ":"))


@st.composite
def versions(draw: st.DrawFn) -> IntervalVersion:
    # The DST days have 92 and 100 slots.
    day = draw(st.sampled_from([date(2026, 3, 8), date(2026, 11, 1), date(2026, 7, 14)]))
    n = slot_count(day)
    qualities = draw(
        st.text(alphabet="AAAE" + draw(st.sampled_from(["", "M"])), min_size=n, max_size=n)
    )
    # Small values come from a lookup table, larger ones are formatted: both, and the edges.
    value = st.one_of(
        st.integers(0, 20_000), st.sampled_from([0, 16_383, 16_384, 999, 1000, MAX_SLOT_WH])
    )
    values = tuple(0 if q == "M" else draw(value) for q in qualities)
    bounds = datetime(2020, 1, 1), datetime(2030, 1, 1)  # noqa: DTZ001 - hypothesis wants naive
    revised = draw(st.datetimes(*bounds, timezones=st.just(UTC)))
    return IntervalVersion(
        ESIID,
        day,
        draw(st.sampled_from(Channel)),
        draw(st.integers(1, 300)),
        values,
        qualities,
        revised,
        revised + timedelta(microseconds=draw(st.integers(0, 10**9))),
        latest=draw(st.booleans()),
    )


@given(versions())
def test_one_day_is_what_json_dumps_writes(v: IntervalVersion) -> None:
    assert interval_json(v) == reference(v)
    assert json.loads(interval_json(v))["kwh"] == json.loads(reference(v))["kwh"]


@given(st.lists(versions(), max_size=4))
def test_the_report_is_what_json_dumps_writes(days: list[IntervalVersion]) -> None:
    out = io.StringIO()
    count = write_interval_report(out, days, ReportFormat.JSON)
    assert count == len(days)
    assert out.getvalue() == '{"intervals":[' + ",".join(map(reference, days)) + "]}\n"


def test_values_and_qualities_must_pair_up() -> None:
    now = datetime.now(UTC)
    short = IntervalVersion(
        ESIID, date(2026, 7, 14), Channel.CONSUMPTION, 1, (1,) * 95, "A" * 96, now, now, latest=True
    )
    with pytest.raises(ValueError, match="95 values but 96 qualities"):
        interval_json(short)


def test_an_instant_keeps_its_own_offset_after_an_equal_one_in_utc() -> None:
    """Texts of instants are converted once and reused; equal instants in other zones hash
    alike, so only UTC ones may share a text."""
    utc = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    cdt = utc.astimezone(timezone(timedelta(hours=-5)))
    day = date(2026, 7, 14)
    texts = []
    for instant in (utc, cdt, utc):
        v = IntervalVersion(
            ESIID, day, Channel.CONSUMPTION, 1, (1,) * 96, "A" * 96, instant, instant, latest=True
        )
        texts.append(json.loads(interval_json(v))["revised_at"])
        assert interval_json(v) == reference(v)
    assert texts == ["2026-11-01T06:30:00+00:00", "2026-11-01T01:30:00-05:00", texts[0]]
