"""The hub's tables. One schema for SQLite (embedded default) and PostgreSQL (production).

Usage is one row per (ESIID, local date, channel, revision) with the day's slots packed as
little-endian int32 watt-hours and a string of quality letters, never a row per interval.
When a revision arrived is its file's `received_at` (every row carries `file_id`). Every usage
table leads with `esiid` so that it can become the distribution key when the tables are
sharded.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store aware instants only")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, _dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # raw SQLite text (driver-level reads)
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)  # noqa: S101 - driver contract
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        """On SQLite, the stored text straight to an aware datetime in one step: a usage answer
        reads two instants per day, and the generic path parses, then wraps, then replaces."""
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        return sqlite_utc


@lru_cache(maxsize=8192)  # instants repeat: one received_at per file, shared by its rows
def sqlite_utc(value: str | None) -> datetime | None:
    """SQLite's text of an instant (as SQLAlchemy stores it) as an aware UTC datetime."""
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


ingest_file = Table(
    "ingest_file",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("file_name", String(255), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("interface", String(10), nullable=False),
    Column("sender_duns", String(13), nullable=False),
    Column("tdsp", String(8), nullable=False),
    Column("content_sha256", String(64), nullable=False),
    # "<sender DUNS>:<flow>:<sha256>" for every file the pipeline processed; NULL for files
    # rejected as a whole, which may be sent again (under a corrected name, say).
    Column("dedupe_key", String(120), unique=True),
    Column("size_bytes", BigInteger, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("completed_at", UtcDateTime),
    Column("outcome", String(12), nullable=False),  # accepted | partial | rejected
    Column("records_total", Integer, nullable=False, default=0),
    Column("records_loaded", Integer, nullable=False, default=0),
    Column("records_unchanged", Integer, nullable=False, default=0),
    Column("records_rejected", Integer, nullable=False, default=0),
    Index(None, "content_sha256"),
)

ingest_finding = Table(
    "ingest_finding",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("file_id", ForeignKey("ingest_file.id"), nullable=False, index=True),
    Column("line", Integer),
    Column("code", String(4), nullable=False),
    Column("message", Text, nullable=False),
    Column("record_key", String(80)),
    Column("data", JSON),
)

interval_day = Table(
    "interval_day",
    metadata,
    Column("esiid", String(22), primary_key=True),
    Column("local_date", Date, primary_key=True),
    Column("channel", String(1), primary_key=True),
    Column("revision", SmallInteger, primary_key=True),
    Column("slot_count", SmallInteger, nullable=False),
    Column("values_wh", LargeBinary, nullable=False),
    Column("qualities", String(100), nullable=False),
    Column("total_wh", BigInteger, nullable=False),
    Column("revised_at", UtcDateTime, nullable=False),
    Column("file_id", Integer, nullable=False),
    # The daily extract reads "what arrived since", by ingest file.
    Index(None, "file_id"),
)

register_read = Table(
    "register_read",
    metadata,
    Column("esiid", String(22), primary_key=True),
    Column("read_date", Date, primary_key=True),
    Column("revision", SmallInteger, primary_key=True),
    Column("start_wh", BigInteger, nullable=False),
    Column("end_wh", BigInteger, nullable=False),
    Column("usage_wh", BigInteger, nullable=False),
    Column("revised_at", UtcDateTime, nullable=False),
    Column("file_id", Integer, nullable=False),
    Index(None, "file_id"),
)

monthly_usage = Table(
    "monthly_usage",
    metadata,
    Column("esiid", String(22), primary_key=True),
    Column("period_start", Date, primary_key=True),
    Column("revision", SmallInteger, primary_key=True),
    Column("period_end", Date, nullable=False),
    Column("meter_number", String(40), nullable=False),
    Column("usage_wh", BigInteger, nullable=False),
    Column("demand_w", BigInteger),
    Column("quality", String(1), nullable=False),
    Column("revised_at", UtcDateTime, nullable=False),
    Column("file_id", Integer, nullable=False),
)

meter = Table(
    "meter",
    metadata,
    Column("esiid", String(22), primary_key=True),
    Column("meter_number", String(40), primary_key=True),
    Column("tdsp", String(8), nullable=False),
    Column("manufacturer", String(60), nullable=False),
    Column("model", String(60), nullable=False),
    Column("meter_class", String(20), nullable=False),
    Column("kwh_multiplier", Integer, nullable=False),
    Column("channels", String(2), nullable=False),
    Column("interval_minutes", SmallInteger, nullable=False),
    Column("han_protocol", String(20), nullable=False),
    Column("installed_on", Date, nullable=False),
    Column("removed_on", Date),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("file_id", Integer, nullable=False),
    Index(None, "tdsp", "removed_on"),
)

premise = Table(
    "premise",
    metadata,
    Column("esiid", String(22), primary_key=True),
    Column("tdsp", String(8), nullable=False),
    Column("address1", String(100), nullable=False),
    Column("address2", String(100), nullable=False),
    Column("city", String(60), nullable=False),
    Column("state", String(2), nullable=False),
    Column("zip", String(10), nullable=False),
    Column("premise_type", String(4), nullable=False),
    Column("status", String(12), nullable=False),
    Column("status_date", Date, nullable=False),
    Column("load_profile", String(30), nullable=False),
    Column("weather_zone", String(20), nullable=False),
    Column("ended_on", Date),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("file_id", Integer, nullable=False),
    Index(None, "tdsp", "ended_on"),
)

rep_of_record = Table(
    "rep_of_record",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("esiid", String(22), nullable=False),
    Column("tdsp", String(8), nullable=False),
    Column("duns", String(13), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date),
    Column("start_reason", String(10), nullable=False),
    Column("end_reason", String(10)),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("file_id", Integer, nullable=False),
    Index(None, "esiid", "start_date"),
    Index(None, "duns", "start_date"),
    Index(None, "tdsp", "end_date"),
)

# Rows a full (snapshot) file saw, so that what it did not list can be ended afterwards without
# holding millions of keys in memory. Emptied by the same transaction that fills it.
snapshot_seen = Table(
    "snapshot_seen",
    metadata,
    Column("file_id", Integer, primary_key=True),
    Column("esiid", String(22), primary_key=True),
    Column("meter_number", String(40), primary_key=True, default=""),
)

USAGE_TABLES = (interval_day, register_read, monthly_usage)

odr_request = Table(
    "odr_request",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("correlation_id", String(32), nullable=False, unique=True),
    Column("esiid", String(22), nullable=False),
    Column("tdsp", String(8), nullable=False),
    Column("meter_number", String(40), nullable=False),
    Column("requested_by", String(40), nullable=False),
    Column("requested_at", UtcDateTime, nullable=False),
    # What the head-end answered: when it will be (or was) done, how, and the reading.
    Column("completes_at", UtcDateTime, nullable=False),
    Column("outcome", String(10), nullable=False),  # COMPLETED | FAILED | T-FAILED
    Column("read_wh", BigInteger),
    Column("usage_wh", BigInteger),
    Index(None, "esiid", "requested_at"),
    Index(None, "tdsp", "requested_at"),
)

adhoc_request = Table(
    "adhoc_request",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("correlation_id", String(32), nullable=False, unique=True),
    Column("requested_by", String(40), nullable=False, index=True),
    Column("kind", String(10), nullable=False),  # interval | daily | monthly
    Column("format", String(4), nullable=False),  # csv | lse | json
    Column("esiids", JSON, nullable=False),
    Column("first_date", Date, nullable=False),
    Column("last_date", Date, nullable=False),
    Column("all_revisions", Integer, nullable=False, default=0),
    Column("status", String(10), nullable=False),  # queued | running | completed | failed
    Column("status_message", Text, nullable=False, default=""),
    Column("requested_at", UtcDateTime, nullable=False),
    Column("completed_at", UtcDateTime),
    Column("file_name", String(120)),
    Column("records", Integer),
)

# The accounts tables share this metadata (one schema, one migration history).
from smt.store import accounts_tables, files_tables, han_tables  # noqa: E402, F401 - registers the tables
