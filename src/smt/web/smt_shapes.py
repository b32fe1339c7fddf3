"""Shapes shared by SMT's portal API (smt_portal_api.py) and its official `/v2` API
(smt_official_api.py): the error that becomes a JSON answer, SMT's dates and timestamps, the
100-position `RD` string and the on-demand read refusals."""

from __future__ import annotations

import json
import re
import secrets
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi.responses import JSONResponse

from smt.domain.central_time import CENTRAL, slot_start
from smt.domain.esiid import Esiid, InvalidEsiid
from smt.formats.lse import format_kwh
from smt.usage.odr import OdrRefusal
from smt.usage.service import IntervalVersion


class ApiError(Exception):
    """An answer of an SMT-compatible API that is not the happy one: its status and body
    (the app turns it into JSON, whatever route raised it)."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body)
        self.status = status
        self.body = body


ODR_REASONS = {
    OdrRefusal.HOURLY: "Too many on-demand reads for this ESIID in the last hour",
    OdrRefusal.DAILY: "Too many on-demand reads for this ESIID today",
    OdrRefusal.TDSP_DAILY: "Too many on-demand reads for this TDSP today",
    OdrRefusal.UNKNOWN: "ESIID and meter number not found",
}


def esiid_or_empty(text: str) -> str:
    """The ESIID's canonical text, or "" when it is not one (looked up as nothing)."""
    try:
        return Esiid.parse(text).value
    except InvalidEsiid:
        return ""


def us_date(text: str) -> date:
    """SMT's `MM/DD/YYYY`, exactly (two, two and four digits)."""
    month, day, year = text.split("/")
    if not (len(month) == 2 and len(day) == 2 and len(year) == 4):
        raise ValueError(text)
    return date(int(year), int(month), int(day))


def us_day(day: date) -> str:
    return day.strftime("%m/%d/%Y")


def central_stamp(instant: datetime) -> str:
    """An instant as SMT writes one: `MM/DD/YYYY HH:MM:SS` in Central prevailing time."""
    return instant.astimezone(CENTRAL).strftime("%m/%d/%Y %H:%M:%S")


def hundred_slots(version: IntervalVersion) -> list[str]:
    """SMT's `RD`: 100 positions by wall clock; 8-11 are the repeated 1 AM hour of the
    fall-back day (empty otherwise); the missing hour of the spring day stays empty."""
    cells = [""] * 100
    for slot, (wh, quality) in enumerate(zip(version.values_wh, version.qualities, strict=True)):
        local = slot_start(version.day, slot).astimezone(CENTRAL)
        position = local.hour * 4 + local.minute // 15
        if local.hour >= 2:
            position += 4
        elif local.hour == 1 and local.fold == 1:
            position += 4  # the second pass of 01:00-01:59 (standard time)
        cells[position] = "-" if quality == "M" else f"{format_kwh(wh)}-{quality}"
    return cells


_MARK = secrets.token_hex(8)


def _mark(value: object) -> str:
    if isinstance(value, Decimal):
        return f"{_MARK}{value:E}{_MARK}"
    raise TypeError(f"{type(value).__name__} is not JSON")


class ExponentJSONResponse(JSONResponse):
    """JSON whose Decimal values are bare numbers in exponent form, as SMT writes on-demand
    readings (`2.3459133E+4`, `0E+0`): still valid JSON numbers, and the same text."""

    def render(self, content: Any) -> bytes:
        text = json.dumps(content, default=_mark, ensure_ascii=False, separators=(",", ":"))
        return re.sub(f'"{_MARK}([0-9.E+-]+){_MARK}"', r"\1", text).encode()


def exponent_kwh(wh: int | None) -> Decimal:
    return (Decimal(wh or 0) / 1000).normalize()
