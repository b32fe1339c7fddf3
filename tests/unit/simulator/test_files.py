"""File names, creation times bounded by "now", splitting of large interval files, summary."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

from simfiles import BUSY, Output, Simulated, read_lse

from smt.domain.central_time import CENTRAL, parse_central_timestamp
from smt.formats.file_names import InboundKind
from smt.simulator import SimulationConfig, simulate
from smt.simulator.engine import Tuning, run


def test_every_timestamp_is_at_most_now(tmp_path: Path) -> None:
    # "now" is half past midnight after the last day: the last files must be clamped to it
    start = date(2026, 4, 1)
    end = start + timedelta(days=34)
    now = datetime(end.year, end.month, end.day + 1, 0, 30, 15, 999, tzinfo=CENTRAL)
    config = SimulationConfig(meters=120, days=35, start=start, seed=4, malformed=0.05, now=now)
    run(config, tmp_path, Tuning(rates=BUSY))
    out = Output(tmp_path)
    stamps = [name.created_at for name, _ in out.files]
    stamps += [s.record.revised_at for s in out.intervals]
    stamps += [
        parse_central_timestamp(row["REVISION_TS"])
        for _, row in out.rows(InboundKind.MONTHLY_USAGE)
    ]
    assert max(stamps) <= now
    clamped = now.replace(microsecond=0)
    assert clamped in stamps  # the last day's interval file was created "now"
    last_day = [s for s in out.intervals if s.record.day == end]
    assert last_day
    assert all(s.record.revised_at >= datetime(2026, 5, 6, tzinfo=CENTRAL) for s in last_day)


def test_large_interval_files_are_split(tmp_path: Path) -> None:
    config = SimulationConfig(
        meters=200,
        days=3,
        start=date(2026, 5, 1),
        seed=9,
        malformed=0.2,
        now=datetime(2026, 6, 1, tzinfo=UTC),
    )
    whole = run(config, tmp_path / "whole")
    split = run(config, tmp_path / "split", Tuning(max_records_per_file=25))
    assert split.records_by_kind == whole.records_by_kind
    assert split.malformed_by_code == whole.malformed_by_code
    assert split.files > whole.files
    most_parts = 0
    for day_file in sorted((tmp_path / "whole").glob("*IntervalData*001.lse")):
        stem = day_file.name[: -len("001.lse")]
        parts = sorted((tmp_path / "split").glob(stem + "*.lse"))
        most_parts = max(most_parts, len(parts))
        assert [p.name[-7:-4] for p in parts] == [f"{k:03d}" for k in range(1, len(parts) + 1)]
        records = []
        for part in parts:
            chunk = read_lse(part)
            assert len(chunk) <= 25
            keys = [(r.esiid, r.day, r.channel) for r in chunk]
            records.extend(chunk)
            # a duplicate always sits in the same file as its original
            assert len(keys) - len(set(keys)) == sum(1 for a, b in pairwise(chunk) if a == b)
        assert [r.rows for r in records] == [r.rows for r in read_lse(day_file)]
    assert most_parts > 3


def test_no_partial_files_remain_and_names_are_unique(spring: Simulated) -> None:
    out_dir = spring.output.out_dir
    names = [p.name for p in out_dir.iterdir()]
    assert not [n for n in names if n.endswith(".part")]
    assert len(names) == spring.summary.files


def test_summary_lines(spring: Simulated, tmp_path: Path) -> None:
    text = "\n".join(spring.summary.lines())
    assert "meter-days" in text
    assert "IntervalData" in text
    assert spring.summary.records_by_kind["IntervalData"] == len(spring.output.intervals)
    config = SimulationConfig(
        meters=30,
        days=2,
        start=date(2026, 5, 1),
        malformed=0.5,
        now=datetime(2026, 6, 1, tzinfo=UTC),
    )
    spoiled = simulate(config, tmp_path)
    lines = spoiled.lines()
    assert any(line.strip().startswith("01 invalid value") for line in lines)
