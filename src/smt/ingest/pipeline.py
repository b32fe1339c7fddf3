"""The ingest pipeline, in order: receive → detect → parse → validate → persist → report.

One transaction per file: a file's accepted records commit together or not at all, so a crash
in the middle leaves nothing of it visible and the same file can simply be sent again. A file
is idempotent by content hash: the second arrival of the same bytes changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from smt.clock import Clock
from smt.domain.tdsp import Tdsp, tdsp_by_duns
from smt.formats.file_names import InboundKind, InboundName, parse_inbound_name
from smt.ingest.codes import Code
from smt.ingest.context import FileContext
from smt.ingest.faults import FileFault, Rejection
from smt.ingest.inbound import DetectedFile, InboundFile, detect, receive
from smt.ingest.interval_flow import load_interval_file
from smt.ingest.lse_records import LseReading
from smt.ingest.parse_ahead import ParseAhead, ParseJob
from smt.ingest.reference_flows import load_reference_file
from smt.ingest.results import Counts, ResultReport, ResultSink
from smt.store import journal
from smt.store.ingest_lock import hold_ingest_lock
from smt.store.journal import FindingRow


@dataclass(frozen=True, slots=True)
class IngestLimits:
    batch_records: int = 2000
    max_records: int = 50_000
    max_line_bytes: int = 64 * 1024
    # A run with at least this much interval data parses it on a second core (parse_ahead).
    parse_ahead_bytes: int = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    file_name: str
    outcome: str  # accepted | partial | rejected | duplicate
    counts: Counts
    file_code: Code | None = None
    message: str = ""
    report: Path | None = None

    @property
    def clean(self) -> bool:
        return self.outcome in ("accepted", "duplicate")

    def summary(self) -> str:
        c = self.counts
        text = (
            f"{self.file_name}: {self.outcome} — {c.total} records: {c.loaded} loaded, "
            f"{c.unchanged} unchanged, {c.rejected} rejected"
        )
        if self.file_code is not None:
            text += f" [{self.file_code.value}] {self.message}"
        elif self.message:
            text += f" ({self.message})"
        return text


@dataclass(frozen=True, slots=True)
class _Received:
    """A file hashed and named, before anything else is decided about it."""

    inbound: InboundFile
    name: InboundName | None
    key: str | None
    prior: journal.JournalEntry | None
    uploader: Tdsp | None
    repeat: bool = False  # an earlier file of the same run has the same key


class Ingester:
    """Runs the pipeline over files; the composition root gives it its engine and clock."""

    def __init__(
        self, engine: Engine, clock: Clock, outbound_dir: Path, limits: IngestLimits | None = None
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._outbound = outbound_dir
        self._limits = limits or IngestLimits()
        self.parse_ahead_peak_rss_mb = 0.0  # of the last run's parse worker, if it had one

    def ingest(self, path: Path, *, uploader: Tdsp | None = None) -> IngestOutcome:
        """Ingest one file. `uploader` is the TDSP whose folder the file came through, when
        known: a file naming another TDSP as its sender is refused."""
        return next(iter(self.ingest_many([(path, uploader)])))

    def ingest_many(self, files: Iterable[tuple[Path, Tdsp | None]]) -> Iterator[IngestOutcome]:
        """Ingest files in the order given (see `inbound_order`), one outcome each as it is
        done. With enough interval data, its parsing runs ahead on a second core."""
        paths = list(files)
        volume = 0
        for path, _ in paths:
            name = parse_inbound_name(path.name)
            if name is not None and name.kind is InboundKind.INTERVAL:
                volume += path.stat().st_size
        # Start the worker first: it imports while the files are hashed.
        ahead = ParseAhead() if volume >= self._limits.parse_ahead_bytes else None
        received: list[_Received] = []
        keys: set[str] = set()
        for path, uploader in paths:
            inbound = receive(path)
            name = parse_inbound_name(inbound.name)
            key = _dedupe_key(name, inbound)
            prior = None
            named = tdsp_by_duns(name.sender_duns) if name else None
            # A file in the wrong TDSP's folder is refused (detect) even if it was seen before.
            if uploader is not None and uploader is not named:
                key = None
            if key is not None:
                with self._engine.connect() as conn:
                    prior = journal.find_processed(conn, key)
            # The same file twice in one run: the second copy is decided when its turn comes.
            repeat = key is not None and key in keys
            if key is not None:
                keys.add(key)
            received.append(_Received(inbound, name, key, prior, uploader, repeat=repeat))
        now = self._clock.now()
        parsed_ahead: set[int] = set()
        if ahead is not None:
            jobs = []
            for i, item in enumerate(received):
                name = item.name
                tdsp = tdsp_by_duns(name.sender_duns) if name else None
                wanted = item.prior is None and not item.repeat
                if wanted and name and name.kind is InboundKind.INTERVAL and tdsp:
                    parsed_ahead.add(i)
                    jobs.append(
                        ParseJob(
                            i,
                            str(item.inbound.path),
                            tdsp.code,
                            now,
                            self._limits.max_records,
                            self._limits.batch_records,
                            self._limits.max_line_bytes,
                        )
                    )
            ahead.submit(jobs)
        try:
            for i, item in enumerate(received):
                prior = item.prior
                if prior is None and item.repeat and item.key is not None:
                    with self._engine.connect() as conn:
                        prior = journal.find_processed(conn, item.key)
                if prior is not None:
                    yield _duplicate(item.inbound, prior)
                    continue
                # A later copy of a file rejected as a whole was not parsed ahead: inline then.
                batches = ahead.batches(i) if ahead is not None and i in parsed_ahead else None
                yield self._ingest_received(item, now, batches)
        finally:
            if ahead is not None:
                ahead.close()
                self.parse_ahead_peak_rss_mb = ahead.peak_rss_mb

    def _ingest_received(
        self,
        item: _Received,
        now: datetime,
        batches: Iterator[list[LseReading | Rejection]] | None,
    ) -> IngestOutcome:
        inbound, name, key, uploader = item.inbound, item.name, item.key, item.uploader
        try:
            detected = detect(inbound, now=now, uploader=uploader)
        except FileFault as fault:
            return self._reject(inbound, name, fault, uploader)
        report = ResultReport(
            self._report_path(uploader or detected.tdsp, inbound.name), inbound.name
        )
        try:
            counts = self._load(detected, report, key, now, batches)
        except FileFault as fault:
            report.discard()
            return self._reject(inbound, name, fault, uploader)
        except IntegrityError:
            # Another process journaled the same file first: that one wins.
            report.discard()
            with self._engine.connect() as conn:
                prior = journal.find_processed(conn, key) if key else None
            if prior is None:
                raise
            return _duplicate(inbound, prior)
        except BaseException:
            report.discard()
            raise
        return IngestOutcome(inbound.name, counts.outcome, counts, report=report.publish())

    def _load(
        self,
        detected: DetectedFile,
        report: ResultReport,
        key: str | None,
        now: datetime,
        batches: Iterator[list[LseReading | Rejection]] | None,
    ) -> Counts:
        inbound = detected.inbound
        with self._engine.begin() as conn:
            # The daily extract reads usage "since" by file id: see store/ingest_lock.py.
            hold_ingest_lock(conn)
            file_id = journal.open_file(
                conn,
                file_name=inbound.name,
                kind=detected.kind.value,
                interface=detected.kind.interface,
                sender_duns=detected.name.sender_duns,
                tdsp=detected.tdsp.code,
                sha256=inbound.sha256,
                dedupe_key=key,
                size_bytes=inbound.size,
                received_at=now,
            )
            ctx = FileContext(
                file_id=file_id,
                file_name=inbound.name,
                tdsp=detected.tdsp,
                now=now,
                created_at=detected.name.created_at,
                batch_records=self._limits.batch_records,
                max_records=self._limits.max_records,
                max_line_bytes=self._limits.max_line_bytes,
            )
            sink = ResultSink(conn, file_id, report)
            with inbound.path.open("rb") as stream:
                if detected.kind is InboundKind.INTERVAL:
                    load_interval_file(conn, ctx, stream, sink, batches)
                else:
                    load_reference_file(conn, ctx, detected.kind, stream, sink)
            sink.flush()
            counts = sink.counts
            journal.close_file(
                conn,
                file_id,
                outcome=counts.outcome,
                completed_at=self._clock.now(),
                total=counts.total,
                loaded=counts.loaded,
                unchanged=counts.unchanged,
                rejected=counts.rejected,
            )
        return counts

    def _reject(
        self,
        inbound: InboundFile,
        name: InboundName | None,
        fault: FileFault,
        uploader: Tdsp | None,
    ) -> IngestOutcome:
        """A file-level fault: nothing of the file is loaded; the journal says why, and the
        sender's report too when the hub can tell who the sender is."""
        now = self._clock.now()
        named = tdsp_by_duns(name.sender_duns) if name else None
        recipient = uploader or named
        with self._engine.begin() as conn:
            file_id = journal.open_file(
                conn,
                file_name=inbound.name,
                kind=name.kind.value if name else "unknown",
                interface=name.kind.interface if name else "",
                sender_duns=name.sender_duns if name else "",
                tdsp=recipient.code if recipient else "",
                sha256=inbound.sha256,
                dedupe_key=None,  # a rejected file may be sent again
                size_bytes=inbound.size,
                received_at=now,
                outcome="rejected",
            )
            journal.add_findings(
                conn, file_id, [FindingRow(fault.line, fault.code.value, fault.message)]
            )
            journal.close_file(
                conn,
                file_id,
                outcome="rejected",
                completed_at=now,
                total=0,
                loaded=0,
                unchanged=0,
                rejected=0,
            )
        report_path = None
        if recipient is not None:
            report = ResultReport(self._report_path(recipient, inbound.name), inbound.name)
            report.row(fault.line, "", fault.code, fault.message)
            report_path = report.publish()
        return IngestOutcome(
            inbound.name, "rejected", Counts(0, 0, 0, 0), fault.code, fault.message, report_path
        )

    def _report_path(self, tdsp: Tdsp, file_name: str) -> Path:
        return self._outbound / tdsp.code / f"{file_name}.result.csv"


def _dedupe_key(name: InboundName | None, inbound: InboundFile) -> str | None:
    """Same sender, same flow, same bytes: the same file."""
    if name is None:
        return None
    return f"{name.sender_duns}:{name.kind.value}:{inbound.sha256}"


def _duplicate(inbound: InboundFile, prior: journal.JournalEntry) -> IngestOutcome:
    counts = Counts(0, 0, 0, 0)
    return IngestOutcome(
        inbound.name,
        "duplicate",
        counts,
        message=f"same content as {prior.file_name}, received "
        f"{prior.received_at.isoformat(timespec='seconds')} ({prior.outcome}); "
        "nothing changed",
    )


def inbound_order(paths: Iterable[Path]) -> list[Path]:
    """Files in the order a TDSP created them (file-name timestamp, then counter), so that a
    snapshot precedes the changes after it; names the hub cannot parse come last."""

    def key(path: Path) -> tuple[int, str, int, str]:
        name = parse_inbound_name(path.name)
        if name is None:
            return (1, "", 0, path.name)
        return (0, name.created_at.isoformat(), name.counter, path.name)

    return sorted(paths, key=key)


def expand(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named directly, and the files inside folders named (not hidden, not partial)."""
    for path in paths:
        if path.is_dir():
            yield from (
                p
                for p in path.rglob("*")
                if p.is_file()
                and not p.is_symlink()
                and not p.name.startswith(".")
                and not p.name.endswith(".part")
            )
        else:
            yield path
