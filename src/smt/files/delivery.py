"""Delivering files into companies' mailboxes, encrypted to each company's current PGP key.

A file owed to a company (an ad hoc result, a TDSP's result report, later a HAN log) is
recorded as a delivery in the transaction that produced it, then delivered: encrypted from its
clear source into `<folder>/<name>.asc`, written aside and renamed into place, then marked
delivered. Without a usable key the delivery waits with its reason, which the company's
administrators see, and goes out once a key is uploaded. Delivering twice (a crash after the
rename) only writes the same name again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Connection, Engine, insert, select, update

from smt.clock import Clock
from smt.files.keys import CompanyKey, current_key, key_problem
from smt.files.mailbox import ENCRYPTED_SUFFIX, Location, MailboxStorage, company_box
from smt.files.pgp import Encryptor
from smt.store.files_tables import file_delivery

WAITING = "waiting"
DELIVERED = "delivered"


@dataclass(frozen=True, slots=True)
class Waiting:
    folder: str
    file_name: str
    reason: str
    since: datetime


def owe(
    conn: Connection, company_id: int, folder: str, file_name: str, source: str, *, now: datetime
) -> None:
    """Record a file owed to a company's mailbox; `source` is relative to the data folder."""
    Location(company_box(company_id), folder, file_name + ENCRYPTED_SUFFIX)  # checks the names
    conn.execute(
        insert(file_delivery).values(
            company_id=company_id,
            folder=folder,
            file_name=file_name,
            source=source,
            status=WAITING,
            reason="",
            created_at=now,
        )
    )


def waiting(conn: Connection, company_id: int) -> list[Waiting]:
    t = file_delivery.c
    rows = conn.execute(
        select(t.folder, t.file_name, t.reason, t.created_at)
        .where(t.company_id == company_id, t.status == WAITING)
        .order_by(t.id)
        .limit(200)
    )
    return [Waiting(*row) for row in rows]


def encrypt_into(
    storage: MailboxStorage,
    encryptor: Encryptor,
    key: CompanyKey,
    location: Location,
    source: BinaryIO,
) -> int:
    """Stream `source` encrypted into the mailbox file; visible only once complete."""
    upload = storage.upload(location)
    size = 0
    try:
        with encryptor.encrypting(
            upload,  # type: ignore[arg-type]
            recipient=key.armored,
            fingerprint=key.fingerprint,
        ) as clear:
            while chunk := source.read(1 << 20):
                clear.write(chunk)
                size += len(chunk)
        upload.commit()
    except BaseException:
        upload.abort()
        raise
    return size


class Courier:
    def __init__(
        self,
        engine: Engine,
        storage: MailboxStorage,
        encryptor: Encryptor,
        data_dir: Path,
        clock: Clock,
    ) -> None:
        self._engine = engine
        self._storage = storage
        self._encryptor = encryptor
        self._data_dir = data_dir
        self._clock = clock

    def run(self, company_id: int | None = None) -> int:
        """Deliver what waits (for one company, or all) whose company has a usable key;
        the rest keeps waiting with its reason. Returns the number delivered."""
        t = file_delivery.c
        query = select(t.id, t.company_id, t.folder, t.file_name, t.source).where(
            t.status == WAITING
        )
        if company_id is not None:
            query = query.where(t.company_id == company_id)
        with self._engine.connect() as conn:
            rows = conn.execute(query.order_by(t.id).limit(1000)).all()
        delivered = 0
        keys: dict[int, CompanyKey | None] = {}
        for row in rows:
            now = self._clock.now()
            if row.company_id not in keys:
                with self._engine.connect() as conn:
                    problem = key_problem(conn, row.company_id, now)
                    keys[row.company_id] = None if problem else current_key(conn, row.company_id)
                if problem:
                    with self._engine.begin() as conn:
                        conn.execute(
                            update(file_delivery)
                            .where(t.company_id == row.company_id, t.status == WAITING)
                            .values(reason=problem)
                        )
            key = keys[row.company_id]
            if key is None:
                continue
            source = self._data_dir / row.source
            box = company_box(row.company_id)
            target = Location(box, row.folder, row.file_name + ENCRYPTED_SUFFIX)
            try:
                with source.open("rb") as clear:
                    encrypt_into(self._storage, self._encryptor, key, target, clear)
            except FileNotFoundError:
                self._finish(row.id, "the file was purged before a key arrived")
                continue
            except OSError as error:
                self._finish(row.id, f"encryption failed: {error}"[:500], done=False)
                continue
            self._finish(row.id, "")
            delivered += 1
        return delivered

    def _finish(self, delivery_id: int, reason: str, *, done: bool = True) -> None:
        values: dict[str, object] = {"reason": reason}
        if done:
            values |= {"status": DELIVERED, "delivered_at": self._clock.now()}
        with self._engine.begin() as conn:
            conn.execute(
                update(file_delivery).where(file_delivery.c.id == delivery_id).values(**values)
            )
