"""UTCTime and Central wall clocks (reference/han-sep1.md section 10): DST's missing hour and
repeated hour are refused unless an offset disambiguates."""

from __future__ import annotations

from datetime import UTC

import pytest

from smt.han.utc_time import InvalidLocalTime, from_utc_time, parse_central, to_utc_time


@pytest.mark.parametrize(
    ("text", "utc_time"),
    [
        ("2026-01-15T16:00", 821829600),
        ("2026-01-15T16:00-06:00", 821829600),
        ("2026-07-15T15:00", 837460800),
        ("2026-07-15T16:00-05:00", 837464400),
        ("2026-07-15T18:00", 837471600),
        ("2026-11-01T01:30-05:00", 846829800),
        ("2026-11-01T01:30-06:00", 846833400),
    ],
)
def test_central_times_map_to_the_reference_utc_times(text: str, utc_time: int) -> None:
    instant = parse_central(text)
    assert to_utc_time(instant) == utc_time
    # compared in UTC: aware times inside the repeated hour never equal across zones (PEP 495)
    assert from_utc_time(utc_time) == instant.astimezone(UTC)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2026-03-08T02:30", "does not exist in Central time"),
        ("2026-03-08T02:30-06:00", "is not a Central time"),
        ("2026-03-08T02:30-05:00", "is not a Central time"),
        ("2026-11-01T01:30", "happens twice in Central time"),
        ("2026-07-15T16:00-06:00", "is not a Central time"),
        ("2026-07-15T16:00Z", "is not a Central time"),
        ("tomorrow at four", "not an ISO 8601 time"),
        ("1999-12-31T17:00", "outside Smart Energy's time range"),
    ],
)
def test_times_that_are_not_one_central_instant_are_refused(text: str, problem: str) -> None:
    with pytest.raises(InvalidLocalTime, match=problem):
        to_utc_time(parse_central(text))
