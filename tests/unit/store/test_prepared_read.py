"""A prepared read gives on SQLite's driver path exactly the rows SQLAlchemy would."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import (
    Column,
    Date,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    select,
)

from smt.store.schema import UtcDateTime
from smt.store.usage_store import PreparedRead

METADATA = MetaData()
DAYS = Table(
    "days",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("day", Date, nullable=False),
    Column("channel", String(1), nullable=False),
    Column("blob", LargeBinary, nullable=False),
    Column("at", UtcDateTime, nullable=True),
)
QUERY = (
    select(DAYS.c.day, DAYS.c.channel, DAYS.c.blob, DAYS.c.at)
    .where(
        DAYS.c.day >= bindparam("first"),
        DAYS.c.day <= bindparam("last"),
        DAYS.c.channel == bindparam("channel"),
    )
    .order_by(DAYS.c.day)
)


def test_sqlite_rows_match_sqlalchemys_types_and_values() -> None:
    engine = create_engine("sqlite://")
    METADATA.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            DAYS.insert(),
            [
                {
                    "id": 1,
                    "day": date(2026, 3, 8),
                    "channel": "C",
                    "blob": b"\x01\x00",
                    "at": datetime(2026, 3, 9, 5, 0, 0, 250, tzinfo=UTC),
                },
                {"id": 2, "day": date(2026, 3, 9), "channel": "C", "blob": b"", "at": None},
                {"id": 3, "day": date(2026, 3, 9), "channel": "G", "blob": b"\x02", "at": None},
                {"id": 4, "day": date(2026, 3, 10), "channel": "C", "blob": b"\x03", "at": None},
            ],
        )
        wanted = {"first": date(2026, 3, 8), "last": date(2026, 3, 9), "channel": "C"}
        expected = [tuple(row) for row in conn.execute(QUERY, wanted)]
        got = PreparedRead(QUERY).rows(conn, wanted)
    assert got == expected
    assert [type(v) for v in got[0]] == [date, str, bytes, datetime]
    assert got[0][3].tzinfo is UTC
    assert len(got) == 2


def test_every_parameter_must_be_given() -> None:
    engine = create_engine("sqlite://")
    METADATA.create_all(engine)
    with engine.begin() as conn, pytest.raises(KeyError, match="channel"):
        PreparedRead(QUERY).rows(conn, {"first": date(2026, 1, 1), "last": date(2026, 1, 2)})
