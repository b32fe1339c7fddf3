"""Ad hoc usage requests (IF1030/IF1040), sized as the seed sizes them: one ESIID up to 40 days
of intervals (or 1,200 days of register reads or bills) is answered at once with its file;
anything larger (one ESIID up to 13 months, several ESIIDs up to 48 months) is queued and
answered with a correlation id whose status can be asked for. Results land in the requester's
mailbox folder; the reads go through the access policy like every other read."""

from __future__ import annotations

import io
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Row, func, insert, select, update

from smt.access.policy import Principal
from smt.accounts.model import WorkflowError
from smt.clock import Clock
from smt.domain.central_time import format_central_timestamp
from smt.domain.esiid import Esiid, InvalidEsiid
from smt.files.mailbox import Location, MailboxStorage, Upload, company_box, user_box
from smt.files.storage import DiskMailboxes
from smt.reports.writers import (
    ReportFormat,
    write_daily_report,
    write_interval_report,
    write_monthly_report,
)
from smt.store.schema import adhoc_request
from smt.usage.service import UsageService

SYNC_INTERVAL_DAYS = 40
ONE_ESIID_DAYS = 396  # under 13 months
MANY_ESIIDS_DAYS = 1461  # 48 months
SYNC_DAILY_DAYS = 1200
MAX_ESIIDS = 1000
# Queued jobs share the serving process: one requester cannot fill it with work.
MAX_IN_PROGRESS = 3
ADHOC = "adhoc"
FILE_PREFIX = {
    "interval": "IntervalMeterUsage",
    "daily": "DailyMeterUsage",
    "monthly": "MonthlyBilling",
}


class RequestStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


IN_PROGRESS = (RequestStatus.QUEUED.value, RequestStatus.RUNNING.value)


@dataclass(frozen=True, slots=True)
class AdHocRequest:
    kind: str  # interval | daily | monthly
    fmt: ReportFormat
    esiids: list[str]
    first: date
    last: date
    all_revisions: bool = False


@dataclass(frozen=True, slots=True)
class Answer:
    """Either the file at once (`file_name`), or a correlation id to ask about later."""

    correlation_id: str
    status: RequestStatus
    message: str
    file_name: str | None = None
    records: int | None = None


@dataclass(frozen=True, slots=True)
class RequestSummary:
    """One of the requester's requests, as the portal lists them."""

    correlation_id: str
    kind: str
    fmt: str
    esiid_count: int
    first: date
    last: date
    requested_at: datetime
    status: RequestStatus
    message: str
    file_name: str | None
    records: int | None


def check(request: AdHocRequest) -> AdHocRequest:
    """The seed's limits, each refused with a precise message."""
    if request.kind not in FILE_PREFIX:
        raise WorkflowError("the report type is interval, daily or monthly")
    if request.fmt is ReportFormat.LSE and request.kind != "interval":
        raise WorkflowError("LSE carries interval data only")
    if not request.esiids:
        raise WorkflowError("at least one ESIID")
    if len(request.esiids) > MAX_ESIIDS:
        raise WorkflowError(f"at most {MAX_ESIIDS} ESIIDs in one request")
    try:
        esiids = sorted({Esiid.parse(e).value for e in request.esiids})
    except InvalidEsiid as error:
        raise WorkflowError(str(error)) from None
    if request.last < request.first:
        raise WorkflowError("the end date is before the start date")
    days = (request.last - request.first).days + 1
    if len(esiids) == 1 and request.kind == "interval" and days > ONE_ESIID_DAYS:
        raise WorkflowError("one ESIID's intervals: under 13 months per request")
    if len(esiids) == 1 and request.kind != "interval" and days > SYNC_DAILY_DAYS:
        raise WorkflowError(f"one ESIID's {request.kind} data: at most {SYNC_DAILY_DAYS} days")
    if days > MANY_ESIIDS_DAYS:
        raise WorkflowError("at most 48 months per request")
    return AdHocRequest(
        request.kind, request.fmt, esiids, request.first, request.last, request.all_revisions
    )


def answered_at_once(request: AdHocRequest) -> bool:
    days = (request.last - request.first).days + 1
    if len(request.esiids) != 1:
        return False
    limit = SYNC_INTERVAL_DAYS if request.kind == "interval" else SYNC_DAILY_DAYS
    return days <= limit


def mailbox(data_dir: Path, principal: Principal) -> Path:
    """The requester's ad hoc folder: the company's for company people, else their own."""
    return data_dir / "mailboxes" / _box(principal) / ADHOC


def _box(principal: Principal) -> str:
    if principal.company_id is not None:
        return company_box(principal.company_id)
    return user_box(principal.user_id)


# (connection, requester's user ID, file name): a finished file is owed to the requester's
# company mailbox, encrypted (smt.files.delivery); recorded in the transaction that finishes.
OweFile = Callable[[Connection, str, str], None]


class _Sink(io.RawIOBase):
    """A mailbox upload as a binary stream for the text writers."""

    def __init__(self, upload: Upload) -> None:
        super().__init__()
        self._upload = upload

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        return self._upload.write(bytes(data))


class AdHocReports:
    def __init__(
        self,
        data_dir: Path,
        *,
        storage: MailboxStorage | None = None,
        owe_file: OweFile | None = None,
        deliver: Callable[[], object] | None = None,
    ) -> None:
        self._data_dir = data_dir
        self._usage = UsageService()
        # The clear file stays in the mailbox for the portal's and the API's downloads; the
        # file servers serve only its encrypted delivery beside it.
        self._storage = storage or DiskMailboxes(data_dir / "mailboxes")
        self._owe_file = owe_file
        self._deliver = deliver

    def after_finish(self) -> None:
        """Deliver what the finished request owes (a queued job does this at once)."""
        if self._deliver is not None:
            self._deliver()

    def submit(
        self, conn: Connection, principal: Principal, request: AdHocRequest, *, now: datetime
    ) -> Answer:
        """Record the request; answer it at once when the seed says so (the caller enqueues
        the others after its transaction commits)."""
        checked = check(request)
        if not answered_at_once(checked):
            waiting = conn.execute(
                select(func.count()).where(
                    adhoc_request.c.requested_by == principal.user_id,
                    adhoc_request.c.status.in_(IN_PROGRESS),
                )
            ).scalar_one()
            if waiting >= MAX_IN_PROGRESS:
                raise WorkflowError(
                    f"at most {MAX_IN_PROGRESS} queued requests at a time; "
                    "ask again when one has completed"
                )
        correlation = secrets.token_hex(16)
        conn.execute(
            insert(adhoc_request).values(
                correlation_id=correlation,
                requested_by=principal.user_id,
                kind=checked.kind,
                format=checked.fmt.value,
                esiids=checked.esiids,
                first_date=checked.first,
                last_date=checked.last,
                all_revisions=int(checked.all_revisions),
                status=RequestStatus.QUEUED.value,
                status_message="queued",
                requested_at=now,
            )
        )
        if answered_at_once(checked):
            return self.run(conn, principal, correlation, now=now)
        return Answer(
            correlation,
            RequestStatus.QUEUED,
            "Request queued; ask for its status with the correlation id",
        )

    def run(
        self, conn: Connection, principal: Principal, correlation_id: str, *, now: datetime
    ) -> Answer:
        """The whole request in the caller's transaction (small requests, answered at once)."""
        row = self.start(conn, correlation_id)
        assert row is not None, "a request recorded in this transaction is queued"  # noqa: S101
        name, count = self.produce(conn, principal, row, now=now)
        return self.finish(conn, row, name, count, now=now)

    def start(self, conn: Connection, correlation_id: str) -> Row[Any] | None:
        """Claim a queued request; None when it is not queued any more (another worker took
        it, or a duplicate message of the queue arrived after it ran)."""
        claimed = conn.execute(
            update(adhoc_request)
            .where(
                adhoc_request.c.correlation_id == correlation_id,
                adhoc_request.c.status == RequestStatus.QUEUED.value,
            )
            .values(status=RequestStatus.RUNNING.value, status_message="running")
        )
        if claimed.rowcount != 1:
            return None
        return conn.execute(
            select(adhoc_request).where(adhoc_request.c.correlation_id == correlation_id)
        ).one()

    def produce(
        self, conn: Connection, principal: Principal, row: Row[Any], *, now: datetime
    ) -> tuple[str, int]:
        """Reads only (bar an operator's audit rows): the file, written aside then renamed."""
        fmt = ReportFormat(row.format)
        stamp = format_central_timestamp(now)
        name = f"{FILE_PREFIX[row.kind]}{row.correlation_id}{stamp}.{fmt.value}"
        upload = self._storage.upload(Location(_box(principal), ADHOC, name))
        span = (row.esiids, row.first_date, row.last_date)
        revisions = bool(row.all_revisions)
        out = io.TextIOWrapper(
            io.BufferedWriter(_Sink(upload), 1 << 16), encoding="utf-8", newline=""
        )
        try:
            if row.kind == "interval":
                intervals = self._usage.intervals(
                    conn, principal, *span, now=now, all_revisions=revisions
                )
                count = write_interval_report(out, intervals, fmt)
            elif row.kind == "daily":
                reads = self._usage.register_reads(
                    conn, principal, *span, now=now, all_revisions=revisions
                )
                count = write_daily_report(out, reads, fmt)
            else:
                bills = self._usage.monthly(
                    conn, principal, *span, now=now, all_revisions=revisions
                )
                count = write_monthly_report(out, bills, fmt)
            out.flush()
            upload.commit()  # whole, at once: a mailbox never shows a half-written file
        finally:
            upload.abort()  # nothing once committed
            out.detach()
        return name, count

    def finish(
        self, conn: Connection, row: Row[Any], name: str, count: int, *, now: datetime
    ) -> Answer:
        message = "Report ready" if count else "No data in that range for that request"
        if self._owe_file is not None:
            self._owe_file(conn, row.requested_by, name)
        conn.execute(
            update(adhoc_request)
            .where(adhoc_request.c.id == row.id)
            .values(
                status=RequestStatus.COMPLETED.value,
                status_message=message,
                completed_at=now,
                file_name=name,
                records=count,
            )
        )
        return Answer(row.correlation_id, RequestStatus.COMPLETED, message, name, count)

    @staticmethod
    def unfinished(conn: Connection, *, orphans: bool) -> list[tuple[str, str]]:
        """(correlation id, requester) of every queued request, oldest first; with `orphans`,
        requests left running by a stopped runner are queued again and included."""
        if orphans:
            conn.execute(
                update(adhoc_request)
                .where(adhoc_request.c.status == RequestStatus.RUNNING.value)
                .values(status=RequestStatus.QUEUED.value, status_message="queued")
            )
        rows = conn.execute(
            select(adhoc_request.c.correlation_id, adhoc_request.c.requested_by)
            .where(adhoc_request.c.status == RequestStatus.QUEUED.value)
            .order_by(adhoc_request.c.id)
        )
        return [(row.correlation_id, row.requested_by) for row in rows]

    def fail(self, conn: Connection, correlation_id: str, message: str, *, now: datetime) -> None:
        """A request still in progress fails; a finished one stays as it finished."""
        conn.execute(
            update(adhoc_request)
            .where(
                adhoc_request.c.correlation_id == correlation_id,
                adhoc_request.c.status.in_(IN_PROGRESS),
            )
            .values(
                status=RequestStatus.FAILED.value, status_message=message[:500], completed_at=now
            )
        )

    def status(self, conn: Connection, principal: Principal, correlation_id: str) -> Answer | None:
        """The requester's own request only (anyone else's looks like no request)."""
        row = conn.execute(
            select(adhoc_request).where(
                adhoc_request.c.correlation_id == correlation_id,
                adhoc_request.c.requested_by == principal.user_id,
            )
        ).first()
        if row is None:
            return None
        return Answer(
            row.correlation_id,
            RequestStatus(row.status),
            row.status_message,
            row.file_name,
            row.records,
        )

    def recent(
        self, conn: Connection, principal: Principal, *, limit: int = 50
    ) -> list[RequestSummary]:
        """The requester's own requests, newest first."""
        rows = conn.execute(
            select(adhoc_request)
            .where(adhoc_request.c.requested_by == principal.user_id)
            .order_by(adhoc_request.c.id.desc())
            .limit(limit)
        )
        return [
            RequestSummary(
                row.correlation_id,
                row.kind,
                row.format,
                len(row.esiids),
                row.first_date,
                row.last_date,
                row.requested_at,
                RequestStatus(row.status),
                row.status_message,
                row.file_name,
                row.records,
            )
            for row in rows
        ]

    def file_path(self, principal: Principal, answer: Answer) -> Path | None:
        if answer.file_name is None:
            return None
        return self._storage.local_path(Location(_box(principal), ADHOC, answer.file_name))


def run_job(
    engine: Engine, reports: AdHocReports, principal: Principal, correlation_id: str, clock: Clock
) -> None:
    """One queued request in three transactions, so that the long middle one only reads: on
    SQLite a job holding the write lock for minutes would stall every login and upload."""
    try:
        with engine.begin() as conn:
            row = reports.start(conn, correlation_id)
        if row is None:
            return
        with engine.begin() as conn:
            name, count = reports.produce(conn, principal, row, now=clock.now())
        with engine.begin() as conn:
            reports.finish(conn, row, name, count, now=clock.now())
        reports.after_finish()
    except Exception as error:  # noqa: BLE001 - a failed job is a status, never a lost request
        with engine.begin() as conn:
            reports.fail(conn, correlation_id, f"failed: {error}", now=clock.now())


@dataclass(frozen=True, slots=True)
class AdHocJob:
    """What a job-queue worker runs: a queued request, by its ids, as its requester is *now*
    (a requester suspended while the job waited gets a failed request, not their old reach)."""

    engine: Engine
    reports: AdHocReports
    principal_of: Callable[[Connection, str], Principal | None]
    clock: Clock

    def __call__(self, correlation_id: str, user_id: str) -> None:
        with self.engine.connect() as conn:
            principal = self.principal_of(conn, user_id)
        if principal is None:
            with self.engine.begin() as conn:
                self.reports.fail(
                    conn,
                    correlation_id,
                    "failed: the requester is no longer active",
                    now=self.clock.now(),
                )
            return
        run_job(self.engine, self.reports, principal, correlation_id, self.clock)


def requeue_unfinished(
    engine: Engine, enqueue: Callable[[str, str], None], *, orphans: bool
) -> int:
    """When a job runner starts: queue again every request still waiting, in case its message
    was lost between the request's commit and the enqueue (a duplicate is harmless: only one
    run can claim a request). `orphans` also takes back requests left running, for a runner
    that knows no other runner is alive (the serving process with its in-process queue)."""
    with engine.begin() as conn:
        pending = AdHocReports.unfinished(conn, orphans=orphans)
    for correlation_id, user_id in pending:
        enqueue(correlation_id, user_id)
    return len(pending)
