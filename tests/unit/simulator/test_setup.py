"""Configuration, the fixed REP list, and the simulated population."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest

from smt.domain.central_time import CENTRAL
from smt.domain.duns import Duns
from smt.domain.esiid import esiid_fault
from smt.domain.tdsp import TDSPS, tdsp_for_esiid
from smt.simulator import REPS, SimulationConfig, default_start, simulate
from smt.simulator.load_shapes import day_load
from smt.simulator.population import TDSP_SHARES, Population, allocate, build_population
from smt.simulator.weather import DayGrid, Weather


def population(meters: int, seed: int = 1) -> Population:
    return build_population(
        np.random.default_rng(seed),
        meters=meters,
        start=date(2026, 1, 1),
        days=30,
        new_connection_rate=0.0,
    )


def test_default_start_is_the_days_ending_yesterday_in_central_time() -> None:
    # 03:00 UTC on 2 March is still 1 March in Texas
    now = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    assert default_start(10, now) == date(2026, 2, 19)
    assert default_start(1, datetime(2026, 3, 2, 12, 0, tzinfo=CENTRAL)) == date(2026, 3, 1)


LATER = datetime(2026, 12, 1, 18, tzinfo=UTC)
JAN = date(2026, 1, 1)


@pytest.mark.parametrize(
    "config",
    [
        # 30 November and 1 December: 1 December is today in Texas, not over yet
        SimulationConfig(meters=5, days=2, start=date(2026, 11, 30), now=LATER),
        SimulationConfig(meters=0, days=2, start=JAN, now=LATER),
        SimulationConfig(meters=5, days=0, start=JAN, now=LATER),
        SimulationConfig(meters=5, days=2, start=JAN, malformed=1.5, now=LATER),
        SimulationConfig(meters=5, days=2, start=JAN, now=datetime(2026, 12, 1)),  # noqa: DTZ001
    ],
    ids=["day-not-over", "no-meters", "no-days", "fraction", "naive-now"],
)
def test_bad_configurations_are_refused(config: SimulationConfig, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        simulate(config, tmp_path)
    assert not any(tmp_path.iterdir())


def test_reps_are_fictitious_valid_and_distinct() -> None:
    assert len(REPS) >= 8
    assert len({r.duns for r in REPS}) == len(REPS)
    assert len({r.name for r in REPS}) == len(REPS)
    assert {len(Duns(r.duns).value) for r in REPS} == {9, 13}
    assert not {r.duns for r in REPS} & {t.duns for t in TDSPS}
    name, duns = REPS[0]  # a (name, duns) pair
    assert (name, duns) == (REPS[0].name, REPS[0].duns)


def test_allocation_is_exact() -> None:
    assert allocate(20_000, TDSP_SHARES) == [9000, 6400, 2200, 1000, 1400]
    assert sum(allocate(37, TDSP_SHARES)) == 37
    assert min(allocate(20, TDSP_SHARES)) >= 1


def test_esiids_are_valid_unique_and_follow_tdsp_shares() -> None:
    pop = population(5000)
    assert len(set(pop.esiids)) == 5000
    assert all(esiid_fault(e) is None for e in pop.esiids)
    by_tdsp = Counter(getattr(tdsp_for_esiid(e), "code", None) for e in pop.esiids)
    assert by_tdsp == {"ONCOR": 2250, "CNP": 1600, "AEPC": 550, "AEPN": 250, "TNMP": 350}
    assert all(len(e) == 22 for e in pop.esiids if e.startswith("1008901"))
    assert any(e.startswith("1017699") for e in pop.esiids)


def test_customer_mix() -> None:
    pop = population(5000)
    commercial = pop.commercial.mean()
    solar_of_residential = pop.solar[~pop.commercial].mean()
    assert 0.08 < commercial < 0.12
    assert 0.06 < solar_of_residential < 0.10
    assert not (pop.solar & pop.commercial).any()


def test_load_follows_texas_seasons_and_hours() -> None:
    pop = population(600)
    weather = Weather(np.random.default_rng(1))
    occupied = np.ones(600, dtype=np.bool_)
    residential = ~pop.commercial

    def daily_kwh(day: date) -> tuple[float, np.ndarray]:
        grid = DayGrid.for_day(day)
        load = day_load(pop, grid, weather, occupied, np.random.default_rng(2))
        return float(
            load.consumption_wh[residential].sum(axis=1).mean() / 1000
        ), load.consumption_wh

    july, july_wh = daily_kwh(date(2026, 7, 15))
    april, _ = daily_kwh(date(2026, 4, 15))
    january, _ = daily_kwh(date(2026, 1, 14))
    assert july > 1.5 * april  # air conditioning
    assert january > april  # some electric heating
    assert 35 < july < 90
    hourly = july_wh[residential].mean(axis=0).reshape(24, 4).sum(axis=1)
    assert hourly[17:20].mean() > 2.5 * hourly[3:5].mean()  # evening peak, night trough
    assert (july_wh >= 0).all()
