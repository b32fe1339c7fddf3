"""Full (snapshot) and incremental reference files: meters, premises, REP of Record; and
monthly billed usage revisions. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from smt.composition import Hub
from smt.formats.file_names import InboundKind
from smt.ingest.codes import Code
from smt.store import journal
from smt.store.reference_store import periods_of
from smt.store.schema import meter, monthly_usage, premise

from builders import ESIID, ESIID_2, NOW, write_csv_file

REP_A, REP_B, REP_C = "111111111", "222222222", "3333333330000"
SNAPSHOT_DAY = NOW - timedelta(days=20)  # 2026-11-07, Central


def _meter_row(esiid: str, number: str, removed: str = "") -> list[str]:
    return [
        esiid,
        number,
        "Landis+Gyr",
        "E350 FOCUS AXR-SD",
        "RES",
        "1",
        "C",
        "15",
        "SE1.1",
        "20190514",
        removed,
    ]


def _premise_row(esiid: str, status: str = "ACTIVE", since: str = "20190514") -> list[str]:
    return [
        esiid,
        "1201 ELM ST",
        "",
        "DALLAS",
        "TX",
        "75270",
        "RES",
        status,
        since,
        "RESLOWR_NCENT",
        "NCENT",
    ]


def test_a_meter_snapshot_ends_what_it_no_longer_lists(hub: Hub, inbox: Path) -> None:
    hub.ingester.ingest(
        write_csv_file(
            inbox,
            InboundKind.METER_FULL,
            [_meter_row(ESIID, "M1"), _meter_row(ESIID_2, "M2")],
            created=SNAPSHOT_DAY,
        )
    )
    later = hub.ingester.ingest(
        write_csv_file(
            inbox,
            InboundKind.METER_FULL,
            [_meter_row(ESIID, "M1")],
            created=NOW - timedelta(hours=3),
        )
    )

    assert (later.counts.loaded, later.counts.unchanged) == (0, 1)
    with hub.engine.connect() as conn:
        rows = conn.execute(
            select(meter.c.meter_number, meter.c.removed_on).order_by(meter.c.meter_number)
        ).all()
    assert [tuple(r) for r in rows] == [("M1", None), ("M2", date(2026, 11, 27))]


def test_an_incremental_meter_exchange(hub: Hub, inbox: Path) -> None:
    hub.ingester.ingest(
        write_csv_file(
            inbox, InboundKind.METER_FULL, [_meter_row(ESIID, "M1")], created=SNAPSHOT_DAY
        )
    )
    outcome = hub.ingester.ingest(
        write_csv_file(
            inbox,
            InboundKind.METER_INCREMENTAL,
            [
                _meter_row(ESIID, "M1", removed="20261115"),
                [*_meter_row(ESIID, "M9")[:9], "20261115", ""],
            ],
        )
    )
    assert outcome.counts.loaded == 2
    with hub.engine.connect() as conn:
        rows = conn.execute(
            select(meter.c.meter_number, meter.c.installed_on, meter.c.removed_on).order_by(
                meter.c.meter_number
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("M1", date(2019, 5, 14), date(2026, 11, 15)),
        ("M9", date(2026, 11, 15), None),
    ]


def test_a_premise_snapshot_retires_what_it_no_longer_lists(hub: Hub, inbox: Path) -> None:
    hub.ingester.ingest(
        write_csv_file(
            inbox,
            InboundKind.PREMISE_FULL,
            [_premise_row(ESIID), _premise_row(ESIID_2)],
            created=SNAPSHOT_DAY,
        )
    )
    hub.ingester.ingest(
        write_csv_file(inbox, InboundKind.PREMISE_INCREMENTAL, [_premise_row(ESIID, "DEENERGIZED")])
    )
    hub.ingester.ingest(
        write_csv_file(inbox, InboundKind.PREMISE_FULL, [_premise_row(ESIID, "DEENERGIZED")])
    )
    with hub.engine.connect() as conn:
        rows = conn.execute(
            select(premise.c.esiid, premise.c.status, premise.c.ended_on).order_by(premise.c.esiid)
        ).all()
    assert [tuple(r) for r in rows] == [
        (ESIID, "DEENERGIZED", None),
        (ESIID_2, "RETIRED", date(2026, 11, 27)),
    ]


def test_rep_of_record_switches_and_moves(hub: Hub, inbox: Path) -> None:
    hub.ingester.ingest(
        write_csv_file(
            inbox,
            InboundKind.ROR_FULL,
            [[ESIID, REP_A, "20240301"], [ESIID_2, REP_A, "20250101"]],
            created=SNAPSHOT_DAY,
        )
    )
    events = hub.ingester.ingest(
        write_csv_file(
            inbox,
            InboundKind.ROR_INCREMENTAL,
            [
                [ESIID, REP_B, "SWITCH", "20261110"],
                [ESIID_2, REP_A, "MOVE_OUT", "20261112"],
                [ESIID_2, REP_C, "MOVE_IN", "20261120"],
            ],
        )
    )

    assert events.outcome == "accepted"
    with hub.engine.connect() as conn:
        assert periods_of(conn, ESIID) == [
            (REP_A, date(2024, 3, 1), date(2026, 11, 9), "new", "switch"),
            (REP_B, date(2026, 11, 10), None, "switch", None),
        ]
        assert periods_of(conn, ESIID_2) == [
            (REP_A, date(2025, 1, 1), date(2026, 11, 11), "new", "move-out"),
            (REP_C, date(2026, 11, 20), None, "move-in", None),
        ]


def test_rep_of_record_events_that_contradict_the_record_are_refused(hub: Hub, inbox: Path) -> None:
    hub.ingester.ingest(
        write_csv_file(
            inbox, InboundKind.ROR_FULL, [[ESIID, REP_A, "20240301"]], created=SNAPSHOT_DAY
        )
    )
    outcome = hub.ingester.ingest(
        write_csv_file(
            inbox,
            InboundKind.ROR_INCREMENTAL,
            [
                [ESIID, REP_B, "NEW", "20261110"],  # already served
                [ESIID, REP_A, "SWITCH", "20261110"],  # switch to the serving REP
                [ESIID, REP_B, "MOVE_OUT", "20261110"],  # not the REP of Record
                [ESIID, REP_B, "SWITCH", "20240101"],  # before the current period began
                [ESIID_2, REP_B, "SWITCH", "20261110"],  # nobody serves it
                [ESIID, REP_B, "SWITCH", "20261210"],  # not yet effective
            ],
        )
    )
    with hub.engine.connect() as conn:
        codes = [f.code for f in journal.findings_of(conn, 2)]
        assert periods_of(conn, ESIID) == [(REP_A, date(2024, 3, 1), None, "new", None)]
    assert codes == [
        Code.ROR_CONFLICT,
        Code.ROR_CONFLICT,
        Code.ROR_CONFLICT,
        Code.OUT_OF_SEQUENCE,
        Code.ROR_CONFLICT,
        Code.FUTURE_DATED,
    ]
    assert (outcome.outcome, outcome.counts.loaded, outcome.counts.rejected) == ("rejected", 0, 6)


def test_a_rep_of_record_snapshot_switches_and_ends(hub: Hub, inbox: Path) -> None:
    hub.ingester.ingest(
        write_csv_file(
            inbox,
            InboundKind.ROR_FULL,
            [[ESIID, REP_A, "20240301"], [ESIID_2, REP_A, "20250101"]],
            created=SNAPSHOT_DAY,
        )
    )
    hub.ingester.ingest(
        write_csv_file(
            inbox,
            InboundKind.ROR_FULL,
            [[ESIID, REP_B, "20261120"]],
            created=NOW - timedelta(hours=3),
        )
    )
    with hub.engine.connect() as conn:
        assert periods_of(conn, ESIID) == [
            (REP_A, date(2024, 3, 1), date(2026, 11, 19), "new", "switch"),
            (REP_B, date(2026, 11, 20), None, "switch", None),
        ]
        assert periods_of(conn, ESIID_2) == [
            (REP_A, date(2025, 1, 1), date(2026, 11, 26), "new", "move-out"),
        ]


def test_monthly_usage_revisions(hub: Hub, inbox: Path) -> None:
    row = [ESIID, "M1", "20261001", "20261031", "20261102070000", "812.345", "", "A"]
    hub.ingester.ingest(write_csv_file(inbox, InboundKind.MONTHLY_USAGE, [row]))
    same = hub.ingester.ingest(
        write_csv_file(inbox, InboundKind.MONTHLY_USAGE, [row, [ESIID_2, *row[1:]]])
    )
    fixed = hub.ingester.ingest(
        write_csv_file(
            inbox, InboundKind.MONTHLY_USAGE, [[*row[:4], "20261105070000", "815.000", "", "A"]]
        )
    )
    stale = hub.ingester.ingest(
        write_csv_file(
            inbox, InboundKind.MONTHLY_USAGE, [[*row[:4], "20261101070000", "1.000", "", "E"]]
        )
    )

    assert (same.counts.loaded, same.counts.unchanged) == (1, 1)
    assert fixed.counts.loaded == 1
    assert stale.counts.rejected == 1
    with hub.engine.connect() as conn:
        rows = conn.execute(
            select(monthly_usage.c.revision, monthly_usage.c.usage_wh)
            .where(monthly_usage.c.esiid == ESIID)
            .order_by(monthly_usage.c.revision)
        ).all()
    assert [tuple(r) for r in rows] == [(1, 812_345), (2, 815_000)]
