"""Edge cases found in review, each pinned by a test: how the pipeline treats input that is
almost right."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from smt.composition import Hub
from smt.formats.file_names import InboundKind
from smt.formats.lse import format_record, format_trailer
from smt.ingest.codes import Code
from smt.ingest.pipeline import Ingester, IngestLimits
from smt.store import journal
from smt.store.reference_store import periods_of
from smt.store.schema import meter, monthly_usage, premise

from builders import (
    CNP,
    ESIID,
    ESIID_2,
    NOW,
    ONCOR,
    day_record,
    inbound_name,
    register_rows,
    revisions,
    write_csv_file,
    write_lse_file,
)

REP_A, REP_B = "111111111", "222222222"


def _codes(hub: Hub, file_id: int) -> list[str]:
    with hub.engine.connect() as conn:
        return [f.code for f in journal.findings_of(conn, file_id)]


def _meter_row(esiid: str, number: str, multiplier: str = "1") -> list[str]:
    return [
        esiid,
        number,
        "Itron",
        "OpenWay CENTRON",
        "RES",
        multiplier,
        "C",
        "15",
        "SE1.0",
        "20200101",
        "",
    ]


def test_csv_cells_are_trimmed_before_they_become_keys(hub: Hub, inbox: Path) -> None:
    hub.ingester.ingest(
        write_csv_file(inbox, InboundKind.METER_INCREMENTAL, [_meter_row(f" {ESIID} ", " M1 ")])
    )
    with hub.engine.connect() as conn:
        rows = conn.execute(select(meter.c.esiid, meter.c.meter_number)).all()
    assert [tuple(r) for r in rows] == [(ESIID, "M1")]


def test_non_ascii_digits_are_refused_not_crashed_on(hub: Hub, inbox: Path) -> None:
    csv_outcome = hub.ingester.ingest(
        write_csv_file(inbox, InboundKind.METER_INCREMENTAL, [_meter_row(ESIID, "M1", "²")])
    )
    full_width_96 = "\uff19\uff16"
    bad = format_record(day_record()).replace(",900,96,", f",900,{full_width_96},")
    path = write_lse_file(inbox, [])
    path.write_text(bad + format_record(day_record(ESIID_2)) + format_trailer(2))
    lse_outcome = hub.ingester.ingest(path)

    assert csv_outcome.counts.rejected == 1
    assert _codes(hub, 1) == [Code.INVALID_VALUE]
    assert (lse_outcome.counts.loaded, lse_outcome.counts.rejected) == (1, 1)
    assert _codes(hub, 2) == [Code.BAD_FORMAT]


def test_a_file_rejected_as_a_whole_can_be_sent_again_under_a_corrected_name(
    hub: Hub, inbox: Path
) -> None:
    good = write_lse_file(inbox, [day_record()])
    misnamed = inbox / good.name.replace(ONCOR.duns, CNP.duns)
    misnamed.write_bytes(good.read_bytes())
    good.unlink()

    first = hub.ingester.ingest(misnamed, uploader=ONCOR)
    misnamed.rename(good)
    second = hub.ingester.ingest(good, uploader=ONCOR)

    assert first.file_code is Code.UNKNOWN_SENDER
    assert "came through Oncor" in first.message
    assert first.report is not None, "the uploader gets a report"
    assert second.outcome == "accepted"


def test_identical_files_from_two_tdsps_are_two_files(hub: Hub, inbox: Path) -> None:
    empty_oncor = write_csv_file(inbox, InboundKind.ROR_FULL, [], tdsp=ONCOR)
    empty_cnp = write_csv_file(inbox, InboundKind.ROR_FULL, [], tdsp=CNP)
    assert empty_oncor.read_bytes() == empty_cnp.read_bytes()
    assert hub.ingester.ingest(empty_oncor).outcome == "accepted"
    assert hub.ingester.ingest(empty_cnp).outcome == "accepted"


def test_a_typo_in_a_snapshot_row_does_not_end_what_it_lists(hub: Hub, inbox: Path) -> None:
    hub.ingester.ingest(
        write_csv_file(
            inbox, InboundKind.METER_FULL, [_meter_row(ESIID, "M1"), _meter_row(ESIID_2, "M2")]
        )
    )
    typo = _meter_row(ESIID_2, "M2")
    typo[4] = "RESIDENTIAL"
    outcome = hub.ingester.ingest(
        write_csv_file(inbox, InboundKind.METER_FULL, [_meter_row(ESIID, "M1"), typo])
    )
    assert outcome.counts.rejected == 1
    with hub.engine.connect() as conn:
        removed = conn.execute(select(meter.c.removed_on)).scalars().all()
    assert removed == [None, None]


def test_a_retired_premise_keeps_its_end_date(hub: Hub, inbox: Path) -> None:
    row = [
        ESIID,
        "9 OAK ST",
        "",
        "WACO",
        "TX",
        "76701",
        "RES",
        "RETIRED",
        "20261102",
        "RESLOWR_NCENT",
        "NCENT",
    ]
    for created in (NOW - timedelta(days=20), NOW - timedelta(days=2)):
        hub.ingester.ingest(write_csv_file(inbox, InboundKind.PREMISE_FULL, [row], created=created))
    with hub.engine.connect() as conn:
        assert conn.execute(select(premise.c.ended_on)).scalar_one() == date(2026, 11, 2)


def test_rep_of_record_snapshots_never_make_overlaps_or_backward_periods(
    hub: Hub, inbox: Path
) -> None:
    hub.ingester.ingest(
        write_csv_file(
            inbox,
            InboundKind.ROR_FULL,
            [[ESIID, REP_A, "20240301"]],
            created=NOW - timedelta(days=20),
        )
    )
    hub.ingester.ingest(
        write_csv_file(inbox, InboundKind.ROR_INCREMENTAL, [[ESIID, REP_B, "SWITCH", "20261110"]])
    )
    # REP B's period "restarted" before REP A's ended: refused.
    overlap = hub.ingester.ingest(
        write_csv_file(inbox, InboundKind.ROR_FULL, [[ESIID, REP_B, "20261001"]])
    )
    # An old snapshot (as of 5 Nov) that lists nothing must not end REP B's newer period.
    hub.ingester.ingest(
        write_csv_file(
            inbox,
            InboundKind.ROR_FULL,
            [[ESIID_2, REP_A, "20250101"]],
            created=NOW - timedelta(days=22),
        )
    )
    assert overlap.counts.rejected == 1
    assert _codes(hub, 3) == [Code.OUT_OF_SEQUENCE]
    with hub.engine.connect() as conn:
        assert periods_of(conn, ESIID) == [
            (REP_A, date(2024, 3, 1), date(2026, 11, 9), "new", "switch"),
            (REP_B, date(2026, 11, 10), None, "switch", None),
        ]


def test_an_older_register_read_beside_unchanged_intervals_is_refused(
    hub: Hub, inbox: Path
) -> None:
    record = day_record(revised_at=NOW - timedelta(days=1))
    hub.ingester.ingest(write_lse_file(inbox, [record]))
    assert record.end_register_wh is not None
    older = replace(
        record, end_register_wh=record.end_register_wh + 9, revised_at=NOW - timedelta(days=3)
    )
    outcome = hub.ingester.ingest(write_lse_file(inbox, [older]))
    assert outcome.counts.rejected == 1
    assert _codes(hub, 2) == [Code.NEWER_VERSION_LOADED]
    assert len(register_rows(hub.engine)) == 1


def test_duplicates_are_caught_whatever_the_batch_size(hub: Hub, inbox: Path) -> None:
    hub.ingester.ingest(write_lse_file(inbox, [day_record()]))
    one_by_one = Ingester(
        hub.engine, hub.clock, hub.settings.outbound_dir, IngestLimits(batch_records=1)
    )
    outcome = one_by_one.ingest(
        write_lse_file(inbox, [day_record(), day_record(), day_record(base=9)])
    )
    assert (outcome.counts.unchanged, outcome.counts.rejected) == (1, 2)
    assert _codes(hub, 2) == [Code.DUPLICATE_IN_FILE, Code.DUPLICATE_IN_FILE]
    assert len(revisions(hub.engine)) == 1


def test_a_corrected_meter_number_on_a_bill_is_a_new_revision(hub: Hub, inbox: Path) -> None:
    row = [ESIID, "M1", "20261001", "20261031", "20261102070000", "812.345", "", "A"]
    hub.ingester.ingest(write_csv_file(inbox, InboundKind.MONTHLY_USAGE, [row]))
    fixed = hub.ingester.ingest(
        write_csv_file(inbox, InboundKind.MONTHLY_USAGE, [[ESIID, "M7", *row[2:]]])
    )
    assert fixed.counts.loaded == 1
    with hub.engine.connect() as conn:
        numbers = (
            conn.execute(select(monthly_usage.c.meter_number).order_by(monthly_usage.c.revision))
            .scalars()
            .all()
        )
    assert numbers == ["M1", "M7"]


def test_blank_lines_are_ignored_and_sort_codes_are_whole(hub: Hub, inbox: Path) -> None:
    good = format_record(day_record(ESIID_2))
    odd = format_record(day_record()).replace("00000001,", "000000011,", 1)
    path = write_lse_file(inbox, [])
    path.write_text("\n" + good + "\r\n\n" + odd + format_trailer(1) + "\n\n")
    outcome = hub.ingester.ingest(path)
    assert outcome.counts.loaded == 1
    assert outcome.counts.rejected == 4, "four rows outside any record"
    assert set(_codes(hub, 1)) == {Code.BAD_FORMAT}


def test_the_report_follows_the_file_order(hub: Hub, inbox: Path) -> None:
    records = [day_record(f"104437200000{i:05d}") for i in range(1, 5)]
    records[1] = replace(records[1], qualities="X" * 96)
    outcome = hub.ingester.ingest(write_lse_file(inbox, records))
    assert outcome.report is not None
    lines = [row.split(",")[1] for row in outcome.report.read_text().splitlines()[1:]]
    assert lines == ["1", "5", "9", "13"]


def test_a_file_stamped_in_the_future_is_refused(hub: Hub, inbox: Path) -> None:
    path = inbox / inbound_name(InboundKind.INTERVAL, created=NOW + timedelta(hours=1))
    path.write_text(format_record(day_record()) + format_trailer(1))
    outcome = hub.ingester.ingest(path)
    assert outcome.file_code is Code.FUTURE_FILE
    assert outcome.report is not None


def test_full_width_digits_are_not_numbers_anywhere(hub: Hub, inbox: Path) -> None:
    full_width_5 = "\uff15"
    row = [ESIID, "M1", "20261001", "20261031", "20261102070000", f"81{full_width_5}.000", "", "A"]
    outcome = hub.ingester.ingest(write_csv_file(inbox, InboundKind.MONTHLY_USAGE, [row]))
    assert outcome.counts.rejected == 1
    assert _codes(hub, 1) == [Code.INVALID_VALUE]


def test_a_known_file_in_the_wrong_folder_is_refused_not_called_a_duplicate(
    hub: Hub, inbox: Path
) -> None:
    path = write_lse_file(inbox, [day_record()])
    assert hub.ingester.ingest(path, uploader=ONCOR).outcome == "accepted"
    again = hub.ingester.ingest(path, uploader=CNP)
    assert again.file_code is Code.UNKNOWN_SENDER


def test_a_snapshot_does_not_end_what_is_newer_than_it(hub: Hub, inbox: Path) -> None:
    hub.ingester.ingest(
        write_csv_file(
            inbox, InboundKind.METER_INCREMENTAL, [[*_meter_row(ESIID, "M9")[:9], "20261120", ""]]
        )
    )
    hub.ingester.ingest(
        write_csv_file(
            inbox,
            InboundKind.PREMISE_INCREMENTAL,
            [
                [
                    ESIID,
                    "9 OAK ST",
                    "",
                    "WACO",
                    "TX",
                    "76701",
                    "RES",
                    "ACTIVE",
                    "20261120",
                    "RESLOWR_NCENT",
                    "NCENT",
                ]
            ],
        )
    )
    # A snapshot as of 7 November lists neither: both are newer than it.
    hub.ingester.ingest(
        write_csv_file(inbox, InboundKind.METER_FULL, [], created=NOW - timedelta(days=20))
    )
    hub.ingester.ingest(
        write_csv_file(inbox, InboundKind.PREMISE_FULL, [], created=NOW - timedelta(days=20))
    )
    with hub.engine.connect() as conn:
        assert conn.execute(select(meter.c.removed_on)).scalar_one() is None
        assert conn.execute(select(premise.c.status, premise.c.ended_on)).one() == ("ACTIVE", None)


def test_a_snapshot_row_with_a_bad_meter_number_lists_nothing(hub: Hub, inbox: Path) -> None:
    hub.ingester.ingest(
        write_csv_file(
            inbox,
            InboundKind.METER_FULL,
            [_meter_row(ESIID, "M1")],
            created=NOW - timedelta(days=20),
        )
    )
    outcome = hub.ingester.ingest(
        write_csv_file(inbox, InboundKind.METER_FULL, [_meter_row(ESIID, "")])
    )
    assert outcome.counts.rejected == 1
    with hub.engine.connect() as conn:
        assert conn.execute(select(meter.c.removed_on)).scalar_one() == date(2026, 11, 27)


def test_a_byte_order_mark_is_not_content(hub: Hub, inbox: Path) -> None:
    path = write_lse_file(inbox, [day_record()])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert hub.ingester.ingest(path).outcome == "accepted"
