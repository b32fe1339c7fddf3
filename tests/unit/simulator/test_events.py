"""Reference flows: snapshots on the first day, then switches, moves, de-energisation, meter
exchanges and new connections in incremental files, all consistent with one another."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

import numpy as np
from simfiles import Simulated, replay_rep_of_record

from smt.domain.central_time import CENTRAL
from smt.domain.esiid import esiid_fault
from smt.domain.tdsp import tdsp_by_duns, tdsp_for_esiid
from smt.formats.file_names import InboundKind
from smt.simulator.events import EventRates, MarketState, step
from smt.simulator.population import build_population


def test_full_snapshots_on_the_first_day(spring: Simulated) -> None:
    out = spring.output
    snapshots = [n for n, _ in out.files if n.kind.is_full]
    assert len(snapshots) == 15  # three flows, five TDSPs
    for name in snapshots:
        local = name.created_at.astimezone(CENTRAL)
        assert (local.date(), local.hour, local.minute) == (spring.config.start, 0, 5)
    for kind in (InboundKind.METER_FULL, InboundKind.PREMISE_FULL, InboundKind.ROR_FULL):
        for name, row in out.rows(kind):
            assert esiid_fault(row["ESIID"]) is None
            assert tdsp_for_esiid(row["ESIID"]) is tdsp_by_duns(name.sender_duns)
    premises = out.rows(InboundKind.PREMISE_FULL)
    assert {row["STATUS"] for _, row in premises} == {"ACTIVE"}
    esiids = [row["ESIID"] for _, row in premises]
    assert len(esiids) == len(set(esiids))
    assert sorted(esiids) == sorted(row["ESIID"] for _, row in out.rows(InboundKind.ROR_FULL))


def test_rep_of_record_events_follow_the_market_rules(spring: Simulated) -> None:
    events = replay_rep_of_record(spring.output)
    assert set(events) == {"NEW", "SWITCH", "MOVE_OUT", "MOVE_IN"}


def test_de_energisation_goes_with_moves(spring: Simulated) -> None:
    out = spring.output
    ror = {
        (row["ESIID"], row["EFFECTIVE_DATE"]): row["EVENT"]
        for _, row in out.rows(InboundKind.ROR_INCREMENTAL)
    }
    statuses: Counter[str] = Counter()
    for name, row in out.rows(InboundKind.PREMISE_INCREMENTAL):
        day = name.created_at.astimezone(CENTRAL).strftime("%Y%m%d")
        event = ror[row["ESIID"], day]
        statuses[row["STATUS"]] += 1
        if row["STATUS"] == "DEENERGIZED":
            assert event == "MOVE_OUT"
        else:
            assert row["STATUS"] == "ACTIVE"
            assert event in ("MOVE_IN", "NEW")
    assert statuses["DEENERGIZED"] and statuses["ACTIVE"]
    # no two premise files alike (the hub treats identical content as a resend)
    contents = [p.read_bytes() for n, p in out.files if n.kind is InboundKind.PREMISE_INCREMENTAL]
    assert len(contents) == len(set(contents))


def test_meter_exchanges_and_new_meters(spring: Simulated) -> None:
    out = spring.output
    in_service = {row["ESIID"]: row for _, row in out.rows(InboundKind.METER_FULL)}
    numbers = Counter(row["METER_NUMBER"] for row in in_service.values())
    by_file: dict[object, list[dict[str, str]]] = defaultdict(list)
    exchanges = 0
    for name, row in out.rows(InboundKind.METER_INCREMENTAL):
        by_file[name].append(row)
        numbers[row["METER_NUMBER"]] += 0 if row["REMOVED_ON"] else 1
        day = name.created_at.astimezone(CENTRAL).strftime("%Y%m%d")
        if row["REMOVED_ON"]:
            assert row["REMOVED_ON"] == day
            assert in_service[row["ESIID"]]["METER_NUMBER"] == row["METER_NUMBER"]
            exchanges += 1
        else:
            assert row["INSTALLED_ON"] == day
            in_service[row["ESIID"]] = row
    assert exchanges
    assert max(numbers.values()) == 1  # every meter number is new


def test_default_event_rates_are_texan() -> None:
    """A month of 20,000 ESIIDs: about 1.5% switch, about 1% move, a handful of new meters."""
    start, days, n = date(2026, 5, 1), 30, 20_000
    rates = EventRates()
    pop = build_population(
        np.random.default_rng(5),
        meters=n,
        start=start,
        days=days,
        new_connection_rate=rates.new_connection_per_day,
    )
    state = MarketState.initial(pop, start)
    counts: Counter[str] = Counter()
    for k in range(1, days):
        day = start + timedelta(days=k)
        counts.update(step(pop, state, day, np.random.default_rng(k), rates).counts)
    assert 0.012 * n < counts["SWITCH"] < 0.018 * n
    assert 0.007 * n < counts["MOVE_OUT"] < 0.012 * n
    assert 0.3 < counts["DEENERGIZE"] / counts["MOVE_OUT"] < 0.7
    assert counts["MOVE_IN"] < counts["MOVE_OUT"]  # the last week's move-ins fall after the run
    assert 5 < counts["NEW"] < 60
    assert counts["METER_EXCHANGE"] < 30
