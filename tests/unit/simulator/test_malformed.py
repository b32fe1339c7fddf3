"""Malformed records: each has exactly the fault it is counted for, and nothing else breaks.

The checks below are written from the fault list, independently of the simulator (and of the
ingest validator): they find the bad records in the files and must agree with the summary.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from simfiles import NOW, LseRecordRows, Simulated, replay_rep_of_record, wh

from smt.domain.central_time import parse_compact_date, slot_count, today_in_central
from smt.domain.esiid import esiid_fault
from smt.domain.tdsp import TDSPS, Tdsp, tdsp_by_duns, tdsp_for_esiid
from smt.formats.file_names import InboundKind
from smt.formats.tdsp_csv import LAYOUTS, FieldType
from smt.simulator.malformed import CSV_KINDS, LSE_KINDS

LINE_LIMIT = 64 * 1024
NUMBER = re.compile(r"-?\d+\.\d+")


def lse_fault(r: LseRecordRows, sender: Tdsp, today: date) -> str | None:
    if any(len(row) > LINE_LIMIT for row in r.rows):
        return "11"
    h1, h2 = r.fields(0), r.fields(1)
    if esiid_fault(h1[1]) is not None:
        return "08"
    if tdsp_for_esiid(h1[1]) is not sender:
        return "07"
    if h1[2] not in ("1", "4"):
        return "13"
    if h1[6] != "N":
        return "15"
    if r.day >= today:
        return "04"
    if len(h2) != 6:
        return "02"
    if int(h2[2]) != slot_count(r.day) or len(r.values) != slot_count(r.day):
        return "03"
    if h2[4] and wh(h2[5]) < wh(h2[4]):
        return "14"
    if set(r.qualities) - set("AEM"):
        return "12"
    for value, quality in zip(r.values, r.qualities, strict=True):
        if quality == "M":
            continue
        if not NUMBER.fullmatch(value) or len(value.partition(".")[2]) != 3:
            return "01"
        if value.startswith("-"):
            return "09"
    return None


def csv_fault(kind: InboundKind, header: list[str], row: list[str]) -> str | None:
    if len(row) != len(header):
        return "02"
    for spec, cell in zip(LAYOUTS[kind], row, strict=True):
        if not cell:
            if spec.required:
                return "19"
            continue
        if spec.type is FieldType.ESIID and esiid_fault(cell) is not None:
            return "08"
        if spec.type is FieldType.DUNS and len(cell) not in (9, 13):
            return "18"
        if spec.type is FieldType.CODE and cell not in spec.codes:
            return "20"
        if spec.type is FieldType.KWH and cell.startswith("-"):
            return "09"
        if spec.type is FieldType.DATE:
            try:
                parse_compact_date(cell)
            except ValueError:
                return "22"
    if kind is InboundKind.MONTHLY_USAGE and row[3] < row[2]:
        return "21"
    return None


def test_every_bad_record_is_found_with_its_code(spoiled: Simulated) -> None:
    out, summary = spoiled.output, spoiled.summary
    today = today_in_central(NOW)
    found: Counter[str] = Counter()
    records = 0
    for s in out.intervals:
        sender = tdsp_by_duns(s.file.sender_duns)
        assert sender is not None
        code = lse_fault(s.record, sender, today)
        records += 1
        if code is not None:
            found[code] += 1
    # duplicates: the second copy of a key in one file, identical to the first
    seen: dict[tuple[object, str, str], tuple[str, ...]] = {}
    for s in out.intervals:
        r = s.record
        sender = tdsp_by_duns(s.file.sender_duns)
        assert sender is not None
        if lse_fault(r, sender, today) is not None:
            continue
        key = (s.file, r.esiid, r.fields(0)[3] + r.channel)
        if key in seen:
            assert seen[key] == r.rows
            found["06"] += 1
        seen[key] = r.rows
    lse_codes = set(found)
    rows = 0
    for kind, files in out.raw.items():
        for _, header, data in files:
            for row in data:
                rows += 1
                code = csv_fault(kind, header, row)
                if code is not None:
                    found[code] += 1
    assert dict(found) == summary.malformed_by_code
    assert lse_codes == {code.value for code, _ in LSE_KINDS}
    assert set(found) >= {code.value for codes in CSV_KINDS.values() for code in codes}
    bad = sum(found.values())
    assert 0.12 < bad / (records + rows) < 0.25  # a fifth replaced (duplicates and extras added)


def test_bad_reference_rows_touch_no_real_esiid(spoiled: Simulated) -> None:
    out = spoiled.output
    today = today_in_central(NOW)
    real = {  # every simulated ESIID sends good interval data on some day
        s.record.esiid
        for s in out.intervals
        if lse_fault(s.record, tdsp_by_duns(s.file.sender_duns) or TDSPS[0], today) is None
    }
    bad_ids: set[int] = set()
    extra = 0
    for kind in CSV_KINDS:
        if kind is InboundKind.MONTHLY_USAGE:
            continue  # a bad bill replaces the good one, about the real ESIID
        for _, header, data in out.raw.get(kind, []):
            for cells in data:
                if csv_fault(kind, header, cells) is not None:
                    extra += 1
                    assert cells[0]
                    assert not any(e.startswith(cells[0]) for e in real)
    assert extra
    for kind in (InboundKind.ROR_FULL, InboundKind.ROR_INCREMENTAL):
        for _, row in out.rows(kind):
            if csv_fault(kind, list(row), list(row.values())) is not None:
                bad_ids.add(id(row))
    # the good rows alone still make a consistent history
    events = replay_rep_of_record(out, bad_ids)
    assert events["SWITCH"] and events["MOVE_OUT"]


def test_no_malformed_records_by_default(spring: Simulated) -> None:
    assert spring.summary.malformed_by_code == {}
