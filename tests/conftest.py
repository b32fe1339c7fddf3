"""Shared fixtures: a hub on SQLite (always) and on the running PostgreSQL (when configured).

PostgreSQL tests read SMT_TEST_POSTGRES_URL. Without it they skip and say why; in CI
(SMT_TEST_REQUIRE_SERVICES=1) a missing service fails the run instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from smt.clock import FixedClock
from smt.composition import Hub, build_hub, initialise
from smt.config import Settings
from smt.store.engine import create_hub_engine, migrate
from smt.store.schema import metadata

from builders import NOW


def _service_url(variable: str, what: str) -> str:
    url = os.environ.get(variable)
    if url:
        return url
    message = f"{variable} is not set: {what} tests need a running {what}"
    if os.environ.get("SMT_TEST_REQUIRE_SERVICES") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database on the configured server for this test session, dropped afterwards."""
    base = make_url(_service_url("SMT_TEST_POSTGRES_URL", "PostgreSQL"))
    if base.drivername == "postgresql":
        base = base.set(drivername="postgresql+psycopg")
    name = f"smt_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    engine = create_hub_engine(url)
    migrate(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _empty_postgres(url: str) -> None:
    engine = create_hub_engine(url)
    tables = ", ".join(t.name for t in metadata.sorted_tables)
    with engine.begin() as conn:
        # A test that left a transaction open fails the next one loudly instead of hanging it.
        conn.execute(text("SET LOCAL lock_timeout = '10s'"))
        # The audit log refuses TRUNCATE (append-only triggers); tests start afresh anyway.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def make_hub(
    backend: str,
    tmp_path: Path,
    clock: FixedClock,
    request: pytest.FixtureRequest,
    **overrides: object,
) -> Hub:
    database_url = None
    if backend == "postgres":
        database_url = request.getfixturevalue("postgres_url")
        _empty_postgres(database_url)
    # Queued jobs run at once where they are queued unless a test asks for a real queue.
    overrides.setdefault("jobs_immediate", True)
    settings = Settings(data_dir=tmp_path / "var", database_url=database_url, **overrides)  # type: ignore[arg-type]
    hub = build_hub(settings, clock)
    initialise(hub)
    return hub


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def hub(request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock) -> Iterator[Hub]:
    """The hub on each backend in turn: every test using it runs on SQLite and PostgreSQL."""
    made = make_hub(request.param, tmp_path, clock, request)
    yield made
    made.close()


@pytest.fixture
def sqlite_hub(request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock) -> Iterator[Hub]:
    made = make_hub("sqlite", tmp_path, clock, request)
    yield made
    made.close()


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder
