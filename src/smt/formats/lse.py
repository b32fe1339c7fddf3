"""LSE (LodeStar Enhanced) interval files, IF1000: the one module that knows the layout.

Header row one is ERCOT's (Retail Market Guide section 9, appendix G). The rest of the layout is
not public; this project defines it here and documents it in docs/formats/lse.md. It is ours,
not SMT's or ERCOT's:

    00000001,<ESIID>,<channel: 4 load, 1 generation>,<YYYYMMDD000000>,<YYYYMMDD235959>,Y,N
    00000002,900,<interval count>,<TDSP revision YYYYMMDDHHMMSS>,<start reg. kWh>,<end reg. kWh>
    00000003,<kWh slot 1>,...,<kWh slot N>
    00000004,<N quality letters: A actual, E estimated, M missing>
    ... one such group of four rows per ESIID, channel and day ...
    99999999,<number of records>

Times are Central prevailing time (DST participation `Y`). Values are kWh with at most three
decimals (watt-hour resolution). A missing slot is an empty value with quality M. Register
reads (the meter's midnight readings) are given on the load channel and left empty on the
generation channel. The trailer row lets a reader tell a complete file from a truncated one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import TextIO

from smt.domain.central_time import format_central_timestamp
from smt.domain.channel import Channel

HEADER_ONE = "00000001"
HEADER_TWO = "00000002"
VALUES_ROW = "00000003"
QUALITY_ROW = "00000004"
TRAILER = "99999999"
RECORD_ROWS = (HEADER_ONE, HEADER_TWO, VALUES_ROW, QUALITY_ROW)

HEADER_ONE_FIELDS = 7
HEADER_TWO_FIELDS = 6
TRAILER_FIELDS = 2
INTERVAL_SECONDS = "900"
DST_PARTICIPATION = "Y"
VALID_RECORD = "N"
INVALID_RECORD = "Y"


@lru_cache(maxsize=1 << 16)  # meter values repeat; a report formats hundreds of thousands
def format_kwh(wh: int) -> str:
    """Integer watt-hours as kWh with three decimals, exactly (no floats on the way)."""
    kwh, rest = divmod(wh, 1000)
    return f"{kwh}.{rest:03d}"


@dataclass(frozen=True, slots=True)
class LseRecord:
    esiid: str
    channel: Channel
    day: date
    revised_at: datetime
    values_wh: Sequence[int]
    qualities: str
    start_register_wh: int | None = None
    end_register_wh: int | None = None


def format_record(record: LseRecord) -> str:
    """The four rows of one record, each ending in a newline."""
    ymd = record.day.strftime("%Y%m%d")
    start = "" if record.start_register_wh is None else format_kwh(record.start_register_wh)
    end = "" if record.end_register_wh is None else format_kwh(record.end_register_wh)
    values = ",".join(
        "" if q == "M" else format_kwh(v)
        for v, q in zip(record.values_wh, record.qualities, strict=True)
    )
    return (
        f"{HEADER_ONE},{record.esiid},{record.channel.lse_code},{ymd}000000,{ymd}235959,"
        f"{DST_PARTICIPATION},{VALID_RECORD}\n"
        f"{HEADER_TWO},{INTERVAL_SECONDS},{len(record.values_wh)},"
        f"{format_central_timestamp(record.revised_at)},{start},{end}\n"
        f"{VALUES_ROW},{values}\n"
        f"{QUALITY_ROW},{record.qualities}\n"
    )


def format_trailer(record_count: int) -> str:
    return f"{TRAILER},{record_count}\n"


def write_lse(out: TextIO, records: Sequence[LseRecord]) -> None:
    for record in records:
        out.write(format_record(record))
    out.write(format_trailer(len(records)))
