"""SMT's 15-minute CSV: golden files for a normal day with both channels, missing and
estimated intervals, and the two DST days as SMT writes them."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from smt.domain.central_time import slot_count
from smt.domain.channel import Channel
from smt.reports.smt_csv import HEADER, write_intervals
from smt.usage.service import IntervalVersion

GOLDEN = Path(__file__).parents[2] / "data" / "reports"
ESIID = "10443720000000001"
REVISED = datetime(2026, 11, 2, 13, 22, 5, tzinfo=UTC)  # 07:22:05 Central


def version(
    day: date, channel: Channel = Channel.CONSUMPTION, *, qualities: str | None = None
) -> IntervalVersion:
    n = slot_count(day)
    values = tuple(0 if (qualities and qualities[i] == "M") else 100 + 7 * i for i in range(n))
    return IntervalVersion(
        ESIID, day, channel, 1, values, qualities or "A" * n, REVISED, REVISED, latest=True
    )


def render(*versions: IntervalVersion) -> str:
    out = io.StringIO()
    write_intervals(out, versions)
    return out.getvalue()


CASES = {
    "smt_csv_fall_dst_100_rows.csv": (version(date(2026, 11, 1)),),
    "smt_csv_spring_dst_96_rows_4_empty.csv": (version(date(2026, 3, 8)),),
    "smt_csv_both_channels_estimated_and_missing.csv": (
        version(date(2026, 7, 1), qualities="A" * 40 + "EEEE" + "M" + "A" * 51),
        version(date(2026, 7, 1), Channel.SURPLUS_GENERATION),
    ),
}


@pytest.mark.parametrize("golden", sorted(CASES))
def test_matches_the_golden_file(golden: str) -> None:
    assert render(*CASES[golden]) == (GOLDEN / golden).read_text(encoding="utf-8")


def test_the_conventions_of_smts_export() -> None:
    fall = render(version(date(2026, 11, 1))).splitlines()
    spring = render(version(date(2026, 3, 8))).splitlines()
    assert fall[0] == ",".join(HEADER)
    assert len(fall) == 1 + 100
    assert len(spring) == 1 + 96
    first = fall[1].split(",")
    assert first[:5] == [
        "'10443720000000001",
        "11/01/2026",
        "11/02/2026 07:22:05",
        "00:00",
        "00:15",
    ]
    assert [row.split(",")[3:5] for row in fall[8:14]] == [
        ["01:45", "02:00"],
        ["02:00", "01:15"],
        ["01:15", "01:30"],
        ["01:30", "01:45"],
        ["01:45", "02:00"],
        ["02:00", "02:15"],
    ]
    assert fall[-1].split(",")[3:5] == ["23:45", "00:00"]
    assert [row.split(",")[3:7] for row in spring[9:13]] == [
        ["02:00", "02:15", "", ""],
        ["02:15", "02:30", "", ""],
        ["02:30", "02:45", "", ""],
        ["02:45", "03:00", "", ""],
    ]
    assert spring[13].split(",")[3:7] == ["03:00", "03:15", "0.156", "A"]
