"""Simulations shared by the simulator tests (each runs once per session, in a temporary folder)."""

from __future__ import annotations

from datetime import date

import pytest
from simfiles import BUSY, NOW, Simulated, simulated

from smt.simulator import SimulationConfig
from smt.simulator.engine import Tuning


@pytest.fixture(scope="session")
def spring(tmp_path_factory: pytest.TempPathFactory) -> Simulated:
    """300 meters over 45 days across the spring-forward day (2026-03-08), busy market."""
    config = SimulationConfig(meters=300, days=45, start=date(2026, 2, 20), seed=7, now=NOW)
    return simulated(tmp_path_factory.mktemp("spring"), config, Tuning(rates=BUSY))


@pytest.fixture(scope="session")
def autumn(tmp_path_factory: pytest.TempPathFactory) -> Simulated:
    """80 meters over the fall-back day (2026-11-01)."""
    config = SimulationConfig(meters=80, days=4, start=date(2026, 10, 30), seed=3, now=NOW)
    return simulated(tmp_path_factory.mktemp("autumn"), config)


@pytest.fixture(scope="session")
def spoiled(tmp_path_factory: pytest.TempPathFactory) -> Simulated:
    """A fifth of the records malformed, busy market, monthly bills included."""
    config = SimulationConfig(
        meters=150, days=40, start=date(2026, 4, 20), seed=11, malformed=0.2, now=NOW
    )
    return simulated(tmp_path_factory.mktemp("spoiled"), config, Tuning(rates=BUSY))
