"""Writing the inbound files: names from smt.formats.file_names, contents from smt.formats, each
file written to `<name>.part` and renamed into place (a reader never sees half a file)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TextIO

from smt.domain.tdsp import Tdsp
from smt.formats.file_names import InboundKind, InboundName
from smt.formats.lse import format_trailer
from smt.formats.tdsp_csv import write_tdsp_csv

MAX_RECORDS_PER_FILE = 40_000


class FileWriter:
    def __init__(self, out_dir: Path, now: datetime) -> None:
        self.out_dir = out_dir
        self.now = now
        self.files = 0
        self._names: set[str] = set()
        out_dir.mkdir(parents=True, exist_ok=True)

    def clamp(self, instant: datetime) -> datetime:
        """Nothing is created after "now"."""
        return min(instant, self.now)

    def _path(self, tdsp: Tdsp, kind: InboundKind, created_at: datetime, counter: int) -> Path:
        """The file name, with the counter moved on past any name already used."""
        while True:
            name = InboundName(tdsp.duns, kind, created_at, counter).render()
            if name not in self._names:
                self._names.add(name)
                return self.out_dir / name
            counter += 1

    def _atomic(self, path: Path, fill: Callable[[TextIO], object]) -> None:
        part = path.with_name(path.name + ".part")
        with part.open("w", encoding="utf-8", newline="") as out:
            fill(out)
        part.replace(path)  # os.replace: atomic within the directory
        self.files += 1

    def write_lse(
        self,
        tdsp: Tdsp,
        created_at: datetime,
        groups: Sequence[Sequence[str]],
        *,
        max_records: int = MAX_RECORDS_PER_FILE,
    ) -> list[Path]:
        """One or more IF1000 files of formatted records. A group (a record, or a record and its
        duplicate) is never split across files; a file holds at most `max_records` records."""
        paths: list[Path] = []
        for counter, chunk in enumerate(_chunks(groups, max_records), start=1):
            path = self._path(tdsp, InboundKind.INTERVAL, created_at, counter)
            count = sum(len(g) for g in chunk)

            self._atomic(path, partial(_write_groups, groups=chunk, count=count))
            paths.append(path)
        return paths

    def write_csv(
        self,
        tdsp: Tdsp,
        kind: InboundKind,
        created_at: datetime,
        rows: Sequence[Sequence[str]],
        *,
        max_records: int = MAX_RECORDS_PER_FILE,
    ) -> list[Path]:
        """A CSV flow. Incremental and monthly files are split at `max_records` rows; a full
        snapshot never is (a full file is the whole picture as of its date)."""
        limit = len(rows) if kind.is_full else max_records
        chunks = [list(rows[k : k + limit]) for k in range(0, len(rows), max(limit, 1))]
        paths: list[Path] = []
        for counter, chunk in enumerate(chunks or [[]], start=1):
            path = self._path(tdsp, kind, created_at, counter)
            self._atomic(path, partial(write_tdsp_csv, kind=kind, rows=chunk))
            paths.append(path)
        return paths


def _write_groups(out: TextIO, *, groups: list[Sequence[str]], count: int) -> None:
    for group in groups:
        out.writelines(group)
    out.write(format_trailer(count))


def _chunks(groups: Sequence[Sequence[str]], limit: int) -> Iterator[list[Sequence[str]]]:
    chunk: list[Sequence[str]] = []
    size = 0
    for group in groups:
        if chunk and size + len(group) > limit:
            yield chunk
            chunk, size = [], 0
        chunk.append(group)
        size += len(group)
    if chunk:
        yield chunk
