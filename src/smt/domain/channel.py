"""Usage channels and per-interval quality."""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    """What a meter measured. The value is SMT's `RT` code."""

    CONSUMPTION = "C"
    SURPLUS_GENERATION = "G"

    @property
    def lse_code(self) -> str:
        """ERCOT LSE header row one, element 3: `4` load, `1` generation."""
        return "4" if self is Channel.CONSUMPTION else "1"

    @classmethod
    def from_lse_code(cls, code: str) -> Channel:
        match code:
            case "4":
                return cls.CONSUMPTION
            case "1":
                return cls.SURPLUS_GENERATION
        raise ValueError(f"channel {code!r} is neither 4 (load) nor 1 (generation)")

    @property
    def label(self) -> str:
        """The wording of SMT's CSV column CONSUMPTION_SURPLUSGENERATION."""
        return "Consumption" if self is Channel.CONSUMPTION else "Surplus Generation"


class Quality(StrEnum):
    """Quality of one interval value, after the TDSP's validation, estimation and editing."""

    ACTUAL = "A"
    ESTIMATED = "E"
    MISSING = "M"


QUALITY_CODES = frozenset(q.value for q in Quality)
