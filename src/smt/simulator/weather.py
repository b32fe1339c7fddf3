"""Weather per ERCOT weather zone: temperature and clear-sky solar, per 15-minute slot of a day.

Slots are placed by real elapsed time from local midnight (smt.domain.central_time), so a
spring-forward day has 92 and a fall-back day 100 of them; the sun follows UTC, people follow the
local clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date

import numpy as np
import numpy.typing as npt

from smt.domain.central_time import CENTRAL, SLOT_LENGTH, local_midnight, slot_count
from smt.simulator.places import CLIMATES, ZONES

Floats = npt.NDArray[np.float64]

WARMEST_DAY_OF_YEAR = 200  # about 19 July
AFTERNOON_PEAK_HOUR = 16.0
BUILDING_LAG_HOURS = 1.0  # air conditioning follows the outdoor temperature with a lag
# Texas holidays on which businesses close (fixed dates only: a simulator, not a calendar).
HOLIDAYS = ((1, 1), (7, 4), (12, 24), (12, 25))


@dataclass(frozen=True)
class DayGrid:
    """Where each slot of a local day sits in local clock time and in solar time."""

    day: date
    slots: int
    local_hour: Floats  # local clock hour at the middle of each slot (repeats on fall-back)
    utc_hour: Floats  # UTC hour of day at the middle of each slot
    day_of_year: int
    rest_day: bool  # weekend or holiday

    @classmethod
    def for_day(cls, day: date) -> DayGrid:
        slots = slot_count(day)
        midnight = local_midnight(day)
        local = np.empty(slots)
        utc = np.empty(slots)
        for s in range(slots):
            mid = midnight + s * SLOT_LENGTH + SLOT_LENGTH / 2
            wall = mid.astimezone(CENTRAL)
            local[s] = wall.hour + wall.minute / 60
            u = mid.astimezone(UTC)
            utc[s] = u.hour + u.minute / 60 + (24 if u.date() > day else 0)
        rest = day.weekday() >= 5 or (day.month, day.day) in HOLIDAYS
        return cls(day, slots, local, utc, day.timetuple().tm_yday, rest)


class Weather:
    """Normal climate plus smooth, seeded anomalies (warm and cold spells, cloudy days)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._periods = np.array([23.0, 9.3, 4.1])  # days
        self._amplitudes = np.array([3.5, 3.0, 2.0])  # degrees F
        self._phases = rng.uniform(0, 2 * np.pi, (len(ZONES), 3))
        shared = rng.uniform(0, 2 * np.pi, 3)  # spells cross zone borders
        self._phases = 0.7 * shared + 0.3 * self._phases
        self._climate = [CLIMATES[z] for z in ZONES]

    def temperature(self, grid: DayGrid, *, lag_hours: float = 0.0) -> Floats:
        """Degrees F per zone and slot, shape (zones, slots)."""
        t = grid.day.toordinal()
        out = np.empty((len(ZONES), grid.slots))
        hours = grid.local_hour - lag_hours
        for z, c in enumerate(self._climate):
            season = c.seasonal_amplitude * np.cos(
                2 * np.pi * (grid.day_of_year - WARMEST_DAY_OF_YEAR) / 365.25
            )
            anomaly = float(
                np.sum(self._amplitudes * np.sin(2 * np.pi * t / self._periods + self._phases[z]))
            )
            diurnal = c.diurnal_half_range * np.cos(2 * np.pi * (hours - AFTERNOON_PEAK_HOUR) / 24)
            out[z] = c.annual_mean + season + anomaly + diurnal
        return out

    def solar_per_kw(self, grid: DayGrid, rng: np.random.Generator) -> Floats:
        """AC kW per kW of DC panels per zone and slot, with the day's clouds, (zones, slots)."""
        declination = np.radians(23.44) * np.sin(2 * np.pi * (284 + grid.day_of_year) / 365)
        out = np.empty((len(ZONES), grid.slots))
        clearness = rng.beta(4.0, 1.3, len(ZONES))
        flicker = rng.random((len(ZONES), grid.slots))
        for z, c in enumerate(self._climate):
            hour_angle = np.radians(15.0 * (grid.utc_hour + c.longitude / 15.0 - 12.0))
            lat = np.radians(c.latitude)
            sin_elevation = np.sin(lat) * np.sin(declination) + np.cos(lat) * np.cos(
                declination
            ) * np.cos(hour_angle)
            sun = np.clip(sin_elevation, 0.0, None) ** 1.2
            clouds = 1.0 - (1.0 - clearness[z]) * (0.5 + flicker[z])
            out[z] = 0.8 * sun * np.clip(clouds, 0.05, 1.0)
        return out
