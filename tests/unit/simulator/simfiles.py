"""Small readers of the simulator's output for the tests (deliberately independent of the ingest
package: these check the files as a TDSP's counterpart would, with simple rules)."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from smt.domain.central_time import CENTRAL, parse_central_timestamp, parse_compact_date
from smt.formats.file_names import InboundKind, InboundName, parse_inbound_name
from smt.formats.lse import RECORD_ROWS, TRAILER
from smt.simulator import REPS, SimulationConfig, SimulationSummary
from smt.simulator.engine import Tuning, run
from smt.simulator.events import EventRates


@dataclass(frozen=True)
class LseRecordRows:
    rows: tuple[str, str, str, str]

    def fields(self, row: int) -> list[str]:
        return self.rows[row].split(",")

    @property
    def esiid(self) -> str:
        return self.fields(0)[1]

    @property
    def channel(self) -> str:
        return self.fields(0)[2]

    @property
    def day(self) -> date:
        return parse_compact_date(self.fields(0)[3][:8])

    @property
    def revised_at(self) -> datetime:
        return parse_central_timestamp(self.fields(1)[3])

    @property
    def count(self) -> int:
        return int(self.fields(1)[2])

    @property
    def start_register(self) -> str:
        return self.fields(1)[4]

    @property
    def end_register(self) -> str:
        return self.fields(1)[5]

    @property
    def values(self) -> list[str]:
        return self.fields(2)[1:]

    @property
    def qualities(self) -> str:
        return self.fields(3)[1]

    def values_wh(self) -> list[int]:
        return [wh(v) if v else 0 for v in self.values]


def wh(kwh: str) -> int:
    """`12.345` kWh as 12345 Wh, exactly."""
    whole, _, frac = kwh.partition(".")
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole)) * 1000 + int(frac.ljust(3, "0")))


def read_lse(path: Path) -> list[LseRecordRows]:
    """The records of an LSE file; checks the row structure and the trailer count."""
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == "", "file must end with a newline"
    lines = lines[:-1]
    trailer = lines[-1].split(",")
    assert trailer[0] == TRAILER
    body = lines[:-1]
    assert len(body) % 4 == 0
    records = [LseRecordRows(tuple(body[k : k + 4])) for k in range(0, len(body), 4)]  # type: ignore[arg-type]
    for r in records:
        assert tuple(row.split(",", 1)[0] for row in r.rows) == RECORD_ROWS
    assert int(trailer[1]) == len(records)
    return records


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and data rows of a TDSP CSV file; checks the trailer count."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, *data, trailer = rows
    assert trailer[0] == "TRAILER"
    assert int(trailer[1]) == len(data)
    return header, data


def inbound(out_dir: Path, kind: InboundKind | None = None) -> list[tuple[InboundName, Path]]:
    """The files of `kind` (all if None) in order of creation, then name."""
    found = []
    for path in out_dir.iterdir():
        name = parse_inbound_name(path.name)
        assert name is not None, path.name
        if kind is None or name.kind is kind:
            found.append((name, path))
    return sorted(found, key=lambda item: (item[0].created_at, item[1].name))


def dict_rows(path: Path) -> list[dict[str, str]]:
    header, data = read_csv(path)
    return [dict(zip(header, row, strict=True)) for row in data]


@dataclass(frozen=True)
class Sent:
    """One LSE record as sent, with the name of the file that carried it."""

    record: LseRecordRows
    file: InboundName


class Output:
    """Everything a simulation wrote, read once."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.files = inbound(out_dir)
        self.intervals: list[Sent] = []
        self.raw: dict[InboundKind, list[tuple[InboundName, list[str], list[list[str]]]]] = {}
        for name, path in self.files:
            if name.kind is InboundKind.INTERVAL:
                self.intervals.extend(Sent(r, name) for r in read_lse(path))
            else:
                header, data = read_csv(path)
                self.raw.setdefault(name.kind, []).append((name, header, data))
        self._dicts = {
            kind: [
                (name, dict(zip(header, row, strict=True)))
                for name, header, data in files
                for row in data
                if len(row) == len(header)
            ]
            for kind, files in self.raw.items()
        }

    def rows(self, kind: InboundKind) -> list[tuple[InboundName, dict[str, str]]]:
        """Data rows as dicts (rows with the wrong number of fields left out)."""
        return self._dicts.get(kind, [])


NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
# far more events than Texas has, so that a small run shows every kind of them
BUSY = EventRates(
    switch_per_month=0.15,
    move_out_per_month=0.15,
    meter_exchange_per_month=0.05,
    new_connection_per_month=0.05,
)


@dataclass
class Simulated:
    config: SimulationConfig
    summary: SimulationSummary
    output: Output


def simulated(root: Path, config: SimulationConfig, tuning: Tuning | None = None) -> Simulated:
    summary = run(config, root, tuning)
    return Simulated(config, summary, Output(root))


REP_DUNS = {r.duns for r in REPS}


def replay_rep_of_record(out: Output, bad: set[int] | None = None) -> Counter[str]:
    """Apply the ROR files in order with the market's rules; fail on any violation."""
    current: dict[str, str | None] = {}
    last_event: dict[str, date] = {}
    moved_out: dict[str, date] = {}
    for name, row in out.rows(InboundKind.ROR_FULL):
        if bad is not None and id(row) in bad:
            continue
        as_of = name.created_at.astimezone(CENTRAL).date()
        assert parse_compact_date(row["START_DATE"]) <= as_of
        assert row["DUNS"] in REP_DUNS
        current[row["ESIID"]] = row["DUNS"]
    events: Counter[str] = Counter()
    for name, row in out.rows(InboundKind.ROR_INCREMENTAL):
        if bad is not None and id(row) in bad:
            continue
        esiid, duns, event = row["ESIID"], row["DUNS"], row["EVENT"]
        effective = parse_compact_date(row["EFFECTIVE_DATE"])
        assert effective == name.created_at.astimezone(CENTRAL).date()
        assert duns in REP_DUNS
        assert last_event.get(esiid, date.min) < effective  # one event a day, in order
        last_event[esiid] = effective
        match event:
            case "NEW":
                assert esiid not in current
                current[esiid] = duns
            case "SWITCH":
                assert current[esiid] is not None
                assert current[esiid] != duns
                current[esiid] = duns
            case "MOVE_OUT":
                assert current[esiid] == duns
                current[esiid] = None
                moved_out[esiid] = effective
            case "MOVE_IN":
                assert current[esiid] is None
                assert effective > moved_out[esiid]
                current[esiid] = duns
            case _:
                raise AssertionError(event)
        events[event] += 1
    return events
