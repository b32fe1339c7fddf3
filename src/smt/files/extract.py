"""The daily REP-of-Record extract (IF1020): for each DUNS, every interval and register-read
revision stored since its previous extract, for the ESIIDs and days on which that DUNS was
REP of Record, encrypted to its company's key into the DUNS's mailbox folder.

Exactly once. "Since" is by ingest file: each DUNS has a watermark W (every revision stored by
a file with id <= W was delivered). A run first reads the high mark H, the newest file id
whose every predecessor is committed (on PostgreSQL it waits for the ingests in flight, see
`high_mark`), then per DUNS:

1. claim (one transaction): the next counter, the bounds (W, H], the formats and the names;
2. write each file aside and rename it into the mailbox (storage port: all or nothing);
3. mark the claim delivered and move W to H (one transaction).

A crash before 1 changes nothing; after 1, the next run finishes the claim with the same
bounds and names (a file already in place is written again, identical but for gpg's random
session key), then marks it; so no revision is skipped and none is sent twice under two names.
Without a usable key the DUNS waits: nothing is claimed, W stays, the reason is recorded, and
the first run after a key arrives carries everything since W. A run with nothing new still
delivers the files (a header and a trailer), so a REP can tell "nothing new" from "no run".
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from smt.access.policy import EsiidFacts, Principal, visible_days
from smt.accounts.model import Role
from smt.clock import Clock
from smt.domain.central_time import format_central_timestamp
from smt.domain.channel import Channel
from smt.domain.interval_day import unpack_wh
from smt.domain.rep_of_record import RepOfRecord, RorReason
from smt.files.keys import CompanyKey, current_key, key_problem
from smt.files.mailbox import ENCRYPTED_SUFFIX, Location, MailboxStorage, company_box
from smt.files.pgp import Encryptor
from smt.reports.writers import ReportFormat, write_daily_report, write_interval_report
from smt.store.accounts_tables import company, company_duns
from smt.store.files_tables import company_file_setting, extract_cursor, extract_file
from smt.store.ingest_lock import high_mark
from smt.store.schema import ingest_file, interval_day, register_read, rep_of_record
from smt.usage.service import IntervalVersion, RegisterVersion

INTERVALS = "IntervalUsage"
REGISTERS = "DailyReads"
FORMATS = ("lse", "csv", "lse+csv")
CLAIMED = "claimed"
DELIVERED = "delivered"
# A claim younger than this belongs to a runner that may still be working on it.
CLAIM_LEASE = timedelta(minutes=15)


def file_names(sender: str, duns: str, stamp: str, counter: int, formats: str) -> list[str]:
    """`<sender DUNS>_<DUNS>_<report>_<CCYYMMDDHHMMSS>_<counter>.<ext>` (then `.asc`)."""
    stem = f"{sender}_{duns}_{{}}_{stamp}_{counter:06d}"
    names = [stem.format(INTERVALS) + f".{ext}" for ext in formats.split("+")]
    return [*names, stem.format(REGISTERS) + ".csv"]


@dataclass(frozen=True, slots=True)
class Claim:
    id: int
    duns: str
    company_id: int
    counter: int
    after: int  # exclusive
    upto: int  # inclusive
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Outcome:
    duns: str
    status: str  # delivered | waiting | busy
    names: tuple[str, ...] = ()
    intervals: int = 0
    registers: int = 0
    message: str = ""


class DailyExtract:
    def __init__(
        self,
        engine: Engine,
        storage: MailboxStorage,
        encryptor: Encryptor,
        clock: Clock,
        *,
        sender_duns: str,
        first_days: int = 1,
    ) -> None:
        self._engine = engine
        self._storage = storage
        self._encryptor = encryptor
        self._clock = clock
        self._sender = sender_duns
        self._first_days = first_days
        # Called after each step of a DUNS (claimed, written, delivered): tests play a crash
        # there by raising.
        self.checkpoint: Callable[[str, str], None] = _carry_on

    # --- which DUNS --------------------------------------------------------------------------

    def served(self, conn: Connection, company_id: int | None = None) -> list[tuple[str, int]]:
        """(DUNS, company) of every approved DUNS of an active REP company."""
        query = (
            select(company_duns.c.duns, company.c.id)
            .join(company, company.c.id == company_duns.c.company_id)
            .where(
                company_duns.c.status == "approved",
                company.c.kind == "rep",
                company.c.status == "active",
            )
            .order_by(company_duns.c.duns)
        )
        if company_id is not None:
            query = query.where(company.c.id == company_id)
        return [(duns, cid) for duns, cid in conn.execute(query)]

    # --- a run -------------------------------------------------------------------------------

    def run(
        self, *, duns: str | None = None, company_id: int | None = None, take_back: bool = False
    ) -> list[Outcome]:
        """One extract for each DUNS served (or the one asked for)."""
        with self._engine.begin() as conn:
            upto = high_mark(conn)
        with self._engine.connect() as conn:
            targets = self.served(conn, company_id)
        outcomes = []
        for number, owner in targets:
            if duns is not None and number != duns:
                continue
            outcomes.append(self._one(number, owner, upto, take_back=take_back))
        return outcomes

    def _one(self, duns: str, company_id: int, upto: int, *, take_back: bool) -> Outcome:
        now = self._clock.now()
        with self._engine.connect() as conn:
            problem = key_problem(conn, company_id, now)
            key = None if problem else current_key(conn, company_id)
        if key is None:
            self._note(duns, "waiting", problem, now)
            return Outcome(duns, "waiting", message=problem)
        pending = self._pending(duns)
        if pending is not None:
            if not take_back and now - pending[1] < CLAIM_LEASE:
                return Outcome(duns, "busy", message="another run is writing this extract")
            self._deliver(pending[0], key)
        claim = self._claim(duns, company_id, upto, now)
        if claim is None:
            return Outcome(duns, "busy", message="another run claimed this extract")
        intervals, registers = self._deliver(claim, key)
        return Outcome(duns, "delivered", claim.names, intervals, registers)

    def _note(self, duns: str, status: str, message: str, now: datetime) -> None:
        with self._engine.begin() as conn:
            self._cursor(conn, duns)
            conn.execute(
                update(extract_cursor)
                .where(extract_cursor.c.duns == duns)
                .values(last_status=status, last_message=message[:500], last_run_at=now)
            )

    def _cursor(self, conn: Connection, duns: str) -> tuple[int, int]:
        """(watermark, counter), made on first use: the first extract carries what arrived
        in the last `first_days` days (the history is for ad hoc requests)."""
        row = conn.execute(
            select(extract_cursor.c.watermark, extract_cursor.c.counter).where(
                extract_cursor.c.duns == duns
            )
        ).first()
        if row is not None:
            return row.watermark, row.counter
        since = self._clock.now() - timedelta(days=self._first_days)
        first_recent = conn.execute(
            select(func.min(ingest_file.c.id)).where(ingest_file.c.received_at >= since)
        ).scalar_one()
        newest = conn.execute(select(func.coalesce(func.max(ingest_file.c.id), 0))).scalar_one()
        watermark = (first_recent - 1) if first_recent is not None else newest
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(extract_cursor).values(
                        duns=duns, watermark=watermark, counter=0, last_status="", last_message=""
                    )
                )
        except IntegrityError:
            return self._cursor(conn, duns)
        return watermark, 0

    def _pending(self, duns: str) -> tuple[Claim, datetime] | None:
        t = extract_file.c
        with self._engine.connect() as conn:
            row = conn.execute(
                select(extract_file).where(t.duns == duns, t.status == CLAIMED).order_by(t.counter)
            ).first()
        if row is None:
            return None
        claim = Claim(
            row.id,
            row.duns,
            row.company_id,
            row.counter,
            row.from_file_id,
            row.to_file_id,
            tuple(row.names.split("\n")),
        )
        return claim, row.claimed_at

    def _claim(self, duns: str, company_id: int, upto: int, now: datetime) -> Claim | None:
        try:
            with self._engine.begin() as conn:
                watermark, counter = self._cursor(conn, duns)
                formats = formats_of(conn, company_id)
                stamp = format_central_timestamp(now)
                names = file_names(self._sender, duns, stamp, counter + 1, formats)
                claim_id = conn.execute(
                    insert(extract_file)
                    .values(
                        duns=duns,
                        company_id=company_id,
                        counter=counter + 1,
                        from_file_id=watermark,
                        to_file_id=max(upto, watermark),
                        stamp=stamp,
                        formats=formats,
                        status=CLAIMED,
                        names="\n".join(names),
                        claimed_at=now,
                    )
                    .returning(extract_file.c.id)
                ).scalar_one()
                conn.execute(
                    update(extract_cursor)
                    .where(extract_cursor.c.duns == duns)
                    .values(counter=counter + 1)
                )
        except IntegrityError:
            return None  # another runner took this counter first
        self.checkpoint(duns, "claimed")
        return Claim(
            claim_id, duns, company_id, counter + 1, watermark, max(upto, watermark), tuple(names)
        )

    def _deliver(self, claim: Claim, key: CompanyKey) -> tuple[int, int]:
        box = company_box(claim.company_id)
        uploads = [
            (name, self._storage.upload(Location(box, claim.duns, name + ENCRYPTED_SUFFIX)))
            for name in claim.names
        ]
        try:
            intervals = registers = 0
            for name, upload in uploads:
                with (
                    self._encryptor.encrypting(
                        upload,  # type: ignore[arg-type]
                        recipient=key.armored,
                        fingerprint=key.fingerprint,
                    ) as clear,
                    self._engine.connect() as conn,
                ):
                    sink = io.TextIOWrapper(clear, encoding="utf-8", newline="")
                    if INTERVALS in name:
                        fmt = ReportFormat(name.rsplit(".", 1)[1])
                        versions = self.interval_versions(conn, claim)
                        intervals = write_interval_report(sink, versions, fmt)
                    else:
                        reads = self.register_versions(conn, claim)
                        registers = write_daily_report(sink, reads, ReportFormat.CSV)
                    sink.flush()
                    sink.detach()  # gpg's input is closed by `encrypting`, not by the wrapper
            # Every gpg exited cleanly: the files are whole; each appears at once.
            for _, upload in uploads:
                upload.commit()
        finally:
            for _, upload in uploads:
                upload.abort()  # nothing once committed
        self.checkpoint(claim.duns, "written")
        now = self._clock.now()
        with self._engine.begin() as conn:
            marked = conn.execute(
                update(extract_file)
                .where(extract_file.c.id == claim.id, extract_file.c.status == CLAIMED)
                .values(
                    status=DELIVERED,
                    delivered_at=now,
                    interval_records=intervals,
                    register_records=registers,
                )
            )
            if marked.rowcount == 1:
                conn.execute(
                    update(extract_cursor)
                    .where(extract_cursor.c.duns == claim.duns)
                    .values(
                        watermark=claim.upto,
                        last_status=DELIVERED,
                        last_message="; ".join(claim.names),
                        last_run_at=now,
                    )
                )
        self.checkpoint(claim.duns, "delivered")
        return intervals, registers

    # --- the reads, through the policy -------------------------------------------------------

    def _principal(self, claim: Claim) -> Principal:
        return Principal(
            f"extract:{claim.duns}", Role.REP_ADMIN, claim.company_id, duns=frozenset({claim.duns})
        )

    def interval_versions(self, conn: Connection, claim: Claim) -> Iterator[IntervalVersion]:
        t, r = interval_day.c, rep_of_record.c
        query = (
            select(
                t.esiid,
                t.local_date,
                t.channel,
                t.revision,
                t.values_wh,
                t.qualities,
                t.revised_at,
                r.start_date,
                r.end_date,
                r.tdsp,
            )
            .join(rep_of_record, _served_on(r, t.esiid, t.local_date, claim.duns))
            .where(t.file_id > claim.after, t.file_id <= claim.upto)
            .order_by(t.esiid, t.local_date, t.channel, t.revision)
        )
        principal = self._principal(claim)
        previous = None
        for row in conn.execution_options(stream_results=True, yield_per=2000).execute(query):
            key = (row.esiid, row.local_date, row.channel, row.revision)
            if key == previous or not _visible(principal, row):
                continue
            previous = key
            yield IntervalVersion(
                row.esiid,
                row.local_date,
                Channel(row.channel),
                row.revision,
                unpack_wh(row.values_wh),
                row.qualities,
                row.revised_at,
                row.revised_at,
                latest=True,
            )

    def register_versions(self, conn: Connection, claim: Claim) -> Iterator[RegisterVersion]:
        t, r = register_read.c, rep_of_record.c
        query = (
            select(
                t.esiid,
                t.read_date,
                t.revision,
                t.start_wh,
                t.end_wh,
                t.revised_at,
                r.start_date,
                r.end_date,
                r.tdsp,
            )
            .join(rep_of_record, _served_on(r, t.esiid, t.read_date, claim.duns))
            .where(t.file_id > claim.after, t.file_id <= claim.upto)
            .order_by(t.esiid, t.read_date, t.revision)
        )
        principal = self._principal(claim)
        previous = None
        for row in conn.execution_options(stream_results=True, yield_per=2000).execute(query):
            key = (row.esiid, row.read_date, row.revision)
            if key == previous or not _visible(principal, row, day=row.read_date):
                continue
            previous = key
            yield RegisterVersion(
                row.esiid,
                row.read_date,
                row.revision,
                row.start_wh,
                row.end_wh,
                row.revised_at,
                latest=True,
            )


def _served_on(r: Any, esiid: Any, day: Any, duns: str) -> Any:
    """The SQL side of "this DUNS was REP of Record of this ESIID on this day" (the policy
    decides again on each row)."""
    return and_(
        r.esiid == esiid,
        r.duns == duns,
        day >= r.start_date,
        or_(r.end_date.is_(None), day <= r.end_date),
    )


def _visible(principal: Principal, row: Any, day: date | None = None) -> bool:
    """The policy's answer for this row, from the REP of Record period it was joined with."""
    when: date = day if day is not None else row.local_date
    duns = next(iter(principal.duns))
    period = RepOfRecord(row.esiid, duns, row.start_date, row.end_date, RorReason.NEW)
    facts = EsiidFacts(row.esiid, row.tdsp, (period,))
    return any(span.covers(when) for span in visible_days(principal, facts))


def _carry_on(duns: str, step: str) -> None:
    del duns, step


def formats_of(conn: Connection, company_id: int) -> str:
    chosen = conn.execute(
        select(company_file_setting.c.extract_formats).where(
            company_file_setting.c.company_id == company_id
        )
    ).scalar_one_or_none()
    return chosen or "lse"
