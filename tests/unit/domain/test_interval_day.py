"""IntervalDay: exact values, DST slot counts, qualities; REP of Record periods."""

from __future__ import annotations

from datetime import date

import pytest

from smt.domain.channel import Channel
from smt.domain.interval_day import IntervalDay, InvalidIntervalDay, pack_wh, unpack_wh
from smt.domain.rep_of_record import RepOfRecord, RorReason

ESIID = "10443720000000001"


def test_a_day_holds_exact_watt_hours_and_packs_losslessly() -> None:
    day = IntervalDay(
        ESIID, date(2026, 11, 1), Channel.CONSUMPTION, tuple(range(100)), "A" * 98 + "EE"
    )
    assert day.total_wh == sum(range(100))
    assert len(day.packed) == 400
    again = IntervalDay.from_packed(
        esiid=ESIID, day=day.day, channel=day.channel, packed=day.packed, qualities=day.qualities
    )
    assert again == day
    assert again.same_readings(day)
    assert unpack_wh(pack_wh([0, 2**31 - 1])) == (0, 2**31 - 1)


@pytest.mark.parametrize(
    ("day", "count", "message"),
    [
        (date(2026, 3, 8), 96, "has 92 slots"),
        (date(2026, 11, 1), 96, "has 100 slots"),
        (date(2026, 11, 2), 100, "has 96 slots"),
    ],
)
def test_the_slot_count_must_fit_the_date(day: date, count: int, message: str) -> None:
    with pytest.raises(InvalidIntervalDay, match=message):
        IntervalDay(ESIID, day, Channel.CONSUMPTION, (1,) * count, "A" * count)


@pytest.mark.parametrize(
    ("values", "qualities", "message"),
    [
        ((-1,) + (0,) * 95, "A" * 96, "out of range"),
        ((2**31,) + (0,) * 95, "A" * 96, "out of range"),
        ((5,) + (0,) * 95, "M" + "A" * 95, "missing interval carries no value"),
        ((0,) * 96, "X" * 96, "A, E or M"),
        ((0,) * 96, "A" * 95, "95 qualities"),
    ],
)
def test_invalid_days(values: tuple[int, ...], qualities: str, message: str) -> None:
    with pytest.raises(InvalidIntervalDay, match=message):
        IntervalDay(ESIID, date(2026, 11, 20), Channel.CONSUMPTION, values, qualities)


def test_channels_map_to_lse_codes_and_smt_labels() -> None:
    assert Channel.from_lse_code("4") is Channel.CONSUMPTION
    assert Channel.from_lse_code("1") is Channel.SURPLUS_GENERATION
    assert Channel.CONSUMPTION.lse_code == "4"
    assert Channel.SURPLUS_GENERATION.label == "Surplus Generation"
    with pytest.raises(ValueError, match="neither"):
        Channel.from_lse_code("2")


def test_a_rep_of_record_period_covers_its_days_inclusive() -> None:
    old = RepOfRecord(
        ESIID, "111111111", date(2024, 1, 1), date(2026, 3, 2), RorReason.NEW, RorReason.SWITCH
    )
    new = RepOfRecord(ESIID, "222222222", date(2026, 3, 3), None, RorReason.SWITCH)
    assert old.covers(date(2026, 3, 2))
    assert not old.covers(date(2026, 3, 3))
    assert new.covers(date(2026, 3, 3))
    assert not new.covers(date(2026, 3, 2))
    assert new.covers(date(2099, 1, 1))
    with pytest.raises(ValueError, match="before it starts"):
        RepOfRecord(ESIID, "111111111", date(2026, 3, 3), date(2026, 3, 2), RorReason.NEW)
