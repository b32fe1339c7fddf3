"""Parse and validate rows of the CSV flows (IF1010, IF1100-IF1150) against their declared
layouts (smt.formats.tdsp_csv): text rows in, typed values or rejections out."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from smt.domain.central_time import parse_central_timestamp, parse_compact_date
from smt.domain.duns import Duns, InvalidDuns
from smt.domain.esiid import esiid_owner
from smt.domain.tdsp import Tdsp
from smt.formats.file_names import InboundKind
from smt.formats.tdsp_csv import LAYOUTS, TRAILER, CsvField, FieldType, header_row
from smt.ingest.codes import Code
from smt.ingest.faults import FileFault, RecordFault, Rejection
from smt.ingest.inbound import Line
from smt.ingest.lse_records import exact_wh


@dataclass(frozen=True, slots=True)
class CsvRecord:
    line: int
    key: str
    fields: dict[str, Any]

    def text(self, name: str) -> str:
        value = self.fields[name]
        assert isinstance(value, str)  # noqa: S101 - guaranteed by the layout
        return value

    def day(self, name: str) -> date:
        value = self.fields[name]
        assert isinstance(value, date)  # noqa: S101
        return value

    def optional_day(self, name: str) -> date | None:
        value = self.fields[name]
        assert value is None or isinstance(value, date)  # noqa: S101
        return value

    def number(self, name: str) -> int:
        value = self.fields[name]
        assert isinstance(value, int)  # noqa: S101
        return value

    def instant(self, name: str) -> datetime:
        value = self.fields[name]
        assert isinstance(value, datetime)  # noqa: S101
        return value


def read_csv_records(
    lines: Iterator[Line], kind: InboundKind, tdsp: Tdsp, max_records: int
) -> Iterator[CsvRecord | Rejection]:
    layout = LAYOUTS[kind]
    expected = header_row(kind)
    header = next(lines, None)
    if header is None:  # pragma: no cover - detect() refuses empty files
        raise FileFault(Code.EMPTY_FILE, "file is empty")
    found = _split(header.text)
    if found != expected:
        raise FileFault(
            Code.BAD_FILE_HEADER,
            f"header row is {','.join(found)[:200]!r}; expected {','.join(expected)!r}",
            header.number,
        )
    records = 0
    trailer: Line | None = None
    for line in lines:
        if trailer is not None:
            if line.text.strip():
                raise FileFault(Code.BAD_FILE_HEADER, "content after the trailer row", line.number)
            continue
        if line.text.startswith(TRAILER + ","):
            trailer = line
            continue
        if not line.text.strip():
            continue
        records += 1
        if records > max_records:
            raise FileFault(
                Code.TOO_MANY_RECORDS, f"more than {max_records} data records", line.number
            )
        if line.too_long:
            yield Rejection(
                line.number, "", Code.LINE_TOO_LONG, f"line {line.number} is over the limit"
            )
            continue
        yield _record(line, _split(line.text), layout, tdsp)
    if trailer is None:
        raise FileFault(Code.TRUNCATED, "no trailer row: the file ends early (truncated?)")
    count = trailer.text.split(",", 1)[1].strip()
    if count != str(records):
        raise FileFault(
            Code.TRUNCATED,
            f"trailer says {count!r} records; the file holds {records}",
            trailer.number,
        )


MAX_INTEGER = 1_000_000


def _split(text: str) -> list[str]:
    return next(csv.reader([text]), [])


def _record(
    line: Line, raw_cells: list[str], layout: tuple[CsvField, ...], tdsp: Tdsp
) -> CsvRecord | Rejection:
    cells = [cell.strip() for cell in raw_cells]
    key = cells[0] if cells else ""
    if len(cells) != len(layout):
        return Rejection(
            line.number,
            key,
            Code.BAD_FORMAT,
            f"{len(cells)} elements; the layout has {len(layout)}",
        )
    fields: dict[str, Any] = {}
    try:
        for spec, cell in zip(layout, cells, strict=True):
            fields[spec.name] = _typed(spec, cell, tdsp)
    except RecordFault as fault:
        listed = None
        by_meter = layout[1].name == "METER_NUMBER"
        # Still listed if what names it (ESIID, and meter number for meters) was valid.
        if "ESIID" in fields and (not by_meter or "METER_NUMBER" in fields):
            listed = (key, cells[1] if by_meter else "")
        return Rejection(line.number, key, fault.code, fault.message, listed)
    return CsvRecord(line.number, key, fields)


def _typed(spec: CsvField, cell: str, tdsp: Tdsp) -> object:
    if not cell:
        if spec.required:
            raise RecordFault(Code.MISSING_ELEMENT, f"{spec.name} is required")
        return None
    match spec.type:
        case FieldType.ESIID:
            owner = esiid_owner(cell)
            if isinstance(owner, str):
                raise RecordFault(Code.INVALID_ESIID, owner)
            if owner is not tdsp:
                raise RecordFault(
                    Code.OTHER_TDSP_ESIID,
                    f"ESIID {cell} belongs to {owner.name}, not {tdsp.name}",
                )
            return cell
        case FieldType.DUNS:
            try:
                return Duns(cell).value
            except InvalidDuns as error:
                raise RecordFault(Code.INVALID_DUNS, str(error)) from None
        case FieldType.DATE:
            try:
                return parse_compact_date(cell)
            except ValueError:
                raise RecordFault(
                    Code.INVALID_DATE, f"{spec.name} {cell!r} is not a date YYYYMMDD"
                ) from None
        case FieldType.TIMESTAMP:
            try:
                return parse_central_timestamp(cell)
            except ValueError as error:
                raise RecordFault(Code.INVALID_DATE, f"{spec.name}: {error}") from None
        case FieldType.KWH:
            try:
                return exact_wh(cell)
            except RecordFault as fault:
                raise RecordFault(fault.code, f"{spec.name}: {fault.message}") from None
        case FieldType.INTEGER:
            if not (cell.isascii() and cell.isdigit()) or not 1 <= int(cell) <= MAX_INTEGER:
                raise RecordFault(
                    Code.INVALID_VALUE, f"{spec.name} {cell!r} is not a positive whole number"
                )
            return int(cell)
        case FieldType.CODE:
            if cell not in spec.codes:
                raise RecordFault(
                    Code.INVALID_CODE, f"{spec.name} {cell!r} is not one of {', '.join(spec.codes)}"
                )
            return cell
        case FieldType.TEXT:
            if len(cell) > spec.max_length:
                raise RecordFault(
                    Code.INVALID_VALUE, f"{spec.name} is longer than {spec.max_length} characters"
                )
            return cell
