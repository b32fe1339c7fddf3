"""SMT's 15-minute interval CSV, as SMT exports it (reference/smt-interfaces.md section 5.1):

    ESIID,USAGE_DATE,REVISION_DATE,USAGE_START_TIME,USAGE_END_TIME,USAGE_KWH,ESTIMATED_ACTUAL,CONSUMPTION_SURPLUSGENERATION
    '10443720004000001,07/01/2025,07/02/2025 07:37:17,00:00,00:15,0.580,A,Consumption

The ESIID carries a leading apostrophe (a spreadsheet text guard); a day's last interval ends
`00:00` under the same USAGE_DATE; times are Central prevailing time. DST days look as SMT's do:
the spring-forward day has 96 rows, the four of the missing hour with empty kWh and flag; the
fall-back day has 100 rows, and the first row of the repeated hour starts `02:00` and ends
`01:15` (SMT's own quirk: identify rows by their order, not their labels). A missing interval
(quality M) has empty kWh and flag.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import TextIO

from smt.domain.central_time import CENTRAL, NORMAL_DAY_SLOTS, slot_count, slot_start
from smt.formats.lse import format_kwh
from smt.usage.service import IntervalVersion

HEADER = (
    "ESIID",
    "USAGE_DATE",
    "REVISION_DATE",
    "USAGE_START_TIME",
    "USAGE_END_TIME",
    "USAGE_KWH",
    "ESTIMATED_ACTUAL",
    "CONSUMPTION_SURPLUSGENERATION",
)
QUARTER = timedelta(minutes=15)


def _label(minutes: int) -> str:
    minutes %= 24 * 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _rows_of_day(version: IntervalVersion) -> Iterator[tuple[str, str, str, str]]:
    """(start, end, kWh, flag) for each row of the day, in SMT's order and labels."""
    day, values, qualities = version.day, version.values_wh, version.qualities

    def cell(slot: int) -> tuple[str, str]:
        if qualities[slot] == "M":
            return "", ""
        return format_kwh(values[slot]), qualities[slot]

    slots = slot_count(day)
    if slots < NORMAL_DAY_SLOTS:
        # Spring forward: 96 wall-clock rows; those of the hour that never was stay empty.
        by_wall = {}
        for slot in range(slots):
            local = slot_start(day, slot).astimezone(CENTRAL)
            by_wall[local.hour * 60 + local.minute] = slot
        for row in range(NORMAL_DAY_SLOTS):
            found = by_wall.get(row * 15)
            kwh, flag = cell(found) if found is not None else ("", "")
            yield _label(row * 15), _label(row * 15 + 15), kwh, flag
        return
    carried: str | None = None
    for slot in range(slots):
        begins = slot_start(day, slot)
        local, after = begins.astimezone(CENTRAL), (begins + QUARTER).astimezone(CENTRAL)
        start_minutes = local.hour * 60 + local.minute
        end_minutes = after.hour * 60 + after.minute
        label, carried = carried or _label(start_minutes), None
        if slot < slots - 1 and end_minutes < start_minutes:
            # The clocks go back at this row's end: SMT labels the end 02:00 as if they did
            # not, and the first row of the repeated hour starts there.
            end = carried = _label(start_minutes + 15)
        else:
            end = _label(end_minutes)
        kwh, flag = cell(slot)
        yield label, end, kwh, flag


def write_intervals(out: TextIO, versions: Iterable[IntervalVersion]) -> int:
    """Write the header and every row; returns the number of rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    count = 0
    for version in versions:
        usage_date = version.day.strftime("%m/%d/%Y")
        revised = version.revised_at.astimezone(CENTRAL).strftime("%m/%d/%Y %H:%M:%S")
        esiid, label = f"'{version.esiid}", version.channel.label
        for start, end, kwh, flag in _rows_of_day(version):
            writer.writerow((esiid, usage_date, revised, start, end, kwh, flag, label))
            count += 1
    return count
