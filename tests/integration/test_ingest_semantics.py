"""Ingest semantics on SQLite and on the running PostgreSQL: idempotency, revisions, DST days,
register reads, one transaction per file."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from smt.composition import Hub
from smt.domain.channel import Channel
from smt.ingest.codes import Code
from smt.ingest.pipeline import Ingester, IngestLimits
from smt.store import journal
from smt.store.schema import ingest_file, interval_day

from builders import ESIID, ESIID_2, NOW, day_record, register_rows, revisions, write_lse_file

DAY = date(2026, 11, 20)


def test_the_same_file_twice_changes_nothing(hub: Hub, inbox: Path) -> None:
    path = write_lse_file(inbox, [day_record(), day_record(ESIID_2)])
    first = hub.ingester.ingest(path)
    copy = inbox / path.name.replace("001.lse", "002.lse")
    copy.write_bytes(path.read_bytes())

    again = hub.ingester.ingest(path)
    renamed = hub.ingester.ingest(copy)

    assert first.outcome == "accepted"
    assert first.counts.loaded == 2
    assert again.outcome == renamed.outcome == "duplicate"
    assert "nothing changed" in again.message
    with hub.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ingest_file)).scalar_one() == 1
        assert conn.execute(select(func.count()).select_from(interval_day)).scalar_one() == 2


def test_a_resent_day_with_new_values_is_a_new_revision_and_equal_values_are_not(
    hub: Hub, inbox: Path
) -> None:
    original = day_record(revised_at=NOW - timedelta(days=3))
    corrected = day_record(base=150, revised_at=NOW - timedelta(days=2))
    hub.ingester.ingest(write_lse_file(inbox, [original]))
    second = hub.ingester.ingest(write_lse_file(inbox, [corrected, day_record(ESIID_2)]))
    # Same values again beside something new: a different file, but no new revision.
    third = hub.ingester.ingest(
        write_lse_file(inbox, [corrected, day_record(ESIID_2, DAY - timedelta(days=1))])
    )

    assert (second.counts.loaded, second.counts.unchanged) == (2, 0)
    assert (third.counts.loaded, third.counts.unchanged) == (1, 1)
    stored = revisions(hub.engine)
    assert [(d, c, r) for d, c, r, _ in stored] == [(DAY, "C", 1), (DAY, "C", 2)]
    assert stored[0][3] == tuple(original.values_wh)
    assert stored[1][3] == tuple(corrected.values_wh)


def test_an_older_version_than_the_stored_one_is_refused(hub: Hub, inbox: Path) -> None:
    hub.ingester.ingest(write_lse_file(inbox, [day_record(revised_at=NOW - timedelta(days=1))]))
    late = hub.ingester.ingest(
        write_lse_file(inbox, [day_record(base=7, revised_at=NOW - timedelta(days=4))])
    )
    assert late.counts.rejected == 1
    with hub.engine.connect() as conn:
        assert [f.code for f in journal.findings_of(conn, 2)] == [Code.NEWER_VERSION_LOADED]
    assert len(revisions(hub.engine)) == 1


def test_dst_days_keep_92_and_100_slots(hub: Hub, inbox: Path) -> None:
    spring, fall = date(2026, 3, 8), date(2026, 11, 1)
    outcome = hub.ingester.ingest(
        write_lse_file(
            inbox,
            [
                day_record(day=spring),
                day_record(day=fall),
                day_record(day=fall, channel=Channel.SURPLUS_GENERATION),
            ],
        )
    )
    assert outcome.counts.loaded == 3
    stored = {(d, c): values for d, c, _, values in revisions(hub.engine)}
    assert len(stored[(spring, "C")]) == 92
    assert len(stored[(fall, "C")]) == 100
    assert len(stored[(fall, "G")]) == 100
    assert stored[(fall, "C")] == tuple(100 + i for i in range(100))


def test_register_reads_are_stored_and_revised(hub: Hub, inbox: Path) -> None:
    record = day_record(revised_at=NOW - timedelta(days=2))
    hub.ingester.ingest(write_lse_file(inbox, [record]))
    assert record.start_register_wh is not None
    assert record.end_register_wh is not None
    reread = replace(
        record, end_register_wh=record.end_register_wh + 5, revised_at=NOW - timedelta(days=1)
    )

    outcome = hub.ingester.ingest(write_lse_file(inbox, [reread]))

    assert outcome.counts.loaded == 1, "a new register read is news even if intervals are not"
    assert len(revisions(hub.engine)) == 1
    assert register_rows(hub.engine) == [
        (DAY, 1, record.start_register_wh, record.end_register_wh),
        (DAY, 2, record.start_register_wh, record.end_register_wh + 5),
    ]


def test_a_file_commits_as_a_whole_across_batches(hub: Hub, inbox: Path) -> None:
    ingester = Ingester(
        hub.engine, hub.clock, hub.settings.outbound_dir, IngestLimits(batch_records=4)
    )
    records = [day_record(f"104437200000{i:05d}", DAY) for i in range(1, 26)]
    records.append(records[3])  # a duplicate three batches later is still caught

    outcome = ingester.ingest(write_lse_file(inbox, records))

    assert (outcome.counts.loaded, outcome.counts.rejected) == (25, 1)
    with hub.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(interval_day)).scalar_one() == 25
        assert [f.code for f in journal.findings_of(conn, 1)] == [Code.DUPLICATE_IN_FILE]
    assert revisions(hub.engine, ESIID)
