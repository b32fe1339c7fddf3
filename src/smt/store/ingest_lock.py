"""Which ingest files are surely committed: the daily extract's "high mark".

SQLite writes one transaction at a time, so ingest file ids are committed in id order. On
PostgreSQL an id is assigned when the file's transaction starts, so a file with a lower id may
still be in flight while a higher one is committed. Every ingest transaction therefore holds a
shared advisory lock; taking it exclusively waits for those in flight (and new ones wait the
instant it is held), after which every id up to the newest is committed or gone for good."""

from __future__ import annotations

from sqlalchemy import Connection, func, select, text

from smt.store.schema import ingest_file

INGEST_LOCK = 0x534D5449  # "SMTI"


def hold_ingest_lock(conn: Connection) -> None:
    """At the start of each ingest transaction (released at its end)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock_shared(:k)"), {"k": INGEST_LOCK})


def high_mark(conn: Connection) -> int:
    """The newest ingest file id below which every file is committed (0: none)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": INGEST_LOCK})
    return int(conn.execute(select(func.coalesce(func.max(ingest_file.c.id), 0))).scalar_one())
