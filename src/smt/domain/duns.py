"""DUNS numbers: how the Texas market names its companies (REPs and TDSPs)."""

from __future__ import annotations

from dataclasses import dataclass


class InvalidDuns(ValueError):
    """The text is not a DUNS number."""


@dataclass(frozen=True, slots=True, order=True)
class Duns:
    """A 9-digit DUNS number, or a 13-digit DUNS+4 (a company's suffix for a business unit)."""

    value: str

    def __post_init__(self) -> None:
        if not (self.value.isascii() and self.value.isdigit() and len(self.value) in (9, 13)):
            raise InvalidDuns(f"DUNS {self.value!r} must be 9 or 13 digits")

    @classmethod
    def parse(cls, text: str) -> Duns:
        return cls(text.strip())

    def __str__(self) -> str:
        return self.value
