"""Bad records for testing the ingest validator: one fault each, everything else in the file valid.

A bad interval record is built with smt.formats.lse (format_record) and, where the fault is one
the writer cannot produce, one field of its output is altered. It keeps four rows, and the
trailer counts it, so only that record is rejected. Kinds cycle in a fixed order, so every kind
appears once enough records are malformed.

CSV rows: a bad monthly row replaces the good one (that bill is lost). The reference flows
(meter, premise, REP of Record) carry state that later events build on, so a bad row there is an
extra row, a copy of a good one about a phantom ESIID of the same TDSP (no real ESIID's state is
touched), with one fault.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import cycle, islice

import numpy as np

from smt.domain.central_time import slot_count, today_in_central
from smt.domain.tdsp import TDSPS, Tdsp
from smt.formats.file_names import InboundKind
from smt.formats.lse import LseRecord, format_record
from smt.formats.tdsp_csv import LAYOUTS, FieldType
from smt.ingest.codes import Code
from smt.simulator.population import make_esiids
from smt.simulator.rows import Row, as_list

LONG_TOKEN_CHARS = 70_000
IMPOSSIBLE_DATE = "20260231"
NEGATIVE_WH = -1000  # whole kWh, so that format_kwh writes it exactly ("-1.000")

# (code, variant) in the order they are used
LSE_KINDS: tuple[tuple[Code, str], ...] = (
    (Code.INVALID_VALUE, "letters"),
    (Code.BAD_FORMAT, "short header two"),
    (Code.NOT_A_FULL_DAY, "one value short"),
    (Code.FUTURE_DATED, "future day"),
    (Code.DUPLICATE_IN_FILE, "second copy"),
    (Code.OTHER_TDSP_ESIID, "other TDSP"),
    (Code.INVALID_ESIID, "16 digits"),
    (Code.NEGATIVE_VALUE, "negative value"),
    (Code.LINE_TOO_LONG, "padded value"),
    (Code.INVALID_QUALITY, "quality X"),
    (Code.UNKNOWN_CHANNEL, "channel 7"),
    (Code.REGISTER_MISMATCH, "end before start"),
    (Code.FLAGGED_INVALID, "flag Y"),
    (Code.INVALID_VALUE, "four decimals"),
)

CSV_KINDS: dict[InboundKind, tuple[Code, ...]] = {
    InboundKind.MONTHLY_USAGE: (
        Code.BAD_FORMAT,
        Code.INVALID_ESIID,
        Code.MISSING_ELEMENT,
        Code.INVALID_CODE,
        Code.INVALID_DATE,
        Code.INVALID_PERIOD,
        Code.NEGATIVE_VALUE,
    ),
    InboundKind.METER_FULL: (
        Code.BAD_FORMAT,
        Code.INVALID_ESIID,
        Code.MISSING_ELEMENT,
        Code.INVALID_CODE,
        Code.INVALID_DATE,
    ),
    InboundKind.PREMISE_FULL: (
        Code.BAD_FORMAT,
        Code.INVALID_ESIID,
        Code.MISSING_ELEMENT,
        Code.INVALID_CODE,
    ),
    InboundKind.ROR_FULL: (
        Code.BAD_FORMAT,
        Code.INVALID_ESIID,
        Code.INVALID_DUNS,
        Code.MISSING_ELEMENT,
        Code.INVALID_DATE,
    ),
    InboundKind.ROR_INCREMENTAL: (
        Code.BAD_FORMAT,
        Code.INVALID_ESIID,
        Code.INVALID_DUNS,
        Code.MISSING_ELEMENT,
        Code.INVALID_CODE,
        Code.INVALID_DATE,
    ),
}
CSV_KINDS[InboundKind.METER_INCREMENTAL] = CSV_KINDS[InboundKind.METER_FULL]
CSV_KINDS[InboundKind.PREMISE_INCREMENTAL] = CSV_KINDS[InboundKind.PREMISE_FULL]

# a value outside the list, per code field that gets one
BAD_CODES = {
    "METER_CLASS": "RESIDENTIAL",
    "STATE": "OK",
    "EVENT": "TRANSFER",
    "ESTIMATED_ACTUAL": "X",
}


def _edit_field(text: str, row: int, index: int, edit: Callable[[str], str]) -> str:
    """`text` (a formatted LSE record) with field `index` of its row `row` rewritten."""
    rows = text.split("\n")
    fields = rows[row].split(",")
    fields[index] = edit(fields[index])
    rows[row] = ",".join(fields)
    return "\n".join(rows)


def _drop_last_field(text: str, row: int) -> str:
    rows = text.split("\n")
    rows[row] = rows[row].rsplit(",", 1)[0]
    return "\n".join(rows)


class Malformer:
    """Turns good records and rows into bad ones; counts nothing itself (see engine)."""

    def __init__(self, rng: np.random.Generator, now: datetime, known: set[str]) -> None:
        self._rng = rng
        self._future_from = today_in_central(now) + timedelta(days=1)
        self._known = known
        self._lse_next = 0  # index in LSE_KINDS; moves on only when a bad record is made
        self._csv = {kind: cycle(codes) for kind, codes in CSV_KINDS.items()}

    def phantom_esiid(self, tdsp: Tdsp) -> str:
        """A valid ESIID of `tdsp` that no simulated premise has."""
        while True:
            esiid = make_esiids(self._rng, tdsp, 1)[0]
            if esiid not in self._known:
                self._known.add(esiid)
                return esiid

    # interval records ---------------------------------------------------------------------

    def bad_lse(self, good: LseRecord, tdsp: Tdsp) -> tuple[list[str], Code, bool] | None:
        """(record texts, expected code, whether the good record is among the texts), or None
        when the next kind cannot be made from this record (it then stays good)."""
        code, variant = LSE_KINDS[self._lse_next]
        made = self._make_lse(good, tdsp, variant)
        if made is None:
            return None
        self._lse_next = (self._lse_next + 1) % len(LSE_KINDS)
        return made[0], code, made[1]

    def _make_lse(self, good: LseRecord, tdsp: Tdsp, variant: str) -> tuple[list[str], bool] | None:
        values = list(good.values_wh)
        actual = [k for k, q in enumerate(good.qualities) if q == "A"]
        if not actual or good.start_register_wh is None:
            return None
        slot = actual[len(actual) // 2]
        vrow = slot + 1  # field index in the values row
        start = good.start_register_wh

        def record(**changes: object) -> str:
            rec = dataclasses.replace(good, **changes)  # type: ignore[arg-type]
            return format_record(rec)

        text: str
        match variant:
            case "letters":
                text = _edit_field(format_record(good), 2, vrow, lambda _: "abc")
            case "four decimals":
                text = _edit_field(format_record(good), 2, vrow, lambda v: v + "7")
            case "short header two":
                text = _drop_last_field(format_record(good), 1)
            case "one value short":
                short = values[:-1]
                text = record(
                    values_wh=short,
                    qualities=good.qualities[:-1],
                    end_register_wh=start + sum(short),
                )
            case "future day":
                day = self._future_from + timedelta(days=int(self._rng.integers(0, 30)))
                slots = slot_count(day)
                future = list(islice(cycle(values), slots))
                text = record(
                    day=day,
                    values_wh=future,
                    qualities="A" * slots,
                    end_register_wh=start + sum(future),
                )
            case "second copy":
                good_text = format_record(good)
                return [good_text, good_text], True
            case "other TDSP":
                other = TDSPS[(TDSPS.index(tdsp) + 1) % len(TDSPS)]
                text = record(esiid=self.phantom_esiid(other))
            case "16 digits":
                text = record(esiid=good.esiid[:16])
            case "negative value":
                total = sum(values) - values[slot] + NEGATIVE_WH
                if total < 0:
                    return None
                values[slot] = NEGATIVE_WH
                text = record(values_wh=values, end_register_wh=start + total)
            case "padded value":
                text = _edit_field(
                    format_record(good), 2, vrow, lambda v: v.rjust(LONG_TOKEN_CHARS, "0")
                )
            case "quality X":
                q = good.qualities
                text = record(qualities=q[:slot] + "X" + q[slot + 1 :])
            case "channel 7":
                text = _edit_field(format_record(good), 0, 2, lambda _: "7")
            case "end before start":
                drop = int(self._rng.integers(1, 5000))
                text = record(end_register_wh=start - drop)
            case "flag Y":
                text = _edit_field(format_record(good), 0, 6, lambda _: "Y")
            case _:  # pragma: no cover
                raise AssertionError(variant)
        return [text], False

    # CSV rows -------------------------------------------------------------------------------

    def bad_row(self, kind: InboundKind, good: Row, tdsp: Tdsp) -> tuple[list[str], Code]:
        """A bad row made from `good` (about a phantom ESIID unless it is a monthly bill)."""
        code = next(self._csv[kind])
        row = dict(good)
        if kind is not InboundKind.MONTHLY_USAGE:
            row["ESIID"] = self.phantom_esiid(tdsp)
        layout = LAYOUTS[kind]
        match code:
            case Code.BAD_FORMAT:
                return as_list(kind, row)[:-1], code
            case Code.INVALID_ESIID:
                row["ESIID"] = row["ESIID"][:16]
            case Code.INVALID_DUNS:
                row["DUNS"] = row["DUNS"][:7]
            case Code.MISSING_ELEMENT:
                # a text field if the layout has one, else a date (never the key)
                target = next(
                    f
                    for f in sorted(layout, key=lambda f: f.type is not FieldType.TEXT)
                    if f.required and f.type in (FieldType.TEXT, FieldType.DATE)
                )
                row[target.name] = ""
            case Code.INVALID_CODE:
                target = next(f for f in layout if f.type is FieldType.CODE and f.name in BAD_CODES)
                row[target.name] = BAD_CODES[target.name]
            case Code.INVALID_DATE:
                target = next(f for f in layout if f.type is FieldType.DATE)
                row[target.name] = IMPOSSIBLE_DATE
            case Code.INVALID_PERIOD:
                # bill periods are weeks long, so the swapped dates differ
                row["START_DATE"], row["END_DATE"] = row["END_DATE"], row["START_DATE"]
            case Code.NEGATIVE_VALUE:
                usage = row["USAGE_KWH"]
                row["USAGE_KWH"] = "-1.000" if usage.strip("0.") == "" else "-" + usage
            case _:  # pragma: no cover
                raise AssertionError(code)
        return as_list(kind, row), code
