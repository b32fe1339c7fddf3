"""Central prevailing time: the clock every Texas market date and timestamp is written in.

A usage day is a local date in America/Chicago. Its 15-minute slots are counted in real elapsed
time from local midnight, so the spring-forward day has 92 slots and the fall-back day 100: the
slot arithmetic is done in UTC, where every quarter hour exists exactly once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

CENTRAL = ZoneInfo("America/Chicago")
SLOT_LENGTH = timedelta(minutes=15)
NORMAL_DAY_SLOTS = 96


def local_midnight(day: date) -> datetime:
    """The instant local midnight begins `day` (midnight always exists in Central time)."""
    return datetime(day.year, day.month, day.day, tzinfo=CENTRAL).astimezone(UTC)


@lru_cache(maxsize=8192)
def slot_count(day: date) -> int:
    """Quarter hours in a local day: 96, 92 on the spring-forward day, 100 on the fall-back day."""
    elapsed = local_midnight(day + timedelta(days=1)) - local_midnight(day)
    return elapsed // SLOT_LENGTH


def slot_start(day: date, slot: int) -> datetime:
    """The UTC instant at which slot `slot` (0-based) of local `day` begins."""
    if not 0 <= slot < slot_count(day):
        raise ValueError(f"slot {slot} does not exist on {day.isoformat()}")
    return local_midnight(day) + slot * SLOT_LENGTH


def today_in_central(now: datetime) -> date:
    """The Central calendar date at instant `now` (which must be timezone-aware)."""
    if now.tzinfo is None:
        raise ValueError("naive datetime: every instant in the hub carries its offset")
    return now.astimezone(CENTRAL).date()


# Pure and called once per record of every file, with few distinct values: cached.
@lru_cache(maxsize=8192)
def parse_central_timestamp(text: str) -> datetime:
    """`YYYYMMDDHHMMSS` in Central prevailing time, as an aware UTC instant.

    Market files carry no offset. In the repeated fall-back hour the first occurrence (daylight
    time) is taken, as a wall clock reading it would be first; a time that does not exist (the
    skipped spring hour) is refused rather than silently shifted.
    """
    if len(text) != 14 or not (text.isascii() and text.isdigit()):
        raise ValueError(f"timestamp {text!r} is not YYYYMMDDHHMMSS")
    try:
        naive = datetime.strptime(text, "%Y%m%d%H%M%S")  # noqa: DTZ007 - zone attached below
    except ValueError:
        raise ValueError(f"timestamp {text!r} is not a valid date and time") from None
    local = naive.replace(tzinfo=CENTRAL)
    round_trip = local.astimezone(UTC).astimezone(CENTRAL).replace(tzinfo=None)
    if round_trip != naive:
        raise ValueError(f"timestamp {text!r} does not exist in Central time (DST gap)")
    return local.astimezone(UTC)


def format_central_timestamp(instant: datetime) -> str:
    """An aware instant as `YYYYMMDDHHMMSS` Central prevailing time."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime: every instant in the hub carries its offset")
    return instant.astimezone(CENTRAL).strftime("%Y%m%d%H%M%S")


def parse_compact_date(text: str) -> date:
    """`YYYYMMDD` as a date."""
    if len(text) != 8 or not (text.isascii() and text.isdigit()):
        raise ValueError(f"date {text!r} is not YYYYMMDD")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise ValueError(f"date {text!r} does not exist") from None
