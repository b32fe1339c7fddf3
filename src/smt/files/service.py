"""Bulk file delivery, wired: mailbox storage, the encryptor, the courier, file-transfer
logins, the daily extract and the TDSPs' uploads. The composition root builds one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from smt.clock import Clock
from smt.config import Settings
from smt.files.delivery import Courier
from smt.files.mailbox import MailboxStorage, Retention
from smt.files.pgp import Encryptor, GpgEncryptor
from smt.files.storage import DiskMailboxes


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
    storage: MailboxStorage
    encryptor: Encryptor
    courier: Courier
    retention: Retention


def build_file_delivery(
    settings: Settings,
    engine: Engine,
    clock: Clock,
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
    return FileDelivery(
        settings,
        used_storage,
        used_encryptor,
        Courier(engine, used_storage, used_encryptor, Path(settings.data_dir), clock),
        retention_of(settings),
    )
