"""Bulk file delivery, wired: mailbox storage, the encryptor, the courier, file-transfer
logins, the daily extract and the TDSPs' uploads. The composition root builds one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from smt.accounts.model import user_key
from smt.accounts.passwords import Passwords
from smt.clock import Clock
from smt.config import Settings
from smt.domain.central_time import CENTRAL
from smt.files.delivery import Courier, owe
from smt.files.extract import DailyExtract
from smt.files.ftps import FileServices
from smt.files.intake import TdspIntake
from smt.files.logins import FileLogins
from smt.files.mailbox import MailboxStorage, Purged, Retention, company_box, purge
from smt.files.pgp import Encryptor, GpgEncryptor
from smt.files.storage import DiskMailboxes
from smt.ingest.pipeline import Ingester
from smt.store.accounts_tables import account, company
from smt.store.files_tables import extract_schedule

DELIVER_JOB = "deliver-files"  # the job queue's name for `FileDelivery.deliver_job`


def retention_of(settings: Settings) -> Retention:
    return Retention(
        extract=settings.retention_extract_days,
        adhoc=settings.retention_adhoc_days,
        han=settings.retention_han_days,
        inbound=settings.retention_inbound_days,
        outbound=settings.retention_outbound_days,
    )


@dataclass(frozen=True)
class FileDelivery:
    settings: Settings
    engine: Engine
    clock: Clock
    storage: MailboxStorage
    encryptor: Encryptor
    courier: Courier
    retention: Retention
    logins: FileLogins
    extract: DailyExtract
    intake: TdspIntake

    def services(self) -> FileServices:
        return FileServices(self.engine, self.logins, self.storage, self.clock)

    def extract_job(self, company_id: int | None) -> None:
        """The job queue's extract on demand (one company's DUNS, or all)."""
        self.extract.run(company_id=company_id)
        self.courier.run(company_id)

    def deliver_job(self, company_id: int) -> None:
        """The job queue's delivery of what waited for a company's key, queued when a key is
        uploaded: a backlog can take gpg minutes, which no web request should wait for."""
        self.courier.run(company_id)

    def owe_adhoc(self, conn: Connection, user_id: str, file_name: str) -> None:
        """A finished ad hoc file of a REP's person goes to the company's `adhoc` folder,
        encrypted (by the courier, after commit: the job that ran it, or the next tick)."""
        row = conn.execute(
            select(company.c.id)
            .join(account, account.c.company_id == company.c.id)
            .where(account.c.user_key == user_key(user_id), company.c.kind == "rep")
        ).first()
        if row is None:
            return
        source = f"mailboxes/{company_box(row.id)}/adhoc/{file_name}"
        owe(conn, row.id, "adhoc", file_name, source, now=self.clock.now())

    def purge(self) -> Purged:
        return purge(self.storage, self.retention, self.clock.now())

    def tick(self) -> None:
        """Every minute, from the job queue: the scheduled extract once its Central time of
        day has come (one runner claims each Central date), then the purge; and deliveries
        that waited for a key. Catching up after a stopped hub is the same rule."""
        now = self.clock.now().astimezone(CENTRAL)
        hour, minute = (int(part) for part in self.settings.extract_time.split(":"))
        if (now.hour, now.minute) >= (hour, minute) and self._claim_day(now.date().isoformat()):
            self.extract.run()
            self.purge()
        self.courier.run()

    def _claim_day(self, day: str) -> bool:
        with self.engine.begin() as conn:
            claimed = conn.execute(
                update(extract_schedule)
                .where(extract_schedule.c.id == 1, extract_schedule.c.last_day < day)
                .values(last_day=day)
            )
            if claimed.rowcount == 1:
                return True
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(extract_schedule).values(id=1, last_day=day))
        except IntegrityError:
            return False  # this day is taken (or an earlier runner made the row)
        return True


def build_file_delivery(
    settings: Settings,
    engine: Engine,
    clock: Clock,
    passwords: Passwords,
    ingester: Ingester,
    *,
    storage: MailboxStorage | None = None,
    encryptor: Encryptor | None = None,
) -> FileDelivery:
    used_storage = storage or DiskMailboxes(settings.mailbox_dir)
    used_encryptor = encryptor or GpgEncryptor(
        settings.pgp_home,
        signing_key=settings.pgp_signing_key,
        passphrase_file=settings.pgp_signing_passphrase_file,
    )
    courier = Courier(engine, used_storage, used_encryptor, Path(settings.data_dir), clock)
    return FileDelivery(
        settings,
        engine,
        clock,
        used_storage,
        used_encryptor,
        courier,
        retention_of(settings),
        FileLogins(
            passwords,
            max_failures=settings.file_login_max_failures,
            lockout=timedelta(minutes=settings.file_login_lockout_minutes),
        ),
        DailyExtract(
            engine,
            used_storage,
            used_encryptor,
            clock,
            sender_duns=settings.extract_sender_duns,
            first_days=settings.extract_first_days,
        ),
        TdspIntake(
            engine, used_storage, ingester, courier, clock, data_dir=Path(settings.data_dir)
        ),
    )
