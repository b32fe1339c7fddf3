"""How the pipeline says no: to a whole file, or to one record."""

from __future__ import annotations

from dataclasses import dataclass

from smt.ingest.codes import Code


class FileFault(Exception):
    """A fault that rejects the whole file."""

    def __init__(self, code: Code, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line


class RecordFault(Exception):
    """A fault that rejects one record."""

    def __init__(self, code: Code, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Rejection:
    """A record that will not be loaded, and why."""

    line: int
    key: str
    code: Code
    message: str
    # For a snapshot row rejected for another field: the (ESIID, meter number) it still lists,
    # so that a typo in one column does not end what the TDSP says exists.
    listed: tuple[str, str] | None = None
