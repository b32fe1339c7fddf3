"""ESIIDs: Electric Service Identifiers, one per service point."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from smt.domain.tdsp import Tdsp, tdsp_for_esiid

VALID_LENGTHS = (17, 22)


class InvalidEsiid(ValueError):
    """The text is not an ESIID the hub can serve."""


@dataclass(frozen=True, slots=True, order=True)
class Esiid:
    """17 or 22 digits starting with 10; the TDSP is found by prefix.

    Always a digit string, never a number: 22 digits do not survive a float, and leading
    zeros after the prefix matter.
    """

    value: str

    def __post_init__(self) -> None:
        reason = esiid_fault(self.value)
        if reason is not None:
            raise InvalidEsiid(reason)

    @classmethod
    def parse(cls, text: str) -> Esiid:
        """Accepts what market files carry: surrounding blanks and the spreadsheet apostrophe."""
        return cls(text.strip().removeprefix("'"))

    @property
    def tdsp(self) -> Tdsp:
        tdsp = tdsp_for_esiid(self.value)
        if tdsp is None:  # pragma: no cover - excluded by esiid_fault
            raise InvalidEsiid(f"ESIID {self.value} has no TDSP")
        return tdsp

    def __str__(self) -> str:
        return self.value


@lru_cache(maxsize=1 << 16)
def esiid_owner(value: str) -> Tdsp | str:
    """The TDSP of a valid ESIID, or why it is not one. Cached: a TDSP sends the same ESIIDs
    every day."""
    fault = esiid_fault(value)
    if fault is not None:
        return fault
    tdsp = tdsp_for_esiid(value)
    assert tdsp is not None  # noqa: S101 - esiid_fault checks the prefix
    return tdsp


def esiid_fault(value: str) -> str | None:
    """Why `value` is not a valid ESIID, or None. Cheap enough for the ingest hot path."""
    if not (value.isascii() and value.isdigit()):
        return f"ESIID {value[:30]!r} must be digits only"
    if len(value) not in VALID_LENGTHS:
        return f"ESIID {value} has {len(value)} digits; 17 or 22 expected"
    if not value.startswith("10"):
        return f"ESIID {value} does not start with 10"
    tdsp = tdsp_for_esiid(value)
    if tdsp is None:
        return f"ESIID {value} has a prefix of no TDSP in the hub"
    if len(value) != tdsp.esiid_length:
        return f"ESIID {value} has {len(value)} digits; {tdsp.name} ESIIDs have {tdsp.esiid_length}"
    return None
