"""IF1000 files: every energised meter-day once, DST days, solar, registers, corrections."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta
from itertools import pairwise

from simfiles import Output, Sent, Simulated, wh

from smt.domain.central_time import CENTRAL, slot_count
from smt.formats.file_names import InboundKind

VALUE = re.compile(r"\d+\.\d{3}")


def energised_days(out: Output, first: date, last: date) -> dict[str, set[date]]:
    """Per ESIID, the days its premise was energised, from the premise files alone."""
    status = {row["ESIID"]: row["STATUS"] for _, row in out.rows(InboundKind.PREMISE_FULL)}
    changes: dict[date, list[tuple[str, str]]] = defaultdict(list)
    for name, row in out.rows(InboundKind.PREMISE_INCREMENTAL):
        changes[name.created_at.astimezone(CENTRAL).date()].append((row["ESIID"], row["STATUS"]))
    days: dict[str, set[date]] = defaultdict(set)
    day = first
    while day <= last:
        status.update(changes.get(day, []))
        for esiid, now in status.items():
            if now == "ACTIVE":
                days[esiid].add(day)
        day += timedelta(days=1)
    return days


def first_sends(out: Output) -> list[Sent]:
    """Records in the file created the day after their usage day (not resends)."""
    return [
        s
        for s in out.intervals
        if s.file.created_at.astimezone(CENTRAL).date() == s.record.day + timedelta(days=1)
    ]


def solar_esiids(out: Output) -> set[str]:
    meters = out.rows(InboundKind.METER_FULL) + out.rows(InboundKind.METER_INCREMENTAL)
    return {row["ESIID"] for _, row in meters if row["CHANNELS"] == "CG"}


def test_every_energised_meter_day_is_sent_once(spring: Simulated) -> None:
    out, config = spring.output, spring.config
    expected = energised_days(out, config.start, config.end)
    solar = solar_esiids(out)
    sent: dict[tuple[str, str], list[date]] = defaultdict(list)
    for s in first_sends(out):
        sent[s.record.esiid, s.record.channel].append(s.record.day)
    for esiid, days in expected.items():
        assert sorted(sent[esiid, "4"]) == sorted(days), esiid
        if esiid in solar:
            assert sorted(sent[esiid, "1"]) == sorted(days), esiid
        else:
            assert (esiid, "1") not in sent
    assert set(expected) >= {e for e, _ in sent}
    assert spring.summary.meter_days == sum(len(d) for d in expected.values())
    assert any(len(d) < config.days for d in expected.values())  # de-energised or new


def test_dst_days_have_92_and_100_values(spring: Simulated, autumn: Simulated) -> None:
    for sim, day, slots in ((spring, date(2026, 3, 8), 92), (autumn, date(2026, 11, 1), 100)):
        records = [s.record for s in sim.output.intervals if s.record.day == day]
        assert records
        for r in records:
            assert r.count == slots == slot_count(day)
            assert len(r.values) == slots
            assert len(r.qualities) == slots
    normal = [s.record for s in autumn.output.intervals if s.record.day == date(2026, 10, 31)]
    assert {r.count for r in normal} == {96}


def test_values_are_watt_hours_with_qualities(spring: Simulated) -> None:
    letters: set[str] = set()
    for s in spring.output.intervals:
        r = s.record
        letters |= set(r.qualities)
        for value, quality in zip(r.values, r.qualities, strict=True):
            if quality == "M":
                assert value == ""
            else:
                assert VALUE.fullmatch(value), value
        assert r.fields(0)[5:] == ["Y", "N"]
        assert r.fields(0)[3] == r.day.strftime("%Y%m%d") + "000000"
        assert r.fields(0)[4] == r.day.strftime("%Y%m%d") + "235959"
    assert {"A", "E"} <= letters <= {"A", "E", "M"}


def test_solar_premises_send_generation_without_register_reads(spring: Simulated) -> None:
    solar = solar_esiids(spring.output)
    assert solar
    generation = [s.record for s in spring.output.intervals if s.record.channel == "1"]
    assert {r.esiid for r in generation} == solar
    for r in generation:
        assert r.start_register == r.end_register == ""
        assert set(r.qualities) == {"A"}
    assert sum(sum(r.values_wh()) for r in generation) > 0
    # surplus only while the sun is up: nothing between 22:00 and 04:00
    for r in generation:
        if r.count == 96:
            night = r.values_wh()[:16] + r.values_wh()[88:]
            assert not any(night)


def test_register_reads_are_continuous(spring: Simulated) -> None:
    out = spring.output
    exchanged = {
        (row["ESIID"], row["INSTALLED_ON"])
        for _, row in out.rows(InboundKind.METER_INCREMENTAL)
        if not row["REMOVED_ON"]
    }
    by_esiid: dict[str, list[Sent]] = defaultdict(list)
    for s in first_sends(out):
        if s.record.channel == "4":
            by_esiid[s.record.esiid].append(s)
    restarts = 0
    for esiid, sends in by_esiid.items():
        sends.sort(key=lambda s: s.record.day)
        for s in sends:
            r = s.record
            assert wh(r.end_register) - wh(r.start_register) == sum(r.values_wh())
        for before, after in pairwise(sends):
            if (esiid, after.record.day.strftime("%Y%m%d")) in exchanged:
                assert wh(after.record.start_register) < 100  # a new meter
                restarts += 1
            else:
                assert before.record.end_register == after.record.start_register
    assert restarts


def test_corrected_days_are_resent_with_a_newer_revision(spring: Simulated) -> None:
    versions: dict[tuple[str, date, str], list[Sent]] = defaultdict(list)
    for s in spring.output.intervals:
        versions[s.record.esiid, s.record.day, s.record.channel].append(s)
    resent = {k: v for k, v in versions.items() if len(v) > 1}
    meter_days = sum(1 for k in versions if k[2] == "4")
    assert 0.002 < len(resent) / meter_days < 0.012
    estimated_replaced = 0
    for (_, day, channel), (first, second) in resent.items():
        assert channel == "4"
        assert second.record.revised_at > first.record.revised_at
        lag = (second.file.created_at.astimezone(CENTRAL).date() - day).days - 1
        assert 1 <= lag <= 4
        assert second.record.values != first.record.values
        assert sum(second.record.values_wh()) == sum(first.record.values_wh())
        assert (first.record.start_register, first.record.end_register) == (
            second.record.start_register,
            second.record.end_register,
        )
        if "E" in first.record.qualities and "E" not in second.record.qualities:
            estimated_replaced += 1
    assert estimated_replaced


def test_interval_files_arrive_the_next_morning(spring: Simulated) -> None:
    names = [name for name, _ in spring.output.files if name.kind is InboundKind.INTERVAL]
    assert names
    for name in names:
        local = name.created_at.astimezone(CENTRAL)
        assert 6 <= local.hour <= 8
    for s in first_sends(spring.output):
        revised = s.record.revised_at.astimezone(CENTRAL)
        assert revised.date() == s.record.day + timedelta(days=1)
        assert s.record.revised_at <= s.file.created_at
