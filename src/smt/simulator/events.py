"""Market events: REP switches, move-outs and move-ins, de-energisation, meter exchanges and new
connections, applied day by day to the state of every ESIID.

An event effective on day D takes effect at the start of D (the previous REP serves through
D - 1) and is reported in the incremental files the TDSP sends on the evening of D. At most one
REP of Record event per ESIID and day.

A premise row carries no date, so two incremental files with the same single row would be
byte-identical, and the hub (idempotent by content) would take the second for a resend. So a
premise is de-energised at most once per run, and never a premise connected during the run:
every premise row sent is then unique.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt

from smt.simulator.population import Population
from smt.simulator.reps import REP_SHARES, REPS
from smt.simulator.rows import Row, meter_row, premise_row, ror_event_row

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

DAYS_PER_MONTH = 30.4375
NO_REP = -1
NEW_METER_SERIAL_BASE = 900_000_000  # above every serial of the initial population


@dataclass(frozen=True)
class EventRates:
    """Rates per ESIID. Texas: about 1.5% of customers switch REP each month; about 1% of homes
    see a move each month (businesses a quarter of that)."""

    switch_per_month: float = 0.015
    move_out_per_month: float = 0.010
    commercial_move_factor: float = 0.25
    move_in_delay_days: tuple[int, int] = (2, 6)  # inclusive
    deenergize_share: float = 0.5  # of move-outs: the premise is de-energised until move-in
    meter_exchange_per_month: float = 0.0005
    new_connection_per_month: float = 0.0015  # growth: new premises connected during the run

    @property
    def new_connection_per_day(self) -> float:
        return self.new_connection_per_month / DAYS_PER_MONTH


@dataclass
class MarketState:
    exists: Bools  # connected (before the run or on its connection day)
    energized: Bools
    occupied: Bools  # False between a move-out and the next move-in
    rep: Ints  # index into REPS, NO_REP between a move-out and a move-in
    move_in_day: Ints  # ordinal of a pending move-in, or -1
    move_in_rep: Ints
    register_wh: Ints  # consumption register at the start of the next day to simulate
    meter_serial: Ints
    meter_installed: Ints  # ordinal
    may_deenergize: Bools  # see step(): at most once per run, never a new connection
    next_serial: int = NEW_METER_SERIAL_BASE

    @classmethod
    def initial(cls, pop: Population, start: date) -> MarketState:
        exists = pop.connect_day <= start.toordinal()
        n = pop.size
        return cls(
            exists=exists,
            energized=exists.copy(),
            occupied=np.ones(n, dtype=np.bool_),
            rep=np.where(exists, pop.initial_rep, NO_REP).astype(np.int64),
            move_in_day=np.full(n, -1, dtype=np.int64),
            move_in_rep=np.zeros(n, dtype=np.int64),
            register_wh=pop.initial_register_wh.copy(),
            meter_serial=pop.meter_serial.copy(),
            meter_installed=pop.meter_installed.copy(),
            may_deenergize=exists.copy(),
        )

    @property
    def active(self) -> Bools:
        """Meters that record usage today."""
        return self.exists & self.energized


@dataclass
class DayEvents:
    """Incremental rows per TDSP index, and how many events of each kind happened."""

    ror: dict[int, list[Row]] = field(default_factory=dict)
    meters: dict[int, list[Row]] = field(default_factory=dict)
    premises: dict[int, list[Row]] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)


def _rep_choice(rng: np.random.Generator, n: int) -> Ints:
    shares = np.array(REP_SHARES)
    return rng.choice(len(REPS), size=n, p=shares / shares.sum()).astype(np.int64)


def step(
    pop: Population,
    state: MarketState,
    day: date,
    rng: np.random.Generator,
    rates: EventRates,
) -> DayEvents:
    """Apply the events effective on `day` to `state`; return the rows that report them."""
    n = pop.size
    o = day.toordinal()
    out = DayEvents()
    # every draw is made for every ESIID, so that the stream does not depend on eligibility
    u_event = rng.random(n)
    u_exchange = rng.random(n)
    u_deenergize = rng.random(n)
    delay = rng.integers(rates.move_in_delay_days[0], rates.move_in_delay_days[1] + 1, n)
    next_rep = _rep_choice(rng, n)
    switch_offset = rng.integers(1, len(REPS), n)
    new_register = rng.integers(0, 100, n)

    def add(table: dict[int, list[Row]], i: int, row: Row) -> None:
        table.setdefault(int(pop.tdsp[i]), []).append(row)

    def ror(i: int, rep: int, event: str) -> None:
        add(out.ror, i, ror_event_row(pop.esiids[i], REPS[rep].duns, event, day))
        out.counts[event] += 1

    new = (pop.connect_day == o) & ~state.exists
    for i in np.flatnonzero(new).tolist():
        state.exists[i] = state.energized[i] = state.occupied[i] = True
        state.rep[i] = pop.initial_rep[i]
        add(out.premises, i, premise_row(pop, i, "ACTIVE", day))
        add(out.meters, i, _meter(pop, state, i))
        ror(i, int(state.rep[i]), "NEW")

    moving_in = state.move_in_day == o
    for i in np.flatnonzero(moving_in).tolist():
        state.rep[i] = state.move_in_rep[i]
        state.move_in_day[i] = -1
        state.occupied[i] = True
        if not state.energized[i]:
            state.energized[i] = True
            add(out.premises, i, premise_row(pop, i, "ACTIVE", day))
            out.counts["ENERGIZE"] += 1
        ror(i, int(state.rep[i]), "MOVE_IN")

    eligible = state.exists & (state.rep != NO_REP) & (state.move_in_day < 0) & ~new & ~moving_in
    p_move = (
        rates.move_out_per_month
        / DAYS_PER_MONTH
        * np.where(pop.commercial, rates.commercial_move_factor, 1.0)
    )
    p_switch = rates.switch_per_month / DAYS_PER_MONTH
    move_out = eligible & (u_event < p_move)
    switch = eligible & ~move_out & (u_event < p_move + p_switch)
    for i in np.flatnonzero(move_out | switch).tolist():
        if move_out[i]:
            ror(i, int(state.rep[i]), "MOVE_OUT")
            state.rep[i] = NO_REP
            state.occupied[i] = False
            state.move_in_day[i] = o + int(delay[i])
            state.move_in_rep[i] = next_rep[i]
            if u_deenergize[i] < rates.deenergize_share and state.may_deenergize[i]:
                state.may_deenergize[i] = False
                state.energized[i] = False
                add(out.premises, i, premise_row(pop, i, "DEENERGIZED", day))
                out.counts["DEENERGIZE"] += 1
        else:
            state.rep[i] = (state.rep[i] + switch_offset[i]) % len(REPS)
            ror(i, int(state.rep[i]), "SWITCH")

    p_exchange = rates.meter_exchange_per_month / DAYS_PER_MONTH
    exchange = state.active & ~new & (u_exchange < p_exchange)
    for i in np.flatnonzero(exchange).tolist():
        add(out.meters, i, _meter(pop, state, i, removed=day))
        state.meter_serial[i] = state.next_serial
        state.next_serial += 1
        state.meter_installed[i] = o
        state.register_wh[i] = new_register[i]  # a new meter's register starts near zero
        add(out.meters, i, _meter(pop, state, i))
        out.counts["METER_EXCHANGE"] += 1
    return out


def _meter(pop: Population, state: MarketState, i: int, removed: date | None = None) -> Row:
    return meter_row(
        pop,
        i,
        serial=int(state.meter_serial[i]),
        model=int(pop.model[i]),
        installed=date.fromordinal(int(state.meter_installed[i])),
        removed=removed,
    )
