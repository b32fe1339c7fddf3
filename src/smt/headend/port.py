"""The head-end port: what the hub asks of a TDSP's metering system."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class OdrOutcome(StrEnum):
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"  # the meter did not answer
    TIMED_OUT = "T-FAILED"  # the head-end gave up waiting


@dataclass(frozen=True, slots=True)
class OdrAnswer:
    """What the head-end will report for a read: when, how, and the register (Wh)."""

    completes_at: datetime
    outcome: OdrOutcome
    read_wh: int | None


class HeadEnd(Protocol):
    def read_register(
        self,
        *,
        correlation_id: str,
        esiid: str,
        meter_number: str,
        requested_at: datetime,
        register_wh: int | None,
    ) -> OdrAnswer:
        """Ask the meter for its register now. `register_wh` is what the hub's data say the
        register should be (a real head-end ignores it; the simulator plays a meter with it)."""
        ...
