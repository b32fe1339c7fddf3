"""Per-record results of one file: counts, findings for the journal, and the sender's report.

The result report follows ERCOT's AMS load results: one row per record with its code. It is
written to a temporary file and published only after the file's transaction commits.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from smt.ingest.codes import Code
from smt.store.journal import FindingRow, add_findings

_CODE_COLUMNS = {code: (code.value, code.description) for code in Code}
REPORT_HEADER = ("FILE", "LINE", "RECORD", "CODE", "DESCRIPTION", "DETAIL")
FINDINGS_FLUSH = 500


@dataclass(frozen=True, slots=True)
class Counts:
    total: int
    loaded: int
    unchanged: int
    rejected: int

    @property
    def outcome(self) -> str:
        if self.rejected == 0:
            return "accepted"
        return "partial" if self.loaded + self.unchanged else "rejected"


class ResultReport:
    """The sender's result file, built beside its destination and renamed into place."""

    def __init__(self, destination: Path, file_name: str) -> None:
        self.destination = destination
        self.file_name = file_name
        destination.parent.mkdir(parents=True, exist_ok=True)
        self._partial = destination.with_name(destination.name + ".part")
        self._stream = self._partial.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._stream, lineterminator="\n")
        self._writer.writerow(REPORT_HEADER)

    def row(self, line: int | None, record: str, code: Code, detail: str) -> None:
        self._writer.writerow(
            (
                self.file_name,
                "" if line is None else line,
                record,
                code.value,
                code.description,
                detail,
            )
        )

    def rows(self, results: Sequence[tuple[int, str, Code, str]]) -> None:
        name = self.file_name
        self._writer.writerows(
            (name, line, record, *_CODE_COLUMNS[code], detail)
            for line, record, code, detail in results
        )

    def restart(self) -> None:
        """Forget the record rows (the file was rejected as a whole after all)."""
        self._stream.seek(0)
        self._stream.truncate()
        self._writer.writerow(REPORT_HEADER)

    def publish(self) -> Path:
        self._stream.close()
        self._partial.replace(self.destination)
        return self.destination

    def discard(self) -> None:
        self._stream.close()
        self._partial.unlink(missing_ok=True)


class ResultSink:
    """Collects each record's outcome while a file is processed inside its transaction."""

    def __init__(self, conn: Connection, file_id: int, report: ResultReport) -> None:
        self._conn = conn
        self._file_id = file_id
        self._report = report
        self._pending: list[FindingRow] = []
        self.codes: Counter[Code] = Counter()

    def accepted(self, line: int | None, record: str, code: Code = Code.LOADED) -> None:
        self.codes[code] += 1
        self._report.row(line, record, code, "")

    def rejected(
        self,
        line: int | None,
        record: str,
        code: Code,
        message: str,
        data: dict[str, Any] | None = None,
    ) -> None:
        self.codes[code] += 1
        self._report.row(line, record, code, message)
        self._pending.append(FindingRow(line, code.value, message, record or None, data))
        if len(self._pending) >= FINDINGS_FLUSH:
            self.flush()

    def record_batch(self, results: Sequence[tuple[int, str, Code, str]]) -> None:
        """Many records' outcomes (line, record key, code, message) at once, in this order."""
        self.codes.update(code for _, _, code, _ in results)
        self._report.rows(results)
        for line, record, code, message in results:
            if not code.is_accepted:
                self._pending.append(FindingRow(line, code.value, message, record or None))
        if len(self._pending) >= FINDINGS_FLUSH:
            self.flush()

    def flush(self) -> None:
        add_findings(self._conn, self._file_id, self._pending)
        self._pending = []

    @property
    def counts(self) -> Counts:
        loaded = self.codes[Code.LOADED]
        unchanged = self.codes[Code.UNCHANGED]
        total = sum(self.codes.values())
        return Counts(total, loaded, unchanged, total - loaded - unchanged)
