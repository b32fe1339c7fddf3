"""The engine chosen by settings, and schema migrations (Alembic) applied through it."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).parent / "migrations"


def create_hub_engine(url: str, *, sqlite_cache_mb: int = 64) -> Engine:
    """The engine for `url`; on SQLite, `sqlite_cache_mb` of page cache per connection
    (Settings.sqlite_cache_mb says why)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", partial(_sqlite_pragmas, cache_kib=sqlite_cache_mb * 1024))
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        # One driver for the hub: psycopg 3 (COPY for bulk loads).
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, cache_kib: int) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the web side read while a file is being ingested; NORMAL is durable at every
    # commit boundary in WAL mode, which is the boundary ingest cares about.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA cache_size=-{int(cache_kib)}")  # negative: KiB, not pages
    cursor.close()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def is_migrated(engine: Engine) -> bool:
    return inspect(engine).has_table("alembic_version")
