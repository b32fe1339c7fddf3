"""Usage rows: look up the latest revision of a batch of keys, bulk-append new revisions, and
run the hot reads.

Bulk appends bypass the ORM: SQLite gets one `executemany`, PostgreSQL a `COPY`. Both run on
the caller's connection, inside the caller's transaction, so a file's rows commit together.
Hot reads (`PreparedRead`) on SQLite go to the driver with their SQL compiled once: building
SQLAlchemy rows and running its per-column processors cost more than SQLite's own work.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Date, Select, func, select
from sqlalchemy.engine import Dialect

from smt.store.schema import UtcDateTime, interval_day, sqlite_utc


@dataclass(frozen=True, slots=True)
class StoredInterval:
    revision: int
    values_wh: bytes
    qualities: str
    revised_at: datetime
    file_id: int


@dataclass(frozen=True, slots=True)
class StoredRegister:
    revision: int
    start_wh: int
    end_wh: int
    revised_at: datetime
    file_id: int


IntervalKey = tuple[str, date, str]


def _rows_by_day(
    conn: Connection,
    table: str,
    day_column: str,
    columns: Sequence[str],
    keys: Iterable[tuple[str, date]],
) -> Iterator[tuple[Any, ...]]:
    """Stored rows of exactly the given (ESIID, date) keys, one indexed query per distinct day.

    Plain SQL with the whole ESIID list as one parameter (json_each on SQLite, an array on
    PostgreSQL): an expanded IN of thousands of bound values costs more to build than to run.
    Dates and instants come back as Python values on both backends.
    """
    days: dict[date, set[str]] = defaultdict(set)
    for esiid, day in keys:
        days[day].add(esiid)
    select_list = ", ".join(columns)
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        sql = (
            f"SELECT {select_list} FROM {table} WHERE {day_column} = ? "
            "AND esiid IN (SELECT value FROM json_each(?))"
        )
    else:
        sql = f"SELECT {select_list} FROM {table} WHERE {day_column} = %s AND esiid = ANY(%s)"
    for day, esiids in sorted(days.items()):
        if sqlite:
            parameters: tuple[Any, ...] = (day.isoformat(), json.dumps(sorted(esiids)))
        else:
            parameters = (day, sorted(esiids))
        for row in conn.exec_driver_sql(sql, parameters):
            yield tuple(_python_value(v) for v in row) if sqlite else tuple(row)


def _python_value(value: Any) -> Any:
    """SQLite text back to the types SQLAlchemy's SQLite dialect stored."""
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        if len(value) == 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value


def latest_intervals(
    conn: Connection, keys: Iterable[tuple[str, date]]
) -> dict[IntervalKey, StoredInterval]:
    """The newest stored revision of every channel of the given (ESIID, date) keys."""
    latest: dict[IntervalKey, StoredInterval] = {}
    columns = (
        "esiid",
        "local_date",
        "channel",
        "revision",
        "values_wh",
        "qualities",
        "revised_at",
        "file_id",
    )
    for esiid, day, channel, revision, values, qualities, revised_at, file_id in _rows_by_day(
        conn, "interval_day", "local_date", columns, keys
    ):
        key = (esiid, day, channel)
        held = latest.get(key)
        if held is None or revision > held.revision:
            latest[key] = StoredInterval(revision, bytes(values), qualities, revised_at, file_id)
    return latest


def latest_registers(
    conn: Connection, keys: Iterable[tuple[str, date]]
) -> dict[tuple[str, date], StoredRegister]:
    latest: dict[tuple[str, date], StoredRegister] = {}
    columns = ("esiid", "read_date", "revision", "start_wh", "end_wh", "revised_at", "file_id")
    for esiid, day, revision, start_wh, end_wh, revised_at, file_id in _rows_by_day(
        conn, "register_read", "read_date", columns, keys
    ):
        held = latest.get((esiid, day))
        if held is None or revision > held.revision:
            latest[(esiid, day)] = StoredRegister(revision, start_wh, end_wh, revised_at, file_id)
    return latest


def count_revisions(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(interval_day)).scalar_one())


INTERVAL_COLUMNS = (
    "esiid",
    "local_date",
    "channel",
    "revision",
    "slot_count",
    "values_wh",
    "qualities",
    "total_wh",
    "revised_at",
    "file_id",
)
REGISTER_COLUMNS = (
    "esiid",
    "read_date",
    "revision",
    "start_wh",
    "end_wh",
    "usage_wh",
    "revised_at",
    "file_id",
)

# Rows in the column order above, with Python values (date, aware datetime, bytes, int, str).
Row = tuple[Any, ...]


def _same(value: date | datetime) -> date | datetime:
    return value


class UsageAppender(Protocol):
    """Rows are appended as given; dates and instants in them come from `encoder()`."""

    def encoder(self) -> Callable[[date | datetime], Any]: ...
    def append_intervals(self, conn: Connection, rows: Sequence[Row]) -> None: ...
    def append_registers(self, conn: Connection, rows: Sequence[Row]) -> None: ...


def _sqlite_text(value: date | datetime) -> str:
    # The text forms SQLAlchemy's SQLite dialect stores, so Core selects read these rows back.
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value.isoformat()


class SqliteAppender:
    def _append(
        self, conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Row]
    ) -> None:
        if not rows:
            return
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
        )
        conn.exec_driver_sql(sql, list(rows))

    def encoder(self) -> Callable[[date | datetime], Any]:
        """Dates and instants as SQLite holds them, each distinct one converted once."""
        texts: dict[date | datetime, str] = {}

        def encode(value: date | datetime) -> str:
            text = texts.get(value)
            if text is None:
                text = texts[value] = _sqlite_text(value)
            return text

        return encode

    def append_intervals(self, conn: Connection, rows: Sequence[Row]) -> None:
        self._append(conn, "interval_day", INTERVAL_COLUMNS, rows)

    def append_registers(self, conn: Connection, rows: Sequence[Row]) -> None:
        self._append(conn, "register_read", REGISTER_COLUMNS, rows)


class PostgresAppender:
    def encoder(self) -> Callable[[date | datetime], Any]:
        return _same

    def _copy(
        self, conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Row]
    ) -> None:
        if not rows:
            return
        driver = conn.connection.driver_connection
        assert driver is not None  # noqa: S101 - a live connection always has one
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)

    def append_intervals(self, conn: Connection, rows: Sequence[Row]) -> None:
        self._copy(conn, "interval_day", INTERVAL_COLUMNS, rows)

    def append_registers(self, conn: Connection, rows: Sequence[Row]) -> None:
        self._copy(conn, "register_read", REGISTER_COLUMNS, rows)


def appender_for(conn: Connection) -> UsageAppender:
    return PostgresAppender() if conn.dialect.name == "postgresql" else SqliteAppender()


class PreparedRead:
    """A select built once and run many times with different parameters (every one of them a
    named `bindparam`, given at each run). On SQLite its SQL is compiled once and run on the
    driver, dates and instants converted as the columns' types would (`Date`, `UtcDateTime`);
    elsewhere it runs through SQLAlchemy as usual. Either way the rows are plain tuples of
    Python values, in the select's column order, inside the caller's transaction."""

    def __init__(self, query: Select[Any]) -> None:
        self.query = query
        self._sqlite: tuple[str, list[str], list[Callable[[Any], Any] | None]]
        self._sqlite = self._compile_for_sqlite()

    def _compile_for_sqlite(
        self,
    ) -> tuple[str, list[str], list[Callable[[Any], Any] | None]]:
        from sqlalchemy.dialects import sqlite  # noqa: PLC0415 - only here

        dialect: Dialect = sqlite.dialect()
        compiled = self.query.compile(dialect=dialect)
        converters: list[Callable[[Any], Any] | None] = []
        for column in self.query.selected_columns:
            if isinstance(column.type, UtcDateTime):
                converters.append(sqlite_utc)
            elif isinstance(column.type, Date):
                converters.append(_sqlite_date)
            else:
                converters.append(None)
        return compiled.string, list(compiled.positiontup or ()), converters

    def rows(self, conn: Connection, parameters: dict[str, Any]) -> list[tuple[Any, ...]]:
        if conn.dialect.name != "sqlite":
            return [tuple(row) for row in conn.execute(self.query, parameters)]
        sql, names, converters = self._sqlite
        values = [_sqlite_parameter(parameters[name]) for name in names]
        driver = conn.connection.driver_connection
        assert driver is not None  # noqa: S101 - a live connection always has one
        fetched = driver.execute(sql, values).fetchall()
        if not any(converters):
            return fetched  # type: ignore[no-any-return]
        indexed = [(i, c) for i, c in enumerate(converters) if c is not None]
        converted = []
        for raw in fetched:
            row = list(raw)
            for index, convert in indexed:
                if row[index] is not None:
                    row[index] = convert(row[index])
            converted.append(tuple(row))
        return converted


def _sqlite_parameter(value: Any) -> Any:
    return _sqlite_text(value) if isinstance(value, date) else value


def _sqlite_date(value: str) -> date:
    return date.fromisoformat(value)
