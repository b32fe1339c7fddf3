"""REP of Record: which retailer serves an ESIID on which days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class RorReason(StrEnum):
    """Why a REP of Record period began or ended."""

    NEW = "new"
    SWITCH = "switch"
    MOVE_IN = "move-in"
    MOVE_OUT = "move-out"


@dataclass(frozen=True, slots=True)
class RepOfRecord:
    """A period of service. `start` and `end` are both inclusive local dates; `end` None means
    still serving. An event effective on day D (a switch, move-in or move-out) ends the
    previous period on D - 1 and starts the next on D: after a switch on 3 March the old REP
    serves through 2 March and the new one from 3 March."""

    esiid: str
    duns: str
    start: date
    end: date | None
    start_reason: RorReason
    end_reason: RorReason | None = None

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"REP of Record period ends {self.end} before it starts {self.start}")

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)
