"""Parse and validate LSE records (IF1000): text rows in, typed records or findings out.

The values rows are decoded a batch at a time: rows in the common shape (every value a
non-negative number with three decimals) are converted by numpy in one pass; any other row takes
the exact path, token by token, which also says precisely what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import numpy as np

from smt.domain.central_time import parse_central_timestamp, slot_count, today_in_central
from smt.domain.channel import QUALITY_CODES, Channel
from smt.domain.esiid import esiid_owner
from smt.domain.interval_day import MAX_SLOT_WH, unpack_wh
from smt.domain.tdsp import Tdsp
from smt.formats import lse
from smt.formats.lse import LseRecord
from smt.ingest.codes import Code
from smt.ingest.faults import FileFault, RecordFault, Rejection
from smt.ingest.inbound import Line

# Register readings and billed kWh: generous, but inside what the store's BIGINT holds.
MAX_KWH_WH = 10**15
_FAST_VALUES = re.compile(r"(?:\d{1,7}\.\d{3},)*\d{1,7}\.\d{3}", re.ASCII)
# The common shape of header rows one and two, checked in one call each; anything else takes
# the full validation below, which names what is wrong.
_FAST_HEADER_ONE = re.compile(
    r"00000001,(\d{17}|\d{22}),([14]),(\d{8})000000,(\d{8})235959,Y,N", re.ASCII
)
_FAST_HEADER_TWO = re.compile(
    r"00000002,900,(\d{2,3}),(\d{14}),(\d{1,12}\.\d{3})?,(\d{1,12}\.\d{3})?", re.ASCII
)
_CHANNELS = {"4": Channel.CONSUMPTION, "1": Channel.SURPLUS_GENERATION}
_NUMBER = re.compile(r"-?\d+(?:\.\d*)?|-?\.\d+", re.ASCII)


@dataclass(slots=True)
class RawRecord:
    """The rows of one record as read, before any validation."""

    line: int
    header_one_text: str
    header_two_text: str | None = None
    values: str | None = None
    qualities: str | None = None
    fault: tuple[Code, str] | None = None
    next_row: int = 1  # index into lse.RECORD_ROWS of the row expected next

    @property
    def header_one(self) -> list[str]:
        return self.header_one_text.split(",")

    @property
    def header_two(self) -> list[str] | None:
        return None if self.header_two_text is None else self.header_two_text.split(",")

    @property
    def key(self) -> str:
        """The record's key as the report shows it (ESIID/date/channel), as far as readable."""
        fields = self.header_one
        if len(fields) < 4:
            return ""
        ymd = fields[3][:8]
        day = f"{ymd[:4]}-{ymd[4:6]}-{ymd[6:]}" if _digits(ymd) and len(ymd) == 8 else ymd
        channel = {"4": "C", "1": "G"}.get(fields[2], fields[2])
        return f"{fields[1]}/{day}/{channel}"


def _digits(text: str) -> bool:
    """ASCII digits only: str.isdigit() also admits '²' and full-width digits."""
    return text.isascii() and text.isdigit()


@dataclass(slots=True)
class LseReading:
    """A record that passed validation: one ESIID, day and channel."""

    line: int
    esiid: str
    channel: Channel
    day: date
    revised_at: datetime
    qualities: str
    start_wh: int | None
    end_wh: int | None
    values_text: str
    fast: bool
    packed: bytes = b""
    total_wh: int = 0
    key: str = field(default="", init=False)

    def __post_init__(self) -> None:
        self.key = f"{self.esiid}/{self.day.isoformat()}/{self.channel.value}"


def split_records(lines: Iterator[Line], max_records: int) -> Iterator[RawRecord | Rejection]:
    """Group rows into records; check the trailer. Stray rows become rejections."""
    current: RawRecord | None = None
    records = 0
    trailer: Line | None = None
    for line in lines:
        if not line.text.strip() and not line.too_long:
            continue  # blank lines carry nothing, wherever they are
        # A sort code is the whole first element: "000000011," is no header row one.
        tag = line.text[:8] if line.text[8:9] in (",", "") else line.text.split(",", 1)[0]
        if trailer is not None:
            if line.text.strip():
                raise FileFault(Code.BAD_FILE_HEADER, "content after the trailer row", line.number)
            continue
        if tag == lse.HEADER_ONE:
            if current is not None:
                yield current
            records += 1
            if records > max_records:
                raise FileFault(
                    Code.TOO_MANY_RECORDS,
                    f"more than {max_records} data records in one file",
                    line.number,
                )
            current = RawRecord(line.number, line.text)
            if line.too_long:
                current.fault = (Code.LINE_TOO_LONG, f"line {line.number} is over the limit")
            continue
        if tag == lse.TRAILER:
            if current is not None:
                yield current
                current = None
            trailer = line
            continue
        if current is not None and current.next_row == len(lse.RECORD_ROWS):
            # The record is complete: whatever follows that is not a new record is stray.
            yield current
            current = None
        if current is None:
            yield Rejection(
                line.number, "", Code.BAD_FORMAT, f"row {tag[:20]!r} is outside any record"
            )
            continue
        if line.too_long:
            current.fault = current.fault or (
                Code.LINE_TOO_LONG,
                f"line {line.number} is over the limit",
            )
        expected = lse.RECORD_ROWS[current.next_row] if current.next_row < 4 else None
        if tag != expected:
            current.fault = current.fault or (
                Code.BAD_FORMAT,
                f"line {line.number}: row {tag[:20]!r} where {expected or 'a new record'} belongs",
            )
            continue
        body = line.text[9:]
        if tag == lse.HEADER_TWO:
            current.header_two_text = line.text
        elif tag == lse.VALUES_ROW:
            current.values = body
        else:
            current.qualities = body
        current.next_row += 1
    if current is not None:
        yield current
    if trailer is None:
        raise FileFault(Code.TRUNCATED, "no trailer row: the file ends early (truncated?)")
    parts = trailer.text.split(",")
    if len(parts) != lse.TRAILER_FIELDS or parts[1].strip() != str(records):
        raise FileFault(
            Code.TRUNCATED,
            f"trailer says {parts[1:] or '?'} records; the file holds {records}",
            trailer.number,
        )


@lru_cache(maxsize=4096)
def _compact_day(ymd: str) -> date | None:
    try:
        return date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:]))
    except ValueError:
        return None


def _validate_fast(raw: RawRecord, *, tdsp: Tdsp, today: date, now: datetime) -> LseReading | None:
    """The record in its common, valid shape; None when anything differs (the full checks
    then say what). Accepts exactly what `validate` accepts, in far fewer steps."""
    if raw.fault is not None or raw.header_two_text is None or raw.values is None:
        return None
    one = _FAST_HEADER_ONE.fullmatch(raw.header_one_text)
    two = _FAST_HEADER_TWO.fullmatch(raw.header_two_text)
    if one is None or two is None:
        return None
    esiid, channel_code, ymd, stop_ymd = one.groups()
    day = _compact_day(ymd)
    if stop_ymd != ymd or day is None or day >= today or esiid_owner(esiid) is not tdsp:
        return None
    count, stamp, start, end = two.groups()
    slots = slot_count(day)
    qualities = raw.qualities
    if int(count) != slots or qualities is None or len(qualities) != slots:
        return None
    if qualities.strip("AE"):
        return None  # missing slots, or letters the full checks will name
    try:
        revised_at = parse_central_timestamp(stamp)
    except ValueError:
        return None
    if revised_at > now:
        return None
    channel = _CHANNELS[channel_code]
    start_wh = end_wh = None
    if start is not None or end is not None:
        if start is None or end is None or channel is not Channel.CONSUMPTION:
            return None
        start_wh, end_wh = exact_wh(start), exact_wh(end)
        if end_wh < start_wh:
            return None
    values = raw.values
    if values.count(",") + 1 != slots or _FAST_VALUES.fullmatch(values) is None:
        return None
    return LseReading(
        raw.line,
        esiid,
        channel,
        day,
        revised_at,
        qualities,
        start_wh,
        end_wh,
        values,
        fast=True,
    )


def validate(raw: RawRecord, *, tdsp: Tdsp, today: date, now: datetime) -> LseReading | Rejection:
    """Every check of one record that needs no stored data."""
    quick = _validate_fast(raw, tdsp=tdsp, today=today, now=now)
    if quick is not None:
        return quick
    key = raw.key

    def reject(code: Code, message: str) -> Rejection:
        return Rejection(raw.line, key, code, message)

    if raw.fault is not None:
        return reject(*raw.fault)
    h1 = raw.header_one
    if len(h1) != lse.HEADER_ONE_FIELDS:
        return reject(Code.BAD_FORMAT, f"header row one has {len(h1)} elements; 7 expected")
    if raw.header_two is None or raw.values is None or raw.qualities is None:
        return reject(Code.BAD_FORMAT, "record is incomplete: it needs rows 00000002 to 00000004")
    esiid = h1[1]
    owner = esiid_owner(esiid)
    if isinstance(owner, str):
        return reject(Code.INVALID_ESIID, owner)
    if owner is not tdsp:
        owner_name = owner.name
        return reject(
            Code.OTHER_TDSP_ESIID, f"ESIID {esiid} belongs to {owner_name}, not {tdsp.name}"
        )
    try:
        channel = Channel.from_lse_code(h1[2])
    except ValueError as error:
        return reject(Code.UNKNOWN_CHANNEL, str(error))
    start, stop = h1[3], h1[4]
    if len(start) != 14 or not _digits(start) or len(stop) != 14 or not _digits(stop):
        return reject(
            Code.INVALID_DATE, f"start {start[:20]!r} and stop {stop[:20]!r} must be YYYYMMDDHHMMSS"
        )
    try:
        day = date(int(start[:4]), int(start[4:6]), int(start[6:8]))
    except ValueError:
        return reject(Code.INVALID_DATE, f"start {start!r} is not a date")
    if start[8:] != "000000" or stop != start[:8] + "235959":
        return reject(
            Code.NOT_A_FULL_DAY,
            f"record runs {start} to {stop}; one local day 000000 to 235959 expected",
        )
    if h1[5] != lse.DST_PARTICIPATION:
        return reject(Code.BAD_FORMAT, f"DST participation {h1[5]!r}; Y expected")
    if h1[6] == lse.INVALID_RECORD:
        return reject(Code.FLAGGED_INVALID, "the sender marked this record invalid")
    if h1[6] != lse.VALID_RECORD:
        return reject(Code.BAD_FORMAT, f"invalid-record flag {h1[6]!r}; N expected")
    if day >= today:
        return reject(
            Code.FUTURE_DATED, f"{day.isoformat()} is not over yet in Central time (today {today})"
        )
    h2 = raw.header_two
    if len(h2) != lse.HEADER_TWO_FIELDS:
        return reject(Code.BAD_FORMAT, f"header row two has {len(h2)} elements; 6 expected")
    if h2[1] != lse.INTERVAL_SECONDS:
        return reject(Code.BAD_FORMAT, f"interval length {h2[1]!r} s; 900 expected")
    slots = slot_count(day)
    if not _digits(h2[2]):
        return reject(Code.BAD_FORMAT, f"interval count {h2[2]!r} is not a number")
    if int(h2[2]) != slots:
        return reject(
            Code.NOT_A_FULL_DAY,
            f"{day.isoformat()} has {slots} intervals in Central time; the record declares {h2[2]}",
        )
    try:
        revised_at = parse_central_timestamp(h2[3])
    except ValueError as error:
        return reject(Code.INVALID_DATE, f"revision timestamp: {error}")
    if revised_at > now:
        return reject(Code.FUTURE_DATED, f"revision timestamp {h2[3]} is in the future")
    try:
        start_wh, end_wh = _registers(h2[4], h2[5], channel)
    except RecordFault as problem:
        return reject(problem.code, problem.message)
    values = raw.values
    if values.count(",") + 1 != slots:
        return reject(
            Code.NOT_A_FULL_DAY, f"{values.count(',') + 1} values for a day of {slots} intervals"
        )
    qualities = raw.qualities
    if len(qualities) != slots:
        return reject(Code.INVALID_QUALITY, f"{len(qualities)} quality letters for {slots} slots")
    if not set(qualities) <= QUALITY_CODES:
        bad = sorted(set(qualities) - QUALITY_CODES)
        return reject(Code.INVALID_QUALITY, f"quality letters {bad}; only A, E, M allowed")
    fast = "M" not in qualities and _FAST_VALUES.fullmatch(values) is not None
    return LseReading(
        raw.line,
        esiid,
        channel,
        day,
        revised_at,
        qualities,
        start_wh,
        end_wh,
        values,
        fast,
    )


def _registers(start: str, end: str, channel: Channel) -> tuple[int | None, int | None]:
    if not start and not end:
        return None, None
    if channel is Channel.SURPLUS_GENERATION:
        raise RecordFault(Code.REGISTER_MISMATCH, "register reads belong on the load channel (4)")
    if not start or not end:
        raise RecordFault(Code.REGISTER_MISMATCH, "start and end register reads come together")
    start_wh, end_wh = exact_wh(start), exact_wh(end)
    if end_wh < start_wh:
        raise RecordFault(
            Code.REGISTER_MISMATCH, f"end register {end} kWh is below start register {start} kWh"
        )
    return start_wh, end_wh


def exact_wh(token: str, limit: int | None = MAX_KWH_WH) -> int:
    """kWh text to integer Wh, exactly (Decimal, never float); RecordFault if it is not one."""
    # The common shape, "123.456", needs no Decimal.
    if len(token) > 4 and token[-4] == "." and _digits(token[:-4]) and _digits(token[-3:]):
        whole = int(token[:-4] + token[-3:])
        if limit is None or whole <= limit:
            return whole
    if _NUMBER.fullmatch(token) is None:
        raise RecordFault(Code.INVALID_VALUE, f"{token[:40]!r} is not a number")
    try:
        kwh = Decimal(token)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise RecordFault(Code.INVALID_VALUE, f"{token[:40]!r} is not a number") from None
    if kwh < 0:
        raise RecordFault(Code.NEGATIVE_VALUE, f"{token} kWh is negative")
    wh = kwh * 1000
    if wh != wh.to_integral_value():
        raise RecordFault(Code.INVALID_VALUE, f"{token} kWh is finer than one watt-hour")
    if limit is not None and wh > limit:
        raise RecordFault(Code.INVALID_VALUE, f"{token} kWh is out of range")
    return int(wh)


def decode_values(readings: Sequence[LseReading]) -> list[LseReading | Rejection]:
    """Turn each reading's values text into packed int32 Wh (step two of validation)."""
    out: list[LseReading | Rejection] = []
    fast = [r for r in readings if r.fast]
    if fast:
        joined = ",".join(r.values_text for r in fast).replace(".", "")
        values = np.fromstring(joined, dtype=np.int64, sep=",")
        if int(values.max(initial=0)) > MAX_SLOT_WH:
            fast_ok = False
        else:
            fast_ok = True
            as_int32 = values.astype("<i4")
            offset = 0
            for reading in fast:
                n = len(reading.qualities)
                chunk = as_int32[offset : offset + n]
                reading.packed = chunk.tobytes()
                reading.total_wh = int(values[offset : offset + n].sum())
                offset += n
        if not fast_ok:
            for reading in fast:
                reading.fast = False
    for reading in readings:
        if reading.fast:
            out.append(reading)
            continue
        out.append(_decode_exact(reading))
    return out


def _decode_exact(reading: LseReading) -> LseReading | Rejection:
    tokens = reading.values_text.split(",")
    slots = len(reading.qualities)

    def reject(code: Code, message: str) -> Rejection:
        return Rejection(reading.line, reading.key, code, message)

    if len(tokens) != slots:
        return reject(Code.NOT_A_FULL_DAY, f"{len(tokens)} values for a day of {slots} intervals")
    values: list[int] = []
    for slot, (token, quality) in enumerate(zip(tokens, reading.qualities, strict=True), 1):
        if quality == "M":
            if token.strip():
                return reject(
                    Code.INVALID_QUALITY,
                    f"interval {slot} of {slots} is marked missing but has value {token[:40]!r}",
                )
            values.append(0)
            continue
        if not token.strip():
            return reject(
                Code.INVALID_QUALITY, f"interval {slot} of {slots} has no value but is not marked M"
            )
        try:
            values.append(exact_wh(token.strip(), MAX_SLOT_WH))
        except RecordFault as fault:
            return reject(fault.code, f"interval {slot} of {slots}: {fault.message}")
    reading.packed = np.asarray(values, dtype="<i4").tobytes()
    reading.total_wh = sum(values)
    return reading


def parse_lse(
    lines: Iterable[Line], *, tdsp: Tdsp, now: datetime, max_records: int, batch_records: int
) -> Iterator[list[LseReading | Rejection]]:
    """Parse and validate an LSE file a batch of records at a time (memory stays flat)."""
    today = today_in_central(now)
    batch: list[RawRecord] = []
    pending: list[LseReading | Rejection] = []

    def finish() -> list[LseReading | Rejection]:
        valid: list[LseReading] = []
        out = pending.copy()
        for raw in batch:
            checked = validate(raw, tdsp=tdsp, today=today, now=now)
            if isinstance(checked, Rejection):
                out.append(checked)
            else:
                valid.append(checked)
        out.extend(decode_values(valid))
        return out

    for item in split_records(iter(lines), max_records):
        if isinstance(item, Rejection):
            pending.append(item)
            continue
        batch.append(item)
        if len(batch) >= batch_records:
            yield finish()
            batch, pending = [], []
    yield finish()


def as_record(reading: LseReading) -> LseRecord:
    """A validated reading as the format's record (what a writer would write back)."""
    return LseRecord(
        reading.esiid,
        reading.channel,
        reading.day,
        reading.revised_at,
        unpack_wh(reading.packed),
        reading.qualities,
        reading.start_wh,
        reading.end_wh,
    )
