"""One typed settings object, read from the environment (prefix SMT_) and overridden by flags."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SMT_", frozen=True)

    data_dir: Path = Field(default=Path("var"), description="Where the hub keeps its files.")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; by default a SQLite file under data_dir.",
    )
    host: str = "127.0.0.1"
    port: int = 8000

    ingest_batch_records: int = Field(default=2000, ge=1)
    ingest_max_records: int = Field(
        default=50_000, ge=1, description="ERCOT's F1 limit: data records per file."
    )
    ingest_max_line_bytes: int = Field(default=64 * 1024, ge=1024)
    ingest_parse_ahead_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=0,
        description="A run with at least this much interval data parses it on a second core.",
    )
    watch_interval_seconds: float = Field(default=2.0, gt=0)
    headend_delay_seconds: tuple[float, float] = Field(
        default=(30.0, 90.0), description="How long the simulated head-ends take to read."
    )
    headend_failure_share: float = Field(
        default=0.06,
        ge=0,
        le=1,
        description="Share of simulated reads that fail (two thirds FAILED, one third T-FAILED).",
    )
    jobs_redis_url: str | None = Field(
        default=None,
        description="Queue jobs in this Redis, run by `smt worker` processes "
        "(by default a SQLite queue in data_dir, run by `smt serve` itself).",
    )
    jobs_workers: int = Field(default=2, ge=1, description="Worker threads per job runner.")
    jobs_queue_name: str = Field(default="smt", min_length=1)
    jobs_immediate: bool = Field(
        default=False,
        description="Run each job at once in the thread that queues it (tests, scripts).",
    )
    cookie_secure: bool | None = Field(
        default=None,
        description="Secure cookies; by default when the request came over HTTPS.",
    )

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'smt.db').resolve()}"

    @property
    def jobs_sqlite_path(self) -> Path:
        return self.data_dir / "jobs.db"

    @property
    def inbound_dir(self) -> Path:
        return self.data_dir / "inbound"

    @property
    def outbound_dir(self) -> Path:
        return self.data_dir / "outbound"

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"

    @property
    def quarantine_dir(self) -> Path:
        return self.data_dir / "quarantine"
