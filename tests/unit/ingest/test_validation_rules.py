"""Every validation rule, each shown by a sample file named for what it shows.

Record-level faults reject that record with its own code and load the rest; file-level faults
reject the whole file and load nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from smt.composition import Hub
from smt.formats.file_names import InboundKind
from smt.ingest.codes import Code
from smt.store import journal
from smt.store.schema import ingest_file, interval_day

from builders import ESIID, ESIID_2, place_sample, revisions

RECORD_FAULTS = [
    ("lse_negative_consumption.lse", Code.NEGATIVE_VALUE),
    ("lse_non_numeric_value.lse", Code.INVALID_VALUE),
    ("lse_finer_than_one_watt_hour.lse", Code.INVALID_VALUE),
    ("lse_other_tdsp_esiid.lse", Code.OTHER_TDSP_ESIID),
    ("lse_invalid_esiid_16_digits.lse", Code.INVALID_ESIID),
    ("lse_future_date.lse", Code.FUTURE_DATED),
    ("lse_today_not_over.lse", Code.FUTURE_DATED),
    ("lse_fall_dst_declared_96_intervals.lse", Code.NOT_A_FULL_DAY),
    ("lse_95_values_on_96_slot_day.lse", Code.NOT_A_FULL_DAY),
    ("lse_not_a_full_day_stop_at_noon.lse", Code.NOT_A_FULL_DAY),
    ("lse_unknown_channel.lse", Code.UNKNOWN_CHANNEL),
    ("lse_quality_letter_x.lse", Code.INVALID_QUALITY),
    ("lse_missing_slot_with_value.lse", Code.INVALID_QUALITY),
    ("lse_empty_value_not_missing.lse", Code.INVALID_QUALITY),
    ("lse_register_end_below_start.lse", Code.REGISTER_MISMATCH),
    ("lse_flagged_invalid.lse", Code.FLAGGED_INVALID),
    ("lse_header_two_missing_element.lse", Code.BAD_FORMAT),
    ("lse_record_without_quality_row.lse", Code.BAD_FORMAT),
]


@pytest.mark.parametrize(("sample", "code"), RECORD_FAULTS, ids=[s for s, _ in RECORD_FAULTS])
def test_a_bad_record_is_rejected_with_its_code_and_the_rest_loads(
    sqlite_hub: Hub, inbox: Path, sample: str, code: Code
) -> None:
    outcome = sqlite_hub.ingester.ingest(place_sample(sample, inbox))

    assert outcome.outcome == "partial"
    assert (outcome.counts.loaded, outcome.counts.rejected) == (1, 1)
    assert [d for d, _, _, _ in revisions(sqlite_hub.engine, ESIID_2)], "good record loaded"
    with sqlite_hub.engine.connect() as conn:
        file_id = conn.execute(select(ingest_file.c.id)).scalar_one()
        findings = journal.findings_of(conn, file_id)
    assert [f.code for f in findings] == [code.value]
    assert findings[0].message, "every finding says what is wrong"
    assert findings[0].line is not None
    report = outcome.report.read_text().splitlines() if outcome.report else []
    assert any(f",{code.value}," in row for row in report[1:])
    assert any(",00,loaded," in row for row in report[1:])


def test_duplicate_record_in_one_file_keeps_the_first(sqlite_hub: Hub, inbox: Path) -> None:
    outcome = sqlite_hub.ingester.ingest(place_sample("lse_duplicate_record.lse", inbox))

    assert (outcome.counts.loaded, outcome.counts.rejected) == (2, 1)
    with sqlite_hub.engine.connect() as conn:
        findings = journal.findings_of(conn, 1)
    assert [(f.code, f.line) for f in findings] == [(Code.DUPLICATE_IN_FILE.value, 9)]
    assert len(revisions(sqlite_hub.engine, ESIID)) == 1


FILE_FAULTS = [
    ("lse_truncated_mid_record.lse", Code.TRUNCATED),
    ("lse_trailer_count_wrong.lse", Code.TRUNCATED),
    ("lse_binary_gzip.lse", Code.BINARY_CONTENT),
]


@pytest.mark.parametrize(("sample", "code"), FILE_FAULTS, ids=[s for s, _ in FILE_FAULTS])
def test_a_file_level_fault_rejects_the_whole_file(
    hub: Hub, inbox: Path, sample: str, code: Code
) -> None:
    outcome = hub.ingester.ingest(place_sample(sample, inbox))

    assert outcome.outcome == "rejected"
    assert outcome.file_code is code
    with hub.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(interval_day)).scalar_one() == 0
        entry = conn.execute(select(ingest_file.c.id, ingest_file.c.outcome)).one()
        assert entry.outcome == "rejected"
        assert [f.code for f in journal.findings_of(conn, entry.id)] == [code.value]


def test_a_csv_with_the_wrong_header_is_rejected(sqlite_hub: Hub, inbox: Path) -> None:
    outcome = sqlite_hub.ingester.ingest(
        place_sample("ror_full_wrong_header.csv", inbox, InboundKind.ROR_FULL)
    )
    assert outcome.file_code is Code.BAD_FILE_HEADER
    assert "expected 'ESIID,DUNS,START_DATE'" in outcome.message


def test_monthly_rows_each_get_their_own_code(sqlite_hub: Hub, inbox: Path) -> None:
    outcome = sqlite_hub.ingester.ingest(
        place_sample("monthly_usage_one_good_seven_bad.csv", inbox, InboundKind.MONTHLY_USAGE)
    )
    with sqlite_hub.engine.connect() as conn:
        codes = [f.code for f in journal.findings_of(conn, 1)]
    assert outcome.counts.loaded == 1
    assert codes == [
        Code.INVALID_PERIOD,
        Code.NEGATIVE_VALUE,
        Code.INVALID_DATE,
        Code.INVALID_ESIID,
        Code.INVALID_CODE,
        Code.MISSING_ELEMENT,
        Code.BAD_FORMAT,
    ]


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("readme.txt", b"hello\n", Code.UNRECOGNISED_FILE),
        ("123456789IntervalData20261126060000001.lse", b"x\n", Code.UNKNOWN_SENDER),
        ("1039940674000IntervalData20261126060000001.lse", b"", Code.EMPTY_FILE),
        ("1039940674000IntervalData20261126060000001.csv", b"x\n", Code.UNRECOGNISED_FILE),
    ],
)
def test_files_the_hub_cannot_place_are_rejected(
    sqlite_hub: Hub, inbox: Path, name: str, content: bytes, code: Code
) -> None:
    path = inbox / name
    path.write_bytes(content)
    outcome = sqlite_hub.ingester.ingest(path)
    assert outcome.file_code is code
