"""IF1010: monthly billed usage adds up to the interval data of the period."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from simfiles import Simulated, wh

from smt.domain.central_time import CENTRAL, parse_compact_date
from smt.formats.file_names import InboundKind


def latest_consumption(sim: Simulated) -> dict[tuple[str, date], tuple[list[int], str]]:
    """Current version of each consumption day: values in Wh and quality letters."""
    latest: dict[tuple[str, date], tuple[datetime, list[int], str]] = {}
    for s in sim.output.intervals:
        r = s.record
        if r.channel != "4":
            continue
        key = (r.esiid, r.day)
        if key not in latest or latest[key][0] < r.revised_at:
            latest[key] = (r.revised_at, r.values_wh(), r.qualities)
    return {k: (v[1], v[2]) for k, v in latest.items()}


def current_meters(sim: Simulated) -> dict[tuple[str, date], str]:
    """(ESIID, day) -> the meter number in service, from the meter files."""
    installed: dict[str, list[tuple[date, str]]] = defaultdict(list)
    kinds = (InboundKind.METER_FULL, InboundKind.METER_INCREMENTAL)
    for kind in kinds:
        for _, row in sim.output.rows(kind):
            if not row["REMOVED_ON"]:
                installed[row["ESIID"]].append(
                    (parse_compact_date(row["INSTALLED_ON"]), row["METER_NUMBER"])
                )
    out = {}
    day = sim.config.start
    while day <= sim.config.end:
        for esiid, meters in installed.items():
            in_service = [m for m in sorted(meters) if m[0] <= day]
            if in_service:
                out[esiid, day] = in_service[-1][1]
        day += timedelta(days=1)
    return out


def test_bills_equal_the_sum_of_their_intervals(spring: Simulated) -> None:
    usage = latest_consumption(spring)
    meters = current_meters(spring)
    commercial = {
        row["ESIID"]
        for kind in (InboundKind.PREMISE_FULL, InboundKind.PREMISE_INCREMENTAL)
        for _, row in spring.output.rows(kind)
        if row["PREMISE_TYPE"] == "NRES"
    }
    bills = spring.output.rows(InboundKind.MONTHLY_USAGE)
    assert len(bills) > 100
    flags = set()
    previous_end: dict[str, date] = {}
    for name, bill in sorted(bills, key=lambda b: b[1]["END_DATE"]):
        esiid = bill["ESIID"]
        start, end = parse_compact_date(bill["START_DATE"]), parse_compact_date(bill["END_DATE"])
        assert spring.config.start <= start < end <= spring.config.end
        assert 28 <= (end - start).days + 1 <= 31
        if esiid in previous_end:
            assert start == previous_end[esiid] + timedelta(days=1)
        previous_end[esiid] = end
        created = name.created_at.astimezone(CENTRAL)
        assert (created.date(), created.hour, created.minute) == (end + timedelta(days=1), 7, 30)
        assert bill["REVISION_TS"] == created.strftime("%Y%m%d%H%M%S")
        days = [start + timedelta(days=k) for k in range((end - start).days + 1)]
        sent = [usage[esiid, d] for d in days if (esiid, d) in usage]
        assert wh(bill["USAGE_KWH"]) == sum(sum(values) for values, _ in sent)
        estimated = any(set(q) - {"A"} for _, q in sent)
        assert bill["ESTIMATED_ACTUAL"] == ("E" if estimated else "A")
        flags.add(bill["ESTIMATED_ACTUAL"])
        if esiid in commercial:
            peak = max(max(values) for values, _ in sent)
            assert wh(bill["DEMAND_KW"]) == peak * 4
        else:
            assert bill["DEMAND_KW"] == ""
        assert bill["METER_NUMBER"] == meters[esiid, end]
    assert flags == {"A", "E"}
