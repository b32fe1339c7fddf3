"""A crash in the middle of a file leaves nothing of it; hostile input never crashes the
ingester nor touches stored data. On SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from smt.composition import Hub
from smt.formats.lse import format_record, format_trailer
from smt.ingest.codes import Code
from smt.store import journal
from smt.store.schema import ingest_file, interval_day

from builders import ESIID_2, day_record, revisions, write_lse_file

CRASHING_INGEST = textwrap.dedent("""
    import os, signal, sys
    from smt.ingest import interval_flow
    from smt.cli import main

    persist = interval_flow._persist
    batches = 0

    def persist_then_die(*args, **kwargs):
        global batches
        results = persist(*args, **kwargs)
        batches += 1
        if batches == 3:  # rows of three batches are written, not yet committed
            os.kill(os.getpid(), signal.SIGKILL)
        return results

    interval_flow._persist = persist_then_die
    sys.exit(main(sys.argv[1:]))
""")


def _count(hub: Hub, table: object) -> int:
    with hub.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_a_process_killed_between_records_leaves_nothing_and_resending_works(
    hub: Hub, inbox: Path
) -> None:
    hub.ingester.ingest(write_lse_file(inbox, [day_record(ESIID_2, date(2026, 11, 2))]))
    before = revisions(hub.engine, ESIID_2)
    records = [day_record(f"104437200001{i:05d}") for i in range(10)]
    path = write_lse_file(inbox, records)
    env = {**os.environ, "SMT_INGEST_BATCH_RECORDS": "2"}

    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            CRASHING_INGEST,
            "--data-dir",
            str(hub.settings.data_dir),
            "--database-url",
            hub.settings.effective_database_url,
            "ingest",
            str(path),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert _count(hub, interval_day) == 1, "nothing of the killed file is visible"
    assert _count(hub, ingest_file) == 1, "the killed file is not journaled"
    assert revisions(hub.engine, ESIID_2) == before
    again = hub.ingester.ingest(path)
    assert again.outcome == "accepted"
    assert again.counts.loaded == 10
    assert _count(hub, interval_day) == 11


def test_a_100_mb_line_is_one_rejected_record(hub: Hub, inbox: Path) -> None:
    good = format_record(day_record(ESIID_2))
    bad = format_record(day_record()).splitlines(keepends=True)
    path = write_lse_file(inbox, [])
    with path.open("w", encoding="utf-8") as out:
        out.write(bad[0] + bad[1])
        out.write("00000003,")
        chunk = "1" * (1 << 20)
        for _ in range(100):
            out.write(chunk)
        out.write("\n" + bad[3] + good + format_trailer(2))

    outcome = hub.ingester.ingest(path)

    assert (outcome.counts.loaded, outcome.counts.rejected) == (1, 1)
    with hub.engine.connect() as conn:
        findings = journal.findings_of(conn, 1)
    assert [(f.code, f.line) for f in findings] == [(Code.LINE_TOO_LONG, 1)]
    assert "line 3" in findings[0].message


def test_hostile_files_leave_stored_data_intact(hub: Hub, inbox: Path) -> None:
    hub.ingester.ingest(write_lse_file(inbox, [day_record(ESIID_2)]))
    before = revisions(hub.engine, ESIID_2)
    hostile = {
        "binary": os.urandom(4096),
        "nul_bytes": b"00000001,\x00\x00\x00\n",
        "latin1": "00000001,caf\xe9\n".encode("latin-1"),
        "only_trailer_with_lie": b"99999999,5\n",
        "csv_bomb": b'"' * 100_000,
    }
    outcomes = []
    for label, content in hostile.items():
        path = write_lse_file(inbox, [])
        path.write_bytes(content)
        outcomes.append((label, hub.ingester.ingest(path)))

    for label, outcome in outcomes:
        assert outcome.outcome == "rejected", label
        assert outcome.file_code is not None, label
    assert revisions(hub.engine, ESIID_2) == before
