"""Same configuration, same bytes; another seed, other data."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from simfiles import BUSY

from smt.simulator import SimulationConfig, default_start, simulate
from smt.simulator.engine import Tuning, run

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def config(seed: int) -> SimulationConfig:
    return SimulationConfig(
        meters=60, days=35, start=date(2026, 3, 1), seed=seed, malformed=0.05, now=NOW
    )


def test_same_configuration_gives_identical_files(tmp_path: Path) -> None:
    first = run(config(1), tmp_path / "a", Tuning(rates=BUSY))
    second = run(config(1), tmp_path / "b", Tuning(rates=BUSY))
    assert first == second
    a, b = contents(tmp_path / "a"), contents(tmp_path / "b")
    assert a == b
    assert len(a) == first.files
    assert not [n for n in a if n.endswith(".part")]


def test_another_seed_gives_other_data(tmp_path: Path) -> None:
    one = simulate(config(1), tmp_path / "a")
    two = simulate(config(2), tmp_path / "b")
    assert one.malformed_by_code and two.malformed_by_code
    a, b = contents(tmp_path / "a"), contents(tmp_path / "b")
    shared = set(a) & set(b)
    assert not any(a[name] == b[name] for name in shared if "IntervalData" in name)
    assert not any(a[name] == b[name] for name in shared if "PremiseFull" in name)


def test_default_now_is_the_wall_clock(tmp_path: Path) -> None:
    start = default_start(1, datetime.now(UTC))
    summary = simulate(SimulationConfig(meters=5, days=1, start=start), tmp_path)
    assert summary.meter_days == 5
