"""The simulator and the ingest agree: a simulated Texas market loads cleanly, and every
malformed record the simulator plants is found with the code it was planted for."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from smt.composition import Hub
from smt.ingest.pipeline import inbound_order
from smt.simulator import SimulationConfig, simulate
from smt.store.schema import ingest_finding, interval_day, meter, premise, rep_of_record

from builders import NOW


def _ingest_folder(hub: Hub, folder: Path) -> Counter[str]:
    ordered = inbound_order(p for p in folder.iterdir() if p.is_file())
    outcomes = list(hub.ingester.ingest_many((p, None) for p in ordered))
    assert all(o.file_code is None for o in outcomes), [o.summary() for o in outcomes]
    with hub.engine.connect() as conn:
        rows = conn.execute(
            select(ingest_finding.c.code, func.count()).group_by(ingest_finding.c.code)
        ).all()
    return Counter({str(code): int(n) for code, n in rows})


def test_a_clean_market_loads_without_a_finding(hub: Hub, tmp_path: Path) -> None:
    config = SimulationConfig(meters=150, days=6, start=date(2026, 10, 29), seed=11, now=NOW)
    summary = simulate(config, tmp_path / "files")

    findings = _ingest_folder(hub, tmp_path / "files")

    assert findings == Counter()
    with hub.engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(interval_day)).scalar_one()
        assert conn.execute(select(func.count()).select_from(meter)).scalar_one() >= 150
        assert conn.execute(select(func.count()).select_from(premise)).scalar_one() >= 150
        assert conn.execute(select(func.count()).select_from(rep_of_record)).scalar_one() >= 150
    assert stored >= summary.meter_days  # corrected days add revisions


def test_every_planted_fault_is_found_with_its_code(sqlite_hub: Hub, tmp_path: Path) -> None:
    config = SimulationConfig(
        meters=200, days=5, start=date(2026, 11, 10), seed=5, malformed=0.03, now=NOW
    )
    summary = simulate(config, tmp_path / "files")

    findings = _ingest_folder(sqlite_hub, tmp_path / "files")

    assert summary.malformed_by_code, "the simulator planted faults"
    assert findings == Counter(summary.malformed_by_code)
