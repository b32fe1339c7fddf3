"""The day loop: full snapshots on the first day, then for each usage day the events effective that
day, the interval files of the day (sent the next morning) and the monthly bills that close.

Memory is bounded by one day of one population (numpy arrays of meters x slots) plus the few
corrected days waiting to be resent; it does not grow with the number of days.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

from smt.domain.central_time import CENTRAL, format_central_timestamp, local_midnight
from smt.domain.channel import Channel
from smt.domain.tdsp import TDSPS, Tdsp
from smt.formats.file_names import InboundKind
from smt.formats.lse import LseRecord, format_kwh, format_record
from smt.simulator.config import SimulationConfig, SimulationSummary, resolve_now
from smt.simulator.events import EventRates, MarketState, step
from smt.simulator.load_shapes import day_load
from smt.simulator.malformed import Malformer
from smt.simulator.monthly import Bill, Billing
from smt.simulator.population import Population, build_population
from smt.simulator.reps import REPS
from smt.simulator.rows import Row, as_list, meter_row, monthly_row, premise_row, ror_full_row
from smt.simulator.vee import apply_vee
from smt.simulator.weather import DayGrid, Weather
from smt.simulator.writer import MAX_RECORDS_PER_FILE, FileWriter

# independent random streams, so that changing one part does not reshuffle the others
POPULATION, WEATHER, EVENTS, LOAD, VEE, MALFORMED, TIMES = range(7)

SNAPSHOT_TIME = (0, 5)  # full files: 00:05 on the first day
INTERVAL_WINDOW = (6, 180)  # interval files: the next day from 06:00, within 180 minutes
VEE_LAG_MINUTES = (5, 45)  # revision timestamp: this long before the file is created
MONTHLY_TIME = (7, 30)  # monthly usage: the day after the cycle read, 07:30
EVENT_TIMES = {  # incremental files on the evening of the effective day, premises first
    InboundKind.PREMISE_INCREMENTAL: (19, 50),
    InboundKind.METER_INCREMENTAL: (19, 55),
    InboundKind.ROR_INCREMENTAL: (20, 0),
}


@dataclass(frozen=True)
class Tuning:
    """Knobs below the public configuration (tests raise the event rates or lower file sizes)."""

    rates: EventRates = field(default_factory=EventRates)
    max_records_per_file: int = MAX_RECORDS_PER_FILE


def stream(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed % 2**64, *key]))


def central(day: date, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=CENTRAL)


def run(config: SimulationConfig, out_dir: Path, tuning: Tuning | None = None) -> SimulationSummary:
    return _Simulation(config, out_dir, tuning or Tuning()).run()


class _Simulation:
    def __init__(self, config: SimulationConfig, out_dir: Path, tuning: Tuning) -> None:
        self.config = config
        self.tuning = tuning
        self.now = resolve_now(config)
        self.seed = config.seed
        self.pop: Population = build_population(
            stream(self.seed, POPULATION),
            meters=config.meters,
            start=config.start,
            days=config.days,
            new_connection_rate=tuning.rates.new_connection_per_day,
        )
        self.state = MarketState.initial(self.pop, config.start)
        self.weather = Weather(stream(self.seed, WEATHER))
        self.billing = Billing(self.pop, config.start)
        self.writer = FileWriter(out_dir, self.now)
        self.summary = SimulationSummary()
        self.malformer = (
            Malformer(stream(self.seed, MALFORMED), self.now, set(self.pop.esiids))
            if config.malformed > 0
            else None
        )
        self.pick = stream(self.seed, MALFORMED, 1)  # which records go bad
        # corrected days waiting: resend ordinal -> (TDSP index, record without its revision)
        self.resends: dict[int, list[tuple[int, LseRecord]]] = defaultdict(list)

    def run(self) -> SimulationSummary:
        self.write_snapshots()
        day = self.config.start
        while day <= self.config.end:
            if day > self.config.start:
                self.write_events(day)
            self.write_usage(day)
            self.write_bills(day, self.billing.close_cycles(day))
            day += timedelta(days=1)
        self.summary.files = self.writer.files
        return self.summary

    # CSV flows -------------------------------------------------------------------------------

    def write_csv(self, t: int, kind: InboundKind, created: datetime, rows: list[Row]) -> None:
        tdsp = TDSPS[t]
        lines: list[list[str]] = []
        for row in rows:
            bad = None
            if self.malformer is not None and self.pick.random() < self.config.malformed:
                bad, code = self.malformer.bad_row(kind, row, tdsp)
                self.summary.count_malformed(code.value)
            if bad is None or kind is not InboundKind.MONTHLY_USAGE:
                lines.append(as_list(kind, row))
            if bad is not None:
                lines.append(bad)
        self.writer.write_csv(
            tdsp, kind, created, lines, max_records=self.tuning.max_records_per_file
        )
        self.summary.count_records(kind.value, len(lines))

    def write_snapshots(self) -> None:
        start = self.config.start
        created = self.writer.clamp(central(start, *SNAPSHOT_TIME))
        pop, state = self.pop, self.state
        for t, members in enumerate(pop.by_tdsp):
            if members.size == 0:
                continue
            existing = [i for i in members.tolist() if state.exists[i]]
            meters = [
                meter_row(
                    pop,
                    i,
                    serial=int(state.meter_serial[i]),
                    model=int(pop.model[i]),
                    installed=date.fromordinal(int(state.meter_installed[i])),
                )
                for i in existing
            ]
            premises = [
                premise_row(pop, i, "ACTIVE", date.fromordinal(int(state.meter_installed[i])))
                for i in existing
            ]
            ror = [
                ror_full_row(
                    pop.esiids[i],
                    REPS[int(state.rep[i])].duns,
                    date.fromordinal(int(pop.ror_start[i])),
                )
                for i in existing
            ]
            self.write_csv(t, InboundKind.METER_FULL, created, meters)
            self.write_csv(t, InboundKind.PREMISE_FULL, created, premises)
            self.write_csv(t, InboundKind.ROR_FULL, created, ror)

    def write_events(self, day: date) -> None:
        events = step(
            self.pop, self.state, day, stream(self.seed, EVENTS, day.toordinal()), self.tuning.rates
        )
        tables = {
            InboundKind.PREMISE_INCREMENTAL: events.premises,
            InboundKind.METER_INCREMENTAL: events.meters,
            InboundKind.ROR_INCREMENTAL: events.ror,
        }
        for kind, table in tables.items():
            created = self.writer.clamp(central(day, *EVENT_TIMES[kind]))
            for t in sorted(table):
                self.write_csv(t, kind, created, table[t])

    def write_bills(self, day: date, bills: list[Bill]) -> None:
        if not bills:
            return
        created = self.writer.clamp(central(day + timedelta(days=1), *MONTHLY_TIME))
        revision = format_central_timestamp(created)
        by_tdsp: dict[int, list[Row]] = defaultdict(list)
        pop, state = self.pop, self.state
        for bill in bills:
            i = bill.meter
            by_tdsp[int(pop.tdsp[i])].append(
                monthly_row(
                    esiid=pop.esiids[i],
                    meter_number=pop.meter_number(int(state.meter_serial[i]), int(pop.model[i])),
                    start=bill.start,
                    end=bill.end,
                    revision=revision,
                    usage_kwh=format_kwh(bill.usage_wh),
                    demand_kw="" if bill.demand_w is None else format_kwh(bill.demand_w),
                    estimated=bill.estimated,
                )
            )
        for t in sorted(by_tdsp):
            self.write_csv(t, InboundKind.MONTHLY_USAGE, created, by_tdsp[t])

    # interval data ---------------------------------------------------------------------------

    def write_usage(self, day: date) -> None:
        o = day.toordinal()
        pop, state, summary = self.pop, self.state, self.summary
        grid = DayGrid.for_day(day)
        load = day_load(pop, grid, self.weather, state.occupied, stream(self.seed, LOAD, o))
        readings = apply_vee(
            load.consumption_wh,
            load.expected_wh,
            stream(self.seed, VEE, o),
            days_left=(self.config.end - day).days,
        )
        active = state.active
        start_reg = state.register_wh.copy()
        state.register_wh += np.where(active, readings.values.sum(axis=1), 0)
        self.billing.add_day(active, readings.values, readings.flagged)
        if self.malformer is not None:
            spoil = self.pick.random(pop.size) < self.config.malformed
        else:
            spoil = np.zeros(pop.size, dtype=np.bool_)

        times = stream(self.seed, TIMES, o)
        offsets = times.integers(0, INTERVAL_WINDOW[1] * 60, size=len(TDSPS))
        lags = times.integers(VEE_LAG_MINUTES[0], VEE_LAG_MINUTES[1] + 1, size=len(TDSPS))
        values, surplus = readings.values, load.surplus_wh  # rows become lists one at a time
        solar_row = {int(m): k for k, m in enumerate(load.solar_index.tolist())}
        all_actual = "A" * grid.slots
        next_midnight = local_midnight(day + timedelta(days=1))
        starts, ends = start_reg.tolist(), state.register_wh.tolist()
        for t, members in enumerate(pop.by_tdsp):
            if members.size == 0:
                continue
            tdsp = TDSPS[t]
            opened = central(day + timedelta(days=1), INTERVAL_WINDOW[0], 0)
            created = self.writer.clamp(opened + timedelta(seconds=int(offsets[t])))
            revised = max(created - timedelta(minutes=int(lags[t])), next_midnight)
            groups: list[list[str]] = []
            for i in members[active[members]].tolist():
                esiid = pop.esiids[i]
                record = LseRecord(
                    esiid,
                    Channel.CONSUMPTION,
                    day,
                    revised,
                    values[i].tolist(),
                    readings.qualities[i],
                    starts[i],
                    ends[i],
                )
                first = readings.first_sent.get(i)
                if first is not None:
                    delay = readings.correction_delay[i]
                    self.resends[o + delay].append((t, record))
                    record = dataclasses.replace(record, values_wh=first[0], qualities=first[1])
                    groups.append([format_record(record)])
                    self._count_good(record, first_time=True)
                elif spoil[i] and self.malformer is not None:
                    self._spoil(groups, record, tdsp)
                else:
                    groups.append([format_record(record)])
                    self._count_good(record, first_time=True)
                k = solar_row.get(i)
                if k is not None:
                    gen = LseRecord(
                        esiid,
                        Channel.SURPLUS_GENERATION,
                        day,
                        revised,
                        surplus[k].tolist(),
                        all_actual,
                    )
                    groups.append([format_record(gen)])
                    self._count_good(gen, first_time=False)
            for resend_t, pending in self.resends.get(o, []):
                if resend_t == t:
                    corrected = dataclasses.replace(pending, revised_at=revised)
                    groups.append([format_record(corrected)])
                    self._count_good(corrected, first_time=False)
            if groups:
                self.writer.write_lse(
                    tdsp, created, groups, max_records=self.tuning.max_records_per_file
                )
                summary.count_records(InboundKind.INTERVAL.value, sum(len(g) for g in groups))
        self.resends.pop(o, None)

    def _count_good(self, record: LseRecord, *, first_time: bool) -> None:
        self.summary.interval_values += len(record.values_wh)
        if first_time:
            self.summary.meter_days += 1

    def _spoil(self, groups: list[list[str]], record: LseRecord, tdsp: Tdsp) -> None:
        assert self.malformer is not None  # noqa: S101 - checked by the caller
        bad = self.malformer.bad_lse(record, tdsp)
        if bad is None:  # this record cannot carry the next fault: it stays good
            groups.append([format_record(record)])
            self._count_good(record, first_time=True)
            return
        texts, code, kept_good = bad
        groups.append(texts)
        self.summary.count_malformed(code.value)
        if kept_good:
            self._count_good(record, first_time=True)
