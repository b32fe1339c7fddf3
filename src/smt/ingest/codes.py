"""Finding codes of the ingest pipeline, with their meaning.

File-level codes (F…) reject the whole file; record-level codes reject one record and the rest
loads. `00` and `10` are not faults: they are the per-record result of accepted records. The
numbering follows ERCOT's AMS data loading result codes where ERCOT has one (F1, F2, 00-05) and
continues with the hub's own.
"""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    # file level
    TOO_MANY_RECORDS = "F1"
    BAD_FILE_HEADER = "F2"
    UNRECOGNISED_FILE = "F3"
    BINARY_CONTENT = "F4"
    TRUNCATED = "F5"
    UNKNOWN_SENDER = "F6"
    EMPTY_FILE = "F7"
    FUTURE_FILE = "F8"
    # record level: accepted
    LOADED = "00"
    UNCHANGED = "10"
    # record level: rejected
    INVALID_VALUE = "01"
    BAD_FORMAT = "02"
    NOT_A_FULL_DAY = "03"
    FUTURE_DATED = "04"
    NEWER_VERSION_LOADED = "05"
    DUPLICATE_IN_FILE = "06"
    OTHER_TDSP_ESIID = "07"
    INVALID_ESIID = "08"
    NEGATIVE_VALUE = "09"
    LINE_TOO_LONG = "11"
    INVALID_QUALITY = "12"
    UNKNOWN_CHANNEL = "13"
    REGISTER_MISMATCH = "14"
    FLAGGED_INVALID = "15"
    ROR_CONFLICT = "16"
    OUT_OF_SEQUENCE = "17"
    INVALID_DUNS = "18"
    MISSING_ELEMENT = "19"
    INVALID_CODE = "20"
    INVALID_PERIOD = "21"
    INVALID_DATE = "22"

    @property
    def is_file_level(self) -> bool:
        return self.value.startswith("F")

    @property
    def is_accepted(self) -> bool:
        return self in (Code.LOADED, Code.UNCHANGED)

    @property
    def description(self) -> str:
        return DESCRIPTIONS[self]


DESCRIPTIONS: dict[Code, str] = {
    Code.TOO_MANY_RECORDS: "file holds more data records than the limit",
    Code.BAD_FILE_HEADER: "mandatory file element missing or header row wrong",
    Code.UNRECOGNISED_FILE: "file name or content is not an inbound flow the hub knows",
    Code.BINARY_CONTENT: "file is not text (NUL bytes or not UTF-8)",
    Code.TRUNCATED: "file ends before its trailer, or the trailer count is wrong",
    Code.UNKNOWN_SENDER: "sender in the file name is not a TDSP of the hub, or not the TDSP "
    "whose folder the file came through",
    Code.EMPTY_FILE: "file is empty",
    Code.FUTURE_FILE: "file name carries a creation time in the future",
    Code.LOADED: "loaded",
    Code.UNCHANGED: "already loaded with the same values; nothing changed",
    Code.INVALID_VALUE: "invalid value",
    Code.BAD_FORMAT: "bad format",
    Code.NOT_A_FULL_DAY: "not a full day (DST inclusive) from 00:00:00 to 23:59:59",
    Code.FUTURE_DATED: "future-dated",
    Code.NEWER_VERSION_LOADED: "a more recent version is already loaded",
    Code.DUPLICATE_IN_FILE: "duplicate of an earlier record in the same file",
    Code.OTHER_TDSP_ESIID: "ESIID belongs to another TDSP",
    Code.INVALID_ESIID: "invalid ESIID",
    Code.NEGATIVE_VALUE: "negative value",
    Code.LINE_TOO_LONG: "line longer than the limit",
    Code.INVALID_QUALITY: "invalid quality flag",
    Code.UNKNOWN_CHANNEL: "unknown channel",
    Code.REGISTER_MISMATCH: "register reads inconsistent",
    Code.FLAGGED_INVALID: "record flagged invalid by the sender",
    Code.ROR_CONFLICT: "conflicts with the current REP of Record",
    Code.OUT_OF_SEQUENCE: "effective date out of sequence",
    Code.INVALID_DUNS: "invalid DUNS",
    Code.MISSING_ELEMENT: "mandatory element missing",
    Code.INVALID_CODE: "value not among the allowed codes",
    Code.INVALID_PERIOD: "invalid period",
    Code.INVALID_DATE: "invalid date",
}
