"""Names of TDSP inbound files: `<sender DUNS><report name><CCYYMMDDHHMMSS><counter>.<ext>`.

The convention is ERCOT's for LSE files (`999999999IntervalData20081227113001123.lse`); the hub
uses it for every inbound flow, with one report name per flow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from smt.domain.central_time import format_central_timestamp, parse_central_timestamp


class InboundKind(StrEnum):
    """Report names; the value is what the file name carries."""

    INTERVAL = "IntervalData"
    MONTHLY_USAGE = "MonthlyUsage"
    METER_FULL = "MeterAttributesFull"
    METER_INCREMENTAL = "MeterAttributesIncr"
    ROR_FULL = "RepOfRecordFull"
    ROR_INCREMENTAL = "RepOfRecordIncr"
    PREMISE_FULL = "PremiseFull"
    PREMISE_INCREMENTAL = "PremiseIncr"

    @property
    def interface(self) -> str:
        return _INTERFACES[self]

    @property
    def extension(self) -> str:
        return "lse" if self is InboundKind.INTERVAL else "csv"

    @property
    def is_full(self) -> bool:
        return self.value.endswith("Full")


_INTERFACES = {
    InboundKind.INTERVAL: "IF1000",
    InboundKind.MONTHLY_USAGE: "IF1010",
    InboundKind.METER_FULL: "IF1100",
    InboundKind.METER_INCREMENTAL: "IF1110",
    InboundKind.ROR_FULL: "IF1120",
    InboundKind.ROR_INCREMENTAL: "IF1130",
    InboundKind.PREMISE_FULL: "IF1140",
    InboundKind.PREMISE_INCREMENTAL: "IF1150",
}

_NAME = re.compile(
    r"(?P<duns>\d{13}|\d{9})(?P<kind>"
    + "|".join(k.value for k in InboundKind)
    + r")(?P<stamp>\d{14})(?P<counter>\d{3})\.(?P<ext>lse|csv)",
    re.ASCII,
)


@dataclass(frozen=True, slots=True)
class InboundName:
    sender_duns: str
    kind: InboundKind
    created_at: datetime
    counter: int

    def render(self) -> str:
        return (
            f"{self.sender_duns}{self.kind.value}{format_central_timestamp(self.created_at)}"
            f"{self.counter:03d}.{self.kind.extension}"
        )


def parse_inbound_name(name: str) -> InboundName | None:
    """The parts of a conforming file name, or None."""
    match = _NAME.fullmatch(name)
    if match is None:
        return None
    kind = InboundKind(match["kind"])
    if match["ext"] != kind.extension:
        return None
    try:
        created = parse_central_timestamp(match["stamp"])
    except ValueError:
        return None
    return InboundName(match["duns"], kind, created, int(match["counter"]))
