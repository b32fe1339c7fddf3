"""The composition root: the one place that turns settings into wired services."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from smt.accounts.customers import CustomerService
from smt.accounts.passwords import Passwords
from smt.accounts.service import AccountService
from smt.accounts.service_identity import DigestKey
from smt.accounts.sessions import Sessions
from smt.clock import Clock, SystemClock
from smt.config import Settings
from smt.domain.tdsp import TDSPS
from smt.files.delivery import owe
from smt.files.service import DELIVER_JOB, FileDelivery, build_file_delivery
from smt.han.daily_log import HanDailyLog
from smt.han.dispatch import undispatched
from smt.han.service import DISPATCH, Han, build_han
from smt.headend.han import HanHeadEnd
from smt.headend.han_simulator import SilentHanHeadEnd, SimulatedHanHeadEnd
from smt.headend.simulator import SimulatedHeadEnd
from smt.ingest.pipeline import Ingester, IngestLimits
from smt.ingest.watch import InboundWatcher
from smt.jobs.queue import JobQueue, QueueBackend
from smt.replay import ReplayCache, replay_cache
from smt.reports.adhoc import AdHocJob, AdHocReports, requeue_unfinished
from smt.store.engine import create_hub_engine, migrate
from smt.usage.odr import OnDemandReads


@dataclass(frozen=True)
class Hub:
    settings: Settings
    engine: Engine
    clock: Clock
    ingester: Ingester
    accounts: AccountService
    customers: CustomerService
    sessions: Sessions
    passwords: Passwords
    reads: OnDemandReads
    adhoc: AdHocReports
    jobs: JobQueue
    files: FileDelivery
    # WS-Security: one-time values seen (nonces, signatures), the PasswordDigest key.
    replay: ReplayCache
    digest_key: DigestKey
    han: Han

    def watcher(self) -> InboundWatcher:
        s = self.settings
        return InboundWatcher(
            self.ingester, inbound=s.inbound_dir, archive=s.archive_dir, quarantine=s.quarantine_dir
        )

    def close(self) -> None:
        self.engine.dispose()


def build_hub(settings: Settings, clock: Clock | None = None) -> Hub:
    engine = create_hub_engine(
        settings.effective_database_url, sqlite_cache_mb=settings.sqlite_cache_mb
    )
    limits = IngestLimits(
        batch_records=settings.ingest_batch_records,
        max_records=settings.ingest_max_records,
        max_line_bytes=settings.ingest_max_line_bytes,
        parse_ahead_bytes=settings.ingest_parse_ahead_bytes,
    )
    used_clock = clock or SystemClock()
    passwords = Passwords()
    accounts = AccountService(passwords)
    ingester = Ingester(engine, used_clock, settings.outbound_dir, limits)
    files = build_file_delivery(settings, engine, used_clock, passwords, ingester)
    adhoc = AdHocReports(
        settings.data_dir,
        storage=files.storage,
        owe_file=files.owe_adhoc,
        deliver=files.courier.run,
    )
    jobs = JobQueue(
        _queue_backend(settings),
        name=settings.jobs_queue_name,
        sqlite_path=settings.jobs_sqlite_path,
        redis_url=settings.jobs_redis_url,
        adhoc=AdHocJob(engine, adhoc, accounts.principal, used_clock),
        extract=files.extract_job,
        tick=files.tick,
    )
    han_logs = HanDailyLog(
        engine,
        used_clock,
        settings.data_dir,
        lambda conn, company_id, folder, name, source, now: owe(
            conn, company_id, folder, name, source, now=now
        ),
    )
    jobs.register_every_minute("han-daily-log", han_logs.tick)
    jobs.register(DELIVER_JOB, files.deliver_job)
    return Hub(
        settings,
        engine,
        used_clock,
        ingester,
        accounts,
        CustomerService(passwords),
        Sessions(passwords, accounts),
        passwords,
        OnDemandReads(
            SimulatedHeadEnd(
                delay_seconds=settings.headend_delay_seconds,
                failed_share=settings.headend_failure_share * 2 / 3,
                timed_out_share=settings.headend_failure_share / 3,
            )
        ),
        adhoc,
        jobs,
        files,
        replay_cache(settings.replay_redis_url or settings.jobs_redis_url),
        DigestKey(settings.soap_digest_key, settings.digest_key_path),
        build_han(
            engine,
            used_clock,
            jobs,
            {tdsp.code: _han_headend(settings) for tdsp in TDSPS},
            callback_attempts=settings.han_callback_attempts,
            callback_backoff_seconds=settings.han_callback_backoff_seconds,
            dispatch_chunk=settings.han_dispatch_chunk,
        ),
    )


def resume_jobs(hub: Hub, *, orphans: bool) -> int:
    """When a job runner starts: queue again the work a stopped hub left behind (ad hoc
    requests; HAN fan-outs with deliveries not yet handed to a head-end). Duplicates are
    harmless: every job claims its work. The number of jobs queued."""
    count = requeue_unfinished(hub.engine, hub.jobs.enqueue_adhoc, orphans=orphans)
    for request_id, tdsp in undispatched(hub.engine):
        hub.jobs.enqueue(DISPATCH, request_id, tdsp)
        count += 1
    return count


def _han_headend(settings: Settings) -> HanHeadEnd:
    if settings.han_headend == "silent":
        return SilentHanHeadEnd()
    return SimulatedHanHeadEnd(
        latency_seconds=settings.han_latency_seconds,
        sleeping_share=settings.han_sleeping_share,
        unreachable_share=settings.han_unreachable_share,
        retry_seconds=settings.han_retry_seconds,
        opt_out_share=settings.han_opt_out_share,
        confirm_share=settings.han_confirm_share,
        join_failure_share=settings.han_join_failure_share,
    )


def _queue_backend(settings: Settings) -> QueueBackend:
    if settings.jobs_immediate:
        return QueueBackend.IMMEDIATE
    if settings.jobs_redis_url:
        return QueueBackend.REDIS
    return QueueBackend.SQLITE


def initialise(hub: Hub) -> None:
    """Create the data folders and bring the schema up to date (idempotent)."""
    s = hub.settings
    for tdsp in TDSPS:
        for base in (s.inbound_dir, s.outbound_dir, s.archive_dir, s.quarantine_dir):
            (base / tdsp.code).mkdir(parents=True, exist_ok=True)
    s.mailbox_dir.mkdir(parents=True, exist_ok=True)
    migrate(hub.engine)
