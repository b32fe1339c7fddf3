"""Small readers of the simulator's output for the tests (deliberately independent of the ingest
package: these check the files as a TDSP's counterpart would, with simple rules)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from smt.domain.central_time import parse_central_timestamp, parse_compact_date
from smt.formats.file_names import InboundKind, InboundName, parse_inbound_name
from smt.formats.lse import RECORD_ROWS, TRAILER


@dataclass(frozen=True)
class LseRecordRows:
    rows: tuple[str, str, str, str]

    def fields(self, row: int) -> list[str]:
        return self.rows[row].split(",")

    @property
    def esiid(self) -> str:
        return self.fields(0)[1]

    @property
    def channel(self) -> str:
        return self.fields(0)[2]

    @property
    def day(self) -> date:
        return parse_compact_date(self.fields(0)[3][:8])

    @property
    def revised_at(self) -> datetime:
        return parse_central_timestamp(self.fields(1)[3])

    @property
    def count(self) -> int:
        return int(self.fields(1)[2])

    @property
    def start_register(self) -> str:
        return self.fields(1)[4]

    @property
    def end_register(self) -> str:
        return self.fields(1)[5]

    @property
    def values(self) -> list[str]:
        return self.fields(2)[1:]

    @property
    def qualities(self) -> str:
        return self.fields(3)[1]

    def values_wh(self) -> list[int]:
        return [wh(v) if v else 0 for v in self.values]


def wh(kwh: str) -> int:
    """`12.345` kWh as 12345 Wh, exactly."""
    whole, _, frac = kwh.partition(".")
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole)) * 1000 + int(frac.ljust(3, "0")))


def read_lse(path: Path) -> list[LseRecordRows]:
    """The records of an LSE file; checks the row structure and the trailer count."""
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == "", "file must end with a newline"
    lines = lines[:-1]
    trailer = lines[-1].split(",")
    assert trailer[0] == TRAILER
    body = lines[:-1]
    assert len(body) % 4 == 0
    records = [LseRecordRows(tuple(body[k : k + 4])) for k in range(0, len(body), 4)]  # type: ignore[arg-type]
    for r in records:
        assert tuple(row.split(",", 1)[0] for row in r.rows) == RECORD_ROWS
    assert int(trailer[1]) == len(records)
    return records


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and data rows of a TDSP CSV file; checks the trailer count."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, *data, trailer = rows
    assert trailer[0] == "TRAILER"
    assert int(trailer[1]) == len(data)
    return header, data


def inbound(out_dir: Path, kind: InboundKind | None = None) -> list[tuple[InboundName, Path]]:
    """The files of `kind` (all if None) in order of creation, then name."""
    found = []
    for path in out_dir.iterdir():
        name = parse_inbound_name(path.name)
        assert name is not None, path.name
        if kind is None or name.kind is kind:
            found.append((name, path))
    return sorted(found, key=lambda item: (item[0].created_at, item[1].name))


def dict_rows(path: Path) -> list[dict[str, str]]:
    header, data = read_csv(path)
    return [dict(zip(header, row, strict=True)) for row in data]
