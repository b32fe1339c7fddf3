"""Instants go in aware and come out aware UTC, whatever zone they were stored from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, select
from sqlalchemy.exc import StatementError

from smt.store.schema import UtcDateTime

CDT = timezone(timedelta(hours=-5))


def test_sqlite_gives_back_aware_utc_instants_to_the_microsecond() -> None:
    engine = create_engine("sqlite://")
    metadata = MetaData()
    table = Table("t", metadata, Column("id", Integer, primary_key=True), Column("at", UtcDateTime))
    metadata.create_all(engine)
    stored = [
        datetime(2026, 3, 8, 8, 30, 1, 5, tzinfo=UTC),
        datetime(2026, 11, 1, 1, 30, tzinfo=CDT),  # the first 1:30 of the fall-back night
        None,
    ]
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"id": i, "at": at} for i, at in enumerate(stored)])
        read = conn.execute(select(table.c.at).order_by(table.c.id)).scalars().all()
    assert read == [stored[0], datetime(2026, 11, 1, 6, 30, tzinfo=UTC), None]
    assert all(at is None or at.tzinfo is UTC for at in read)


def test_a_naive_datetime_is_refused() -> None:
    engine = create_engine("sqlite://")
    metadata = MetaData()
    table = Table("t", metadata, Column("at", UtcDateTime))
    metadata.create_all(engine)
    with engine.begin() as conn, pytest.raises(StatementError, match="naive datetime refused"):
        conn.execute(table.insert(), [{"at": datetime(2026, 1, 1, 12)}])  # noqa: DTZ001
