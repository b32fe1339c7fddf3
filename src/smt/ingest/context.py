"""What every step of one file's processing may know about that file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from smt.domain.central_time import today_in_central
from smt.domain.tdsp import Tdsp


@dataclass(frozen=True, slots=True)
class FileContext:
    file_id: int
    file_name: str
    tdsp: Tdsp
    now: datetime
    created_at: datetime
    batch_records: int
    max_records: int
    max_line_bytes: int

    @property
    def today(self) -> date:
        """Today in Central time: usage for this day or later cannot be complete."""
        return today_in_central(self.now)

    @property
    def as_of(self) -> date:
        """The date a full (snapshot) file describes: the Central date of its file name."""
        return today_in_central(self.created_at)
