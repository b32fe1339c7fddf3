"""Report writers for each kind of usage and format. The interval CSV is SMT's own layout
(smt_csv.py); the daily and monthly CSVs are the project's (SMT's are not public) and are
documented in docs/formats/reports.md; LSE is the inbound layout (smt.formats.lse); JSON is
one object per day or bill."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import cache, lru_cache
from json.encoder import encode_basestring_ascii  # the C function json.dumps uses
from typing import Any, TextIO

from smt.domain.central_time import CENTRAL
from smt.formats.lse import LseRecord, format_kwh, format_record, format_trailer
from smt.reports.smt_csv import write_intervals
from smt.usage.service import IntervalVersion, MonthlyVersion, RegisterVersion

DAILY_HEADER = (
    "ESIID",
    "READ_DATE",
    "REVISION_DATE",
    "START_READING_KWH",
    "END_READING_KWH",
    "USAGE_KWH",
)
MONTHLY_HEADER = (
    "ESIID",
    "METER_NUMBER",
    "START_DATE",
    "END_DATE",
    "REVISION_DATE",
    "USAGE_KWH",
    "DEMAND_KW",
    "ESTIMATED_ACTUAL",
)


class ReportFormat(StrEnum):
    CSV = "csv"
    LSE = "lse"
    JSON = "json"

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self]


MEDIA_TYPES = {
    ReportFormat.CSV: "text/csv",
    ReportFormat.LSE: "text/plain",  # ERCOT's LSE is comma-separated text of its own layout
    ReportFormat.JSON: "application/json",
}


# Compact: json.dumps without indent runs in C, several times faster than json.dump.
COMPACT = (",", ":")


def _write_json(out: TextIO, key: str, items: Iterable[dict[str, Any]]) -> int:
    """`{"key":[item,...]}` written item by item: memory stays flat however large the report."""
    out.write(f'{{"{key}":[')
    count = 0
    for item in items:
        if count:
            out.write(",")
        out.write(json.dumps(item, separators=COMPACT))
        count += 1
    out.write("]}\n")
    return count


def _write_json_texts(out: TextIO, key: str, items: Iterable[str]) -> int:
    """`{"key":[item,...]}` from items already encoded as JSON."""
    out.write(f'{{"{key}":[')
    count = 0
    for item in items:
        if count:
            out.write(",")
        out.write(item)
        count += 1
    out.write("]}\n")
    return count


# kWh texts of the watt-hours a slot usually holds, looked up instead of formatted: a 40-day
# answer has thousands of values. Larger values are formatted as they come.
_KWH_TABLE_SIZE = 1 << 14


@cache  # built whole on first use, so that no thread sees it half filled
def _kwh_table() -> dict[int, str]:
    return {wh: format_kwh.__wrapped__(wh) for wh in range(_KWH_TABLE_SIZE)}


def _kwh_json(values_wh: tuple[int, ...], qualities: str) -> str:
    """The `kwh` array of one day: a string per value, null where the interval is missing."""
    if "M" in qualities:
        return json.dumps(
            [
                None if q == "M" else format_kwh(w)
                for w, q in zip(values_wh, qualities, strict=True)
            ],
            separators=COMPACT,
        )
    if len(values_wh) != len(qualities):
        raise ValueError(f"{len(values_wh)} values but {len(qualities)} qualities")
    if not values_wh:
        return "[]"
    try:
        texts = '","'.join(map(_kwh_table().__getitem__, values_wh))
    except KeyError:  # a value beyond the table
        texts = '","'.join(map(format_kwh, values_wh))
    return f'["{texts}"]'


# The same few texts recur across rows and answers: one ESIID per answer, a date per day, an
# instant per TDSP file (every ESIID of a day's file shares its received_at). Converted once.
_json_text = lru_cache(maxsize=4096)(encode_basestring_ascii)
_day_text = lru_cache(maxsize=4096)(date.isoformat)
_utc_text = lru_cache(maxsize=8192)(datetime.isoformat)


def _instant_text(instant: datetime) -> str:
    # Aware datetimes equal across zones hash alike: only UTC ones share the cache.
    return _utc_text(instant) if instant.tzinfo is UTC else instant.isoformat()


def interval_json(v: IntervalVersion) -> str:
    """One interval day as the compact JSON object `json.dumps` would write, built from
    strings: the same bytes at a fraction of the cost."""
    return (
        f'{{"esiid":{_json_text(v.esiid)},"date":"{_day_text(v.day)}",'
        f'"channel":{_json_text(v.channel.value)},"revision":{int(v.revision)},'
        f'"latest":{"true" if v.latest else "false"},'
        f'"revised_at":"{_instant_text(v.revised_at)}",'
        f'"received_at":"{_instant_text(v.received_at)}",'
        f'"kwh":{_kwh_json(v.values_wh, v.qualities)},'
        f'"qualities":{encode_basestring_ascii(v.qualities)}}}'
    )


def _date(day: date) -> str:
    return day.strftime("%m/%d/%Y")


def _stamp(instant: datetime) -> str:
    return instant.astimezone(CENTRAL).strftime("%m/%d/%Y %H:%M:%S")


def write_interval_report(
    out: TextIO, versions: Iterable[IntervalVersion], fmt: ReportFormat
) -> int:
    match fmt:
        case ReportFormat.CSV:
            return write_intervals(out, versions)
        case ReportFormat.LSE:
            count = 0
            for v in versions:
                out.write(
                    format_record(
                        LseRecord(v.esiid, v.channel, v.day, v.revised_at, v.values_wh, v.qualities)
                    )
                )
                count += 1
            out.write(format_trailer(count))
            return count
        case ReportFormat.JSON:
            return _write_json_texts(out, "intervals", map(interval_json, versions))


def write_daily_report(out: TextIO, versions: Iterable[RegisterVersion], fmt: ReportFormat) -> int:
    if fmt is ReportFormat.JSON:
        items = (
            {
                "esiid": v.esiid,
                "date": v.day.isoformat(),
                "revision": v.revision,
                "latest": v.latest,
                "revised_at": v.revised_at.isoformat(),
                "start_kwh": format_kwh(v.start_wh),
                "end_kwh": format_kwh(v.end_wh),
                "usage_kwh": format_kwh(v.end_wh - v.start_wh),
            }
            for v in versions
        )
        return _write_json(out, "daily", items)
    if fmt is not ReportFormat.CSV:
        raise ValueError("daily reads come as CSV or JSON")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(DAILY_HEADER)
    count = 0
    for v in versions:
        writer.writerow(
            (
                f"'{v.esiid}",
                _date(v.day),
                _stamp(v.revised_at),
                format_kwh(v.start_wh),
                format_kwh(v.end_wh),
                format_kwh(v.end_wh - v.start_wh),
            )
        )
        count += 1
    return count


def write_monthly_report(out: TextIO, versions: Iterable[MonthlyVersion], fmt: ReportFormat) -> int:
    if fmt is ReportFormat.JSON:
        items = (
            {
                "esiid": v.esiid,
                "meter_number": v.meter_number,
                "start": v.period_start.isoformat(),
                "end": v.period_end.isoformat(),
                "revision": v.revision,
                "latest": v.latest,
                "revised_at": v.revised_at.isoformat(),
                "usage_kwh": format_kwh(v.usage_wh),
                "demand_kw": None if v.demand_w is None else format_kwh(v.demand_w),
                "quality": v.quality,
            }
            for v in versions
        )
        return _write_json(out, "monthly", items)
    if fmt is not ReportFormat.CSV:
        raise ValueError("monthly bills come as CSV or JSON")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MONTHLY_HEADER)
    count = 0
    for v in versions:
        writer.writerow(
            (
                f"'{v.esiid}",
                v.meter_number,
                _date(v.period_start),
                _date(v.period_end),
                _stamp(v.revised_at),
                format_kwh(v.usage_wh),
                "" if v.demand_w is None else format_kwh(v.demand_w),
                v.quality,
            )
        )
        count += 1
    return count
