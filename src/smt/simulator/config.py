"""What to simulate, and what was written."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from smt.domain.central_time import today_in_central
from smt.ingest.codes import Code


@dataclass(frozen=True)
class SimulationConfig:
    """`meters` ESIIDs over `days` local (Central) usage days from `start`.

    `malformed` is the fraction of records replaced by bad ones; `now` (aware) bounds every
    timestamp written; it defaults to the wall clock when the simulation starts.
    """

    meters: int
    days: int
    start: date
    seed: int = 1
    malformed: float = 0.0
    now: datetime | None = None

    @property
    def end(self) -> date:
        """The last usage day (inclusive)."""
        return self.start + timedelta(days=self.days - 1)


def default_start(days: int, now: datetime) -> date:
    """The first of the `days` usage days that end yesterday in Central time."""
    if days < 1:
        raise ValueError("days must be at least 1")
    return today_in_central(now) - timedelta(days=days)


def resolve_now(config: SimulationConfig) -> datetime:
    """The simulation's "now" as an aware UTC instant, after checking the configuration."""
    now = datetime.now(UTC) if config.now is None else config.now
    if now.tzinfo is None:
        raise ValueError("SimulationConfig.now must be timezone-aware")
    if config.meters < 1:
        raise ValueError("meters must be at least 1")
    if config.days < 1:
        raise ValueError("days must be at least 1")
    if not 0.0 <= config.malformed <= 1.0:
        raise ValueError("malformed is a fraction between 0 and 1")
    today = today_in_central(now)
    if config.end >= today:
        raise ValueError(
            f"the last usage day {config.end.isoformat()} has not ended by now "
            f"({today.isoformat()} Central); usage can only be simulated for past days"
        )
    return now.astimezone(UTC)


@dataclass
class SimulationSummary:
    files: int = 0
    meter_days: int = 0  # consumption records of good data first sent (one per ESIID and day)
    interval_values: int = 0  # values in good records written, both channels, resends included
    records_by_kind: dict[str, int] = field(default_factory=dict)  # InboundKind value -> records
    malformed_by_code: dict[str, int] = field(default_factory=dict)  # Code value -> bad records

    def count_records(self, kind: str, n: int) -> None:
        if n:
            self.records_by_kind[kind] = self.records_by_kind.get(kind, 0) + n

    def count_malformed(self, code: str, n: int = 1) -> None:
        if n:
            self.malformed_by_code[code] = self.malformed_by_code.get(code, 0) + n

    def lines(self) -> list[str]:
        out = [
            f"files written: {self.files:,}",
            f"meter-days: {self.meter_days:,}",
            f"interval values: {self.interval_values:,}",
        ]
        out.extend(f"  {kind}: {n:,} records" for kind, n in sorted(self.records_by_kind.items()))
        bad = sum(self.malformed_by_code.values())
        out.append(f"malformed records: {bad:,}")
        out.extend(
            f"  {code} {Code(code).description}: {n:,}"
            for code, n in sorted(self.malformed_by_code.items())
        )
        return out
