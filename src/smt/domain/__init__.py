"""Pure market types and rules. Nothing in this package does I/O."""

from smt.domain.central_time import CENTRAL, SLOT_LENGTH, slot_count, slot_start, today_in_central
from smt.domain.channel import Channel, Quality
from smt.domain.duns import Duns, InvalidDuns
from smt.domain.esiid import Esiid, InvalidEsiid
from smt.domain.interval_day import IntervalDay, InvalidIntervalDay
from smt.domain.rep_of_record import RepOfRecord, RorReason
from smt.domain.tdsp import TDSPS, Tdsp, tdsp_by_code, tdsp_by_duns, tdsp_for_esiid

__all__ = [
    "CENTRAL",
    "SLOT_LENGTH",
    "TDSPS",
    "Channel",
    "Duns",
    "Esiid",
    "IntervalDay",
    "InvalidDuns",
    "InvalidEsiid",
    "InvalidIntervalDay",
    "Quality",
    "RepOfRecord",
    "RorReason",
    "Tdsp",
    "slot_count",
    "slot_start",
    "tdsp_by_code",
    "tdsp_by_duns",
    "tdsp_for_esiid",
    "today_in_central",
]
