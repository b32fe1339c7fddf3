"""Central prevailing time: the DST rules every usage day depends on."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from smt.domain.central_time import (
    format_central_timestamp,
    local_midnight,
    parse_central_timestamp,
    parse_compact_date,
    slot_count,
    slot_start,
    today_in_central,
)


@pytest.mark.parametrize(
    ("day", "slots"),
    [
        (date(2026, 3, 8), 92),  # spring forward: 02:00 CST becomes 03:00 CDT
        (date(2026, 11, 1), 100),  # fall back: 01:00-01:59 happens twice
        (date(2025, 3, 9), 92),
        (date(2025, 11, 2), 100),
        (date(2026, 3, 7), 96),
        (date(2026, 3, 9), 96),
        (date(2026, 10, 31), 96),
        (date(2026, 11, 2), 96),
        (date(2026, 7, 4), 96),
        (date(2024, 2, 29), 96),
        (date(2007, 3, 11), 92),  # the first year of the current US rule
        (date(2006, 4, 2), 92),  # the rule before 2007
    ],
)
def test_slots_per_day(day: date, slots: int) -> None:
    assert slot_count(day) == slots


def test_fall_back_slots_repeat_the_one_oclock_hour_in_standard_time() -> None:
    day = date(2026, 11, 1)
    assert slot_start(day, 4) == datetime(2026, 11, 1, 6, 0, tzinfo=UTC)  # 01:00 CDT
    assert slot_start(day, 8) == datetime(2026, 11, 1, 7, 0, tzinfo=UTC)  # 01:00 CST
    assert slot_start(day, 99) == datetime(2026, 11, 2, 5, 45, tzinfo=UTC)  # 23:45 CST
    with pytest.raises(ValueError, match="slot 100"):
        slot_start(day, 100)


def test_spring_forward_slot_8_is_three_oclock() -> None:
    day = date(2026, 3, 8)
    assert slot_start(day, 7) == datetime(2026, 3, 8, 7, 45, tzinfo=UTC)  # 01:45 CST
    assert slot_start(day, 8) == datetime(2026, 3, 8, 8, 0, tzinfo=UTC)  # 03:00 CDT
    assert local_midnight(day) == datetime(2026, 3, 8, 6, 0, tzinfo=UTC)


def test_today_is_the_central_date() -> None:
    assert today_in_central(datetime(2026, 11, 27, 5, 59, tzinfo=UTC)) == date(2026, 11, 26)
    assert today_in_central(datetime(2026, 11, 27, 6, 0, tzinfo=UTC)) == date(2026, 11, 27)
    assert today_in_central(datetime(2026, 7, 1, 4, 59, tzinfo=UTC)) == date(2026, 6, 30)
    with pytest.raises(ValueError, match="naive"):
        today_in_central(datetime(2026, 11, 27))  # noqa: DTZ001


def test_market_timestamps() -> None:
    assert parse_central_timestamp("20261126062205") == datetime(
        2026, 11, 26, 12, 22, 5, tzinfo=UTC
    )
    # The repeated hour is read as its first (daylight) occurrence.
    assert parse_central_timestamp("20261101013000") == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="does not exist"):
        parse_central_timestamp("20260308023000")
    for bad in ("2026112606220", "2026-11-26 06:", "20261326062205", "20261126256000"):
        with pytest.raises(ValueError, match="is not"):
            parse_central_timestamp(bad)
    instant = datetime(2026, 7, 1, 17, 0, tzinfo=UTC)
    assert format_central_timestamp(instant) == "20260701120000"
    assert parse_central_timestamp(format_central_timestamp(instant)) == instant


def test_compact_dates() -> None:
    assert parse_compact_date("20260228") == date(2026, 2, 28)
    for bad in ("20260231", "2026022", "2026-02-28", "abcdefgh"):
        with pytest.raises(ValueError, match=r"^date .* (is not YYYYMMDD|does not exist)"):
            parse_compact_date(bad)
