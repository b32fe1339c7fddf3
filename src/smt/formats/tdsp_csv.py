"""CSV layouts of the TDSP reference and billing flows (IF1010, IF1100-IF1150), declared as data.

SMT's own layouts for these flows are not public; these are the project's, documented in
docs/formats/. Every file is UTF-8, comma-separated with RFC 4180 quoting, starts with the header
row below (exact column names, in order) and ends with `TRAILER,<number of data rows>` so that a
truncated file is told from a complete one. Dates are `YYYYMMDD`, timestamps `YYYYMMDDHHMMSS`,
both Central prevailing time.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TextIO

from smt.formats.file_names import InboundKind

TRAILER = "TRAILER"


class FieldType(StrEnum):
    TEXT = "text"
    ESIID = "esiid"
    DUNS = "duns"
    DATE = "date"
    TIMESTAMP = "timestamp"
    KWH = "kwh"
    INTEGER = "integer"
    CODE = "code"


@dataclass(frozen=True, slots=True)
class CsvField:
    name: str
    type: FieldType
    required: bool = True
    max_length: int = 100
    codes: tuple[str, ...] = ()


def _f(
    name: str,
    type_: FieldType,
    *,
    required: bool = True,
    max_length: int = 100,
    codes: tuple[str, ...] = (),
) -> CsvField:
    return CsvField(name, type_, required, max_length, codes)


METER_FIELDS = (
    _f("ESIID", FieldType.ESIID),
    _f("METER_NUMBER", FieldType.TEXT, max_length=40),
    _f("MANUFACTURER", FieldType.TEXT, max_length=60),
    _f("MODEL", FieldType.TEXT, max_length=60),
    _f("METER_CLASS", FieldType.CODE, codes=("RES", "COM", "IND")),
    _f("KWH_MULTIPLIER", FieldType.INTEGER),
    _f("CHANNELS", FieldType.CODE, codes=("C", "CG")),
    _f("INTERVAL_MINUTES", FieldType.CODE, codes=("15",)),
    _f("HAN_PROTOCOL", FieldType.CODE, codes=("SE1.0", "SE1.1", "NONE")),
    _f("INSTALLED_ON", FieldType.DATE),
    _f("REMOVED_ON", FieldType.DATE, required=False),
)

PREMISE_FIELDS = (
    _f("ESIID", FieldType.ESIID),
    _f("ADDRESS1", FieldType.TEXT),
    _f("ADDRESS2", FieldType.TEXT, required=False),
    _f("CITY", FieldType.TEXT, max_length=60),
    _f("STATE", FieldType.CODE, codes=("TX",)),
    _f("ZIP", FieldType.TEXT, max_length=10),
    _f("PREMISE_TYPE", FieldType.CODE, codes=("RES", "NRES")),
    _f("STATUS", FieldType.CODE, codes=("ACTIVE", "DEENERGIZED", "RETIRED")),
    _f("STATUS_DATE", FieldType.DATE),
    _f("LOAD_PROFILE", FieldType.TEXT, max_length=30),
    _f(
        "WEATHER_ZONE",
        FieldType.CODE,
        codes=("COAST", "EAST", "FWEST", "NCENT", "NORTH", "SCENT", "SOUTH", "WEST"),
    ),
)

LAYOUTS: dict[InboundKind, tuple[CsvField, ...]] = {
    InboundKind.MONTHLY_USAGE: (
        _f("ESIID", FieldType.ESIID),
        _f("METER_NUMBER", FieldType.TEXT, max_length=40),
        _f("START_DATE", FieldType.DATE),
        _f("END_DATE", FieldType.DATE),
        _f("REVISION_TS", FieldType.TIMESTAMP),
        _f("USAGE_KWH", FieldType.KWH),
        _f("DEMAND_KW", FieldType.KWH, required=False),
        _f("ESTIMATED_ACTUAL", FieldType.CODE, codes=("A", "E")),
    ),
    InboundKind.METER_FULL: METER_FIELDS,
    InboundKind.METER_INCREMENTAL: METER_FIELDS,
    InboundKind.ROR_FULL: (
        _f("ESIID", FieldType.ESIID),
        _f("DUNS", FieldType.DUNS),
        _f("START_DATE", FieldType.DATE),
    ),
    InboundKind.ROR_INCREMENTAL: (
        _f("ESIID", FieldType.ESIID),
        _f("DUNS", FieldType.DUNS),
        _f("EVENT", FieldType.CODE, codes=("NEW", "SWITCH", "MOVE_IN", "MOVE_OUT")),
        _f("EFFECTIVE_DATE", FieldType.DATE),
    ),
    InboundKind.PREMISE_FULL: PREMISE_FIELDS,
    InboundKind.PREMISE_INCREMENTAL: PREMISE_FIELDS,
}


def header_row(kind: InboundKind) -> list[str]:
    return [f.name for f in LAYOUTS[kind]]


def write_tdsp_csv(out: TextIO, kind: InboundKind, rows: Iterable[Sequence[str]]) -> int:
    """Header, rows, trailer. Returns the number of data rows written."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header_row(kind))
    count = 0
    for row in rows:
        if any("\n" in cell or "\r" in cell for cell in row):
            raise ValueError(f"a field of row {count + 1} holds a line break; the layout has none")
        writer.writerow(row)
        count += 1
    writer.writerow([TRAILER, str(count)])
    return count
