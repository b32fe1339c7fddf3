"""One ESIID's 15-minute usage on one local day, on one channel, in one revision."""

from __future__ import annotations

import sys
from array import array
from dataclasses import dataclass
from datetime import date, datetime

from smt.domain.central_time import slot_count
from smt.domain.channel import QUALITY_CODES, Channel, Quality

# A day's values are stored packed as little-endian signed 32-bit watt-hours: exact, and about
# 30 times cheaper than a row per interval (reference/python-stack.md).
MAX_SLOT_WH = 2**31 - 1


class InvalidIntervalDay(ValueError):
    """The slots do not make a valid day of usage."""


def pack_wh(values: tuple[int, ...] | list[int]) -> bytes:
    packed = array("i", values)
    if sys.byteorder == "big":  # pragma: no cover - the hub runs on little-endian machines
        packed.byteswap()
    return packed.tobytes()


def unpack_wh(blob: bytes) -> tuple[int, ...]:
    values = array("i")
    values.frombytes(blob)
    if sys.byteorder == "big":  # pragma: no cover
        values.byteswap()
    return tuple(values)


@dataclass(frozen=True, slots=True)
class IntervalDay:
    """Values in integer watt-hours (never binary floats); one quality letter per slot.

    A missing slot holds 0 Wh and quality M; consumption and surplus generation are both
    non-negative (the meter registers them on separate channels).
    """

    esiid: str
    day: date
    channel: Channel
    values_wh: tuple[int, ...]
    qualities: str

    def __post_init__(self) -> None:
        expected = slot_count(self.day)
        if len(self.values_wh) != expected:
            raise InvalidIntervalDay(
                f"{self.day.isoformat()} has {expected} slots; {len(self.values_wh)} values given"
            )
        if len(self.qualities) != expected:
            raise InvalidIntervalDay(
                f"{self.day.isoformat()} has {expected} slots; {len(self.qualities)} qualities"
            )
        if not set(self.qualities) <= QUALITY_CODES:
            raise InvalidIntervalDay(f"qualities must be A, E or M: {self.qualities!r}")
        for slot, (wh, quality) in enumerate(zip(self.values_wh, self.qualities, strict=True)):
            if not 0 <= wh <= MAX_SLOT_WH:
                raise InvalidIntervalDay(f"slot {slot}: {wh} Wh is out of range")
            if quality == Quality.MISSING and wh != 0:
                raise InvalidIntervalDay(f"slot {slot}: a missing interval carries no value")

    @classmethod
    def from_packed(
        cls, *, esiid: str, day: date, channel: Channel, packed: bytes, qualities: str
    ) -> IntervalDay:
        return cls(esiid, day, channel, unpack_wh(packed), qualities)

    @property
    def packed(self) -> bytes:
        return pack_wh(self.values_wh)

    @property
    def total_wh(self) -> int:
        return sum(self.values_wh)

    def same_readings(self, other: IntervalDay) -> bool:
        """Whether a resent day carries nothing new (and so makes no new revision)."""
        return self.values_wh == other.values_wh and self.qualities == other.qualities


@dataclass(frozen=True, slots=True)
class UsageRevision:
    """One version of a day: the hub numbers them 1, 2, ... in order of arrival; the latest is
    current. `revised_at` is the TDSP's own timestamp, `received_at` when the hub stored it."""

    number: int
    revised_at: datetime
    received_at: datetime
