"""Usage through the policy, and `smt report`: days a principal may not see are absent, every
revision is there when asked for, and the CLI writes the bytes the formats define."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from smt.access.policy import Principal
from smt.accounts import audit
from smt.accounts.model import Role
from smt.composition import Hub
from smt.formats.file_names import InboundKind
from smt.ingest.faults import Rejection
from smt.ingest.inbound import read_lines
from smt.ingest.lse_records import parse_lse
from smt.reports.writers import ReportFormat, write_interval_report
from smt.usage.service import UsageService

from builders import ESIID, NOW, day_record, write_csv_file, write_lse_file

A, B = "111111111", "222222222"
DAYS = [date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20)]
USAGE = UsageService()


@pytest.fixture
def market(hub: Hub, inbox: Path) -> Hub:
    hub.ingester.ingest(
        write_csv_file(
            inbox, InboundKind.ROR_FULL, [[ESIID, A, "20240301"]], created=NOW - timedelta(days=20)
        )
    )
    hub.ingester.ingest(
        write_csv_file(inbox, InboundKind.ROR_INCREMENTAL, [[ESIID, B, "SWITCH", "20261119"]])
    )
    hub.ingester.ingest(
        write_lse_file(inbox, [day_record(day=d, revised_at=NOW - timedelta(days=3)) for d in DAYS])
    )
    hub.ingester.ingest(
        write_lse_file(
            inbox, [day_record(day=DAYS[2], base=300, revised_at=NOW - timedelta(days=1))]
        )
    )
    return hub


def _days(
    hub: Hub, principal: Principal, *, all_revisions: bool = False
) -> list[tuple[date, int, bool]]:
    with hub.engine.begin() as conn:
        return [
            (v.day, v.revision, v.latest)
            for v in USAGE.intervals(
                conn, principal, [ESIID], DAYS[0], DAYS[-1], now=NOW, all_revisions=all_revisions
            )
        ]


def test_each_rep_sees_only_its_days(market: Hub) -> None:
    rep_a = Principal("a", Role.REP_USER, 1, duns=frozenset({A}))
    rep_b = Principal("b", Role.REP_USER, 2, duns=frozenset({B}))
    stranger = Principal("c", Role.REP_ADMIN, 3, duns=frozenset({"333333333"}))
    assert _days(market, rep_a) == [(DAYS[0], 1, True)]
    assert _days(market, rep_b) == [(DAYS[1], 1, True), (DAYS[2], 2, True)]
    assert _days(market, rep_b, all_revisions=True) == [
        (DAYS[1], 1, True),
        (DAYS[2], 2, True),
        (DAYS[2], 1, False),
    ]
    assert _days(market, stranger) == []
    assert _days(market, Principal("cnp", Role.TDSP_USER, 9, tdsp_code="CNP")) == []


def test_operator_reads_are_audited(market: Hub) -> None:
    assert len(_days(market, Principal("ops.rosa", Role.OPERATOR))) == 3
    with market.engine.connect() as conn:
        assert ("ops.rosa", "read-usage") in audit.events_about(conn, f"esiid:{ESIID}")


def test_smt_report_writes_the_formats(market: Hub, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMT_")}
    base = [
        sys.executable,
        "-m",
        "smt.cli",
        "--data-dir",
        str(market.settings.data_dir),
        "--database-url",
        market.settings.effective_database_url,
        "report",
        "--esiid",
        f"'{ESIID}",
        "--from",
        "2026-11-18",
        "--to",
        "2026-11-20",
    ]

    def report(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*base, *args], capture_output=True, text=True, env=env, timeout=120, check=False
        )

    csv_out = report("--type", "interval")
    lse_out = report("--type", "interval", "--format", "lse", "--all-revisions")
    daily = report("--type", "daily")
    refused = report("--type", "daily", "--format", "lse")

    assert csv_out.returncode == 0, csv_out.stderr
    assert len(csv_out.stdout.splitlines()) == 1 + 3 * 96
    with market.engine.begin() as conn:
        expected = io.StringIO()
        write_interval_report(
            expected,
            USAGE.intervals(
                conn, Principal("x", Role.OPERATOR), [ESIID], DAYS[0], DAYS[-1], now=NOW
            ),
            ReportFormat.CSV,
        )
    assert csv_out.stdout == expected.getvalue()
    parsed = [
        item
        for batch in parse_lse(
            read_lines(io.BytesIO(lse_out.stdout.encode()), 65536),
            tdsp=__import__("builders").ONCOR,
            now=NOW,
            max_records=100,
            batch_records=10,
        )
        for item in batch
    ]
    assert not [p for p in parsed if isinstance(p, Rejection)], "our LSE reads back"
    assert len(parsed) == 4, "three days and the older revision of the last"
    assert daily.stdout.splitlines()[0] == (
        "ESIID,READ_DATE,REVISION_DATE,START_READING_KWH,END_READING_KWH,USAGE_KWH"
    )
    assert len(daily.stdout.splitlines()) == 4
    assert refused.returncode == 2
    assert "LSE carries interval data only" in refused.stderr
