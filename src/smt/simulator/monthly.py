"""Monthly billed usage (IF1010): each ESIID is read on its bill-cycle day of the month.

A period runs from the day after the previous cycle read through the cycle day. It is billed
only if the whole period lies inside the simulation and the premise was connected for all of
it. USAGE_KWH is the exact sum of the period's consumption (the current version of every day;
de-energised days count zero), DEMAND_KW the largest 15-minute demand for businesses, and the
bill is estimated (E) if any slot of the period is estimated or missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from smt.simulator.population import Population

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

SLOTS_PER_HOUR = 4


@dataclass(frozen=True, slots=True)
class Bill:
    meter: int  # population index
    start: date
    end: date
    usage_wh: int
    demand_w: int | None  # largest 15-minute average demand, businesses only
    estimated: bool


class Billing:
    def __init__(self, pop: Population, start: date) -> None:
        self._pop = pop
        n = pop.size
        self._usage = np.zeros(n, dtype=np.int64)
        self._peak = np.zeros(n, dtype=np.int64)
        self._estimated = np.zeros(n, dtype=np.bool_)
        self._period_start = np.full(n, start.toordinal(), dtype=np.int64)
        # a period is complete if it starts on or after the first simulated day
        previous = start - timedelta(days=1)
        self._complete = (pop.cycle_day == previous.day) & (pop.connect_day <= start.toordinal())

    def add_day(self, active: Bools, values: Ints, flagged: Bools) -> None:
        self._usage += np.where(active, values.sum(axis=1), 0)
        self._peak = np.maximum(self._peak, np.where(active, values.max(axis=1), 0))
        self._estimated |= active & flagged

    def close_cycles(self, day: date) -> list[Bill]:
        """Bills of the periods that end on `day` (in population order); their accumulators are
        reset for the next period."""
        ending = np.flatnonzero(self._pop.cycle_day == day.day)
        bills = [
            Bill(
                meter=i,
                start=date.fromordinal(int(self._period_start[i])),
                end=day,
                usage_wh=int(self._usage[i]),
                demand_w=int(self._peak[i]) * SLOTS_PER_HOUR if self._pop.commercial[i] else None,
                estimated=bool(self._estimated[i]),
            )
            for i in ending.tolist()
            if self._complete[i]
        ]
        next_start = day.toordinal() + 1
        self._usage[ending] = 0
        self._peak[ending] = 0
        self._estimated[ending] = False
        self._period_start[ending] = next_start
        self._complete[ending] = self._pop.connect_day[ending] <= next_start
        return bills
