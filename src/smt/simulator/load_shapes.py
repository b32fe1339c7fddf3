"""Per-slot load and rooftop solar for every meter of one day, vectorised with numpy.

load (kW) = base x time-of-day shape + cooling x (T - setpoint)+ + heating x (setpoint - T)+,
times a day factor and per-slot noise (log-normal), a quarter of it in a vacant home. Texas
summers dominate: a three-ton air conditioner running flat out on a 100 F afternoon.
Residential shapes have a morning and a larger evening peak (later at weekends); businesses run
office hours on weekdays, or retail hours every day. Values are integer Wh per slot.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from smt.simulator.population import COMMERCIAL_VARIANTS, RESIDENTIAL_VARIANTS, Population
from smt.simulator.weather import BUILDING_LAG_HOURS, DayGrid, Weather

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

WH_PER_KW_SLOT = 250.0  # 1 kW for 15 minutes
VACANT_FACTOR = 0.25
DAY_FACTOR_SIGMA = 0.12
_NORMALISING_HOURS = (np.arange(96) + 0.5) / 4


def _bump(hours: Floats, centre: float, width: float) -> Floats:
    return np.exp(-(((hours - centre) / width) ** 2))


def _step(x: Floats) -> Floats:
    return 1.0 / (1.0 + np.exp(-2.0 * x))


def residential_shape(hours: Floats, variant: int, *, rest_day: bool) -> Floats:
    """Multiplier of the base load by local hour; averages 1 over a normal day."""

    def raw(h: Floats) -> Floats:
        shift = variant - 1.0  # early risers, usual, late
        morning = 7.0 + shift + (1.5 if rest_day else 0.0)
        evening = 19.5 + 0.5 * shift
        midday = 0.3 if rest_day else 0.1
        return (
            0.45
            + 0.45 * _bump(h, morning, 1.4)
            + 0.75 * _bump(h, evening, 2.4)
            + midday * _bump(h, 13.5, 3.0)
        )

    return raw(hours) / float(raw(_NORMALISING_HOURS).mean())


def commercial_shape(hours: Floats, variant: int, *, rest_day: bool) -> Floats:
    """Occupancy of a business by local hour: 1 when open, about a third when closed."""
    if variant == 0:  # office: weekdays 7:00-19:00
        open_ = _step(hours - 7.0) * _step(19.0 - hours)
        return 0.35 + (0.1 if rest_day else 0.65) * open_
    open_ = _step(hours - 9.0) * _step(21.0 - hours)  # retail: every day 9:00-21:00
    return 0.3 + (0.6 if rest_day else 0.7) * open_


@dataclass
class DayLoad:
    expected_wh: Floats  # noise-free consumption (for estimation), (meters, slots)
    consumption_wh: Ints  # (meters, slots)
    solar_index: npt.NDArray[np.intp]  # meters with panels, in population order
    surplus_wh: Ints  # (len(solar_index), slots)


def day_load(
    pop: Population,
    grid: DayGrid,
    weather: Weather,
    occupied: Bools,
    rng: np.random.Generator,
) -> DayLoad:
    n, slots = pop.size, grid.slots
    shapes = np.empty((RESIDENTIAL_VARIANTS + COMMERCIAL_VARIANTS, slots))
    for v in range(RESIDENTIAL_VARIANTS):
        shapes[v] = residential_shape(grid.local_hour, v, rest_day=grid.rest_day)
    for v in range(COMMERCIAL_VARIANTS):
        shapes[RESIDENTIAL_VARIANTS + v] = commercial_shape(
            grid.local_hour, v, rest_day=grid.rest_day
        )
    shape = shapes[np.where(pop.commercial, RESIDENTIAL_VARIANTS + pop.variant, pop.variant)]
    temp = weather.temperature(grid, lag_hours=BUILDING_LAG_HOURS)[pop.zone]
    cooling = np.maximum(temp - pop.cool_set_f[:, None], 0.0) * pop.cool_kw_per_f[:, None]
    # businesses cool mostly while open; homes whenever it is hot
    cooling *= np.where(pop.commercial[:, None], shape, 1.0)
    heating = np.maximum(pop.heat_set_f[:, None] - temp, 0.0) * pop.heat_kw_per_f[:, None]
    kw = pop.base_kw[:, None] * shape + cooling + heating
    kw *= np.where(occupied, 1.0, VACANT_FACTOR)[:, None]
    kw *= rng.lognormal(-(DAY_FACTOR_SIGMA**2) / 2, DAY_FACTOR_SIGMA, n)[:, None]
    expected = kw * WH_PER_KW_SLOT
    sigma = pop.noise_sigma[:, None]
    noise = np.exp(rng.standard_normal((n, slots)) * sigma - sigma**2 / 2)
    load = np.rint(expected * noise).astype(np.int64)

    solar_index = np.flatnonzero(pop.solar)
    pv_zone = weather.solar_per_kw(grid, rng)
    pv = np.rint(
        pop.pv_kw[solar_index, None] * pv_zone[pop.zone[solar_index]] * WH_PER_KW_SLOT
    ).astype(np.int64)
    site_load = load[solar_index]
    load[solar_index] = np.maximum(site_load - pv, 0)
    surplus = np.maximum(pv - site_load, 0)
    return DayLoad(expected, load, solar_index, surplus)
