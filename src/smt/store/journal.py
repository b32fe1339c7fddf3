"""The ingest journal: one row per inbound file, with its structured findings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from smt.store.schema import ingest_file, ingest_finding


@dataclass(frozen=True, slots=True)
class FindingRow:
    line: int | None
    code: str
    message: str
    record_key: str | None = None
    data: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class JournalEntry:
    id: int
    file_name: str
    kind: str
    outcome: str
    received_at: datetime
    records_total: int
    records_loaded: int
    records_unchanged: int
    records_rejected: int


def find_processed(conn: Connection, dedupe_key: str) -> JournalEntry | None:
    """The file already processed under this key (rejected files are not kept under one)."""
    row = conn.execute(
        select(
            ingest_file.c.id,
            ingest_file.c.file_name,
            ingest_file.c.kind,
            ingest_file.c.outcome,
            ingest_file.c.received_at,
            ingest_file.c.records_total,
            ingest_file.c.records_loaded,
            ingest_file.c.records_unchanged,
            ingest_file.c.records_rejected,
        ).where(ingest_file.c.dedupe_key == dedupe_key)
    ).one_or_none()
    return None if row is None else JournalEntry(*row)


def open_file(
    conn: Connection,
    *,
    file_name: str,
    kind: str,
    interface: str,
    sender_duns: str,
    tdsp: str,
    sha256: str,
    dedupe_key: str | None,
    size_bytes: int,
    received_at: datetime,
    outcome: str = "processing",
) -> int:
    result = conn.execute(
        insert(ingest_file)
        .values(
            file_name=file_name,
            kind=kind,
            interface=interface,
            sender_duns=sender_duns,
            tdsp=tdsp,
            content_sha256=sha256,
            dedupe_key=dedupe_key,
            size_bytes=size_bytes,
            received_at=received_at,
            outcome=outcome,
            records_total=0,
            records_loaded=0,
            records_unchanged=0,
            records_rejected=0,
        )
        .returning(ingest_file.c.id)
    )
    return int(result.scalar_one())


def close_file(
    conn: Connection,
    file_id: int,
    *,
    outcome: str,
    completed_at: datetime,
    total: int,
    loaded: int,
    unchanged: int,
    rejected: int,
) -> None:
    conn.execute(
        update(ingest_file)
        .where(ingest_file.c.id == file_id)
        .values(
            outcome=outcome,
            completed_at=completed_at,
            records_total=total,
            records_loaded=loaded,
            records_unchanged=unchanged,
            records_rejected=rejected,
        )
    )


def add_findings(conn: Connection, file_id: int, findings: Sequence[FindingRow]) -> None:
    if not findings:
        return
    conn.execute(
        insert(ingest_finding),
        [
            {
                "file_id": file_id,
                "line": f.line,
                "code": f.code,
                "message": f.message,
                "record_key": f.record_key,
                "data": f.data,
            }
            for f in findings
        ],
    )


def findings_of(conn: Connection, file_id: int) -> list[FindingRow]:
    rows = conn.execute(
        select(
            ingest_finding.c.line,
            ingest_finding.c.code,
            ingest_finding.c.message,
            ingest_finding.c.record_key,
            ingest_finding.c.data,
        )
        .where(ingest_finding.c.file_id == file_id)
        .order_by(ingest_finding.c.id)
    )
    return [FindingRow(*row) for row in rows]
