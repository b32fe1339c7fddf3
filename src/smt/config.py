"""One typed settings object, read from the environment (prefix SMT_) and overridden by flags."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

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
    han_headend: Literal["simulated", "silent"] = Field(
        default="simulated",
        description="The TDSPs' HAN head-ends: simulated devices, or one that accepts "
        "everything and reports nothing (the benchmark's floor).",
    )
    han_latency_seconds: tuple[float, float] = Field(
        default=(2.0, 20.0), description="How long the simulated HAN mesh takes to reach a device."
    )
    han_sleeping_share: float = Field(default=0.1, ge=0, le=1)
    han_unreachable_share: float = Field(default=0.02, ge=0, le=1)
    han_retry_seconds: float = Field(default=300.0, ge=0)
    han_opt_out_share: float = Field(default=0.1, ge=0, le=1)
    han_confirm_share: float = Field(default=0.7, ge=0, le=1)
    han_join_failure_share: float = Field(default=0.05, ge=0, le=1)
    han_dispatch_chunk: int = Field(
        default=500, ge=1, description="Deliveries handed to a head-end per transaction."
    )
    han_callback_attempts: int = Field(default=5, ge=1)
    han_callback_backoff_seconds: float = Field(default=30.0, ge=0)
    sqlite_cache_mb: int = Field(
        default=64,
        ge=1,
        description="SQLite's page cache per database connection, in MiB. SQLite's own 2 "
        "holds less than the indexes one usage answer walks: each answer read the account, "
        "session, REP of Record and ingest pages again from the OS (with 64: the 40-day "
        "query's cost fell by a third).",
    )
    request_threads: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Threads per serving process that run the blocking part of requests "
        "(database reads, reports). One by default: requests are CPU-bound Python, so more "
        "threads only fight over the interpreter lock (measured: a third of the throughput "
        "and twice the tail latency with 40); scale with `smt serve --workers` instead. Raise "
        "it when the database is far enough that requests mostly wait for it.",
    )
    inline_usage_reads: bool = Field(
        default=True,
        description="Run the API's bounded usage reads (one ESIID, at most 40 days of "
        "intervals) on the event loop instead of a thread: cheaper by a thread handoff. Turn "
        "off when the database is far enough that a read mostly waits.",
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
    production: bool = Field(
        default=False,
        description="Production mode: every SOAP call needs a TLS client certificate and a "
        "WS-Security credential (docs/soap.md).",
    )
    tls_client_ca: Path | None = Field(
        default=None,
        description="PEM CA bundle of trusted client certificates: `smt serve` with TLS then "
        "requires one (mutual TLS).",
    )
    trusted_proxies: tuple[str, ...] = Field(
        default=(),
        description="Addresses or networks of the TLS-terminating proxy (nginx) whose "
        "X-SSL-Client-* headers are believed; from anyone else they are ignored.",
    )
    public_url: str | None = Field(
        default=None,
        description="https://host[:port] callers reach the hub at, for the URLs it hands "
        "back (SOAP fileUrl); by default the request's own.",
    )
    soap_clock_skew_seconds: int = Field(
        default=300, ge=1, le=3600, description="Allowed clock skew of WS-Security times."
    )
    soap_require_signature: bool = Field(
        default=False, description="Every SOAP call must be signed (Body and Timestamp)."
    )
    soap_max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    soap_max_depth: int = Field(default=32, ge=8)
    soap_max_elements: int = Field(default=40_000, ge=100)
    soap_saml_idp_certificate: Path | None = Field(
        default=None, description="PEM certificate of the SAML identity provider."
    )
    soap_saml_issuer: str | None = None
    soap_saml_audience: str | None = None
    soap_digest_key: str | None = Field(
        default=None,
        description="Key the UsernameToken PasswordDigest secrets derive from; by default "
        "one made in data_dir/secrets.",
    )
    replay_redis_url: str | None = Field(
        default=None,
        description="Redis for the WS-Security replay cache; by default the job queue's "
        "Redis if any, else memory (one process).",
    )

    # --- bulk file delivery (docs/files.md) ---------------------------------------------------
    files_host: str = Field(default="127.0.0.1", description="Address of the FTPS/SFTP servers.")
    ftps_port: int = Field(default=2121, ge=0, le=65535, description="0: any free port.")
    ftps_passive_ports: tuple[int, int] = Field(
        default=(60000, 60099), description="FTPS passive data ports, first and last."
    )
    ftps_masquerade_address: str | None = Field(
        default=None, description="The address passive replies announce (behind NAT)."
    )
    files_tls_cert: Path | None = Field(
        default=None,
        description="PEM certificate chain of the FTPS server (by default a self-signed one "
        "made in data_dir on first start).",
    )
    files_tls_key: Path | None = None
    sftp_port: int = Field(default=2222, ge=0, le=65535, description="0: any free port.")
    sftp_host_key: Path | None = Field(
        default=None,
        description="SFTP host key (by default an Ed25519 key made in data_dir on first start).",
    )
    file_login_max_failures: int = Field(default=5, ge=1)
    file_login_lockout_minutes: int = Field(default=15, ge=1)
    pgp_signing_key: Path | None = Field(
        default=None,
        description="The hub's armoured secret key: every delivered file is signed with it.",
    )
    pgp_signing_passphrase_file: Path | None = None
    extract_time: str = Field(
        default="06:00",
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
        description="When the daily extract (IF1020) runs, Central prevailing time (HH:MM).",
    )
    extract_sender_duns: str = Field(
        default="000000000",
        pattern=r"^([0-9]{9}|[0-9]{13})$",
        description="The DUNS the hub writes as the sender of extract files.",
    )
    extract_first_days: int = Field(
        default=1,
        ge=0,
        description="A DUNS's first extract carries what arrived in the last so many days.",
    )
    retention_extract_days: int = Field(default=30, ge=1)
    retention_adhoc_days: int = Field(default=30, ge=1)
    retention_han_days: int = Field(default=90, ge=1)
    retention_inbound_days: int = Field(default=7, ge=1)
    retention_outbound_days: int = Field(default=30, ge=1)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'smt.db').resolve()}"

    @property
    def digest_key_path(self) -> Path:
        return self.data_dir / "secrets" / "wsse-digest.key"

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

    @property
    def mailbox_dir(self) -> Path:
        return self.data_dir / "mailboxes"

    @property
    def pgp_home(self) -> Path:
        """The hub's own GnuPG keyring (companies' public keys, the signing key)."""
        return self.data_dir / "gnupg"
