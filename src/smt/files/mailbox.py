"""Mailboxes: a folder tree per company, behind a small storage port.

    company-<id>/            a REP company
        <DUNS>/              its daily extracts (IF1020), one folder per DUNS
        adhoc/               ad hoc results (IF1040)
        han/                 HAN message logs (issue 7: the kind exists, nothing writes it yet)
    company-<id>/            a TDSP
        inbound/             what the TDSP uploads; taken by the hub once complete
        outbound/            the result report of each upload
    user-<id>/adhoc/         ad hoc results of people without a company (portal and API only)

A mailbox is two levels deep, box and folder, and names are checked here before any storage
sees them: a name is ASCII letters, digits and `._-`, never starts with a dot, never `..`. The
storage port knows nothing of companies; the file servers and services decide who sees what.
Files that are not complete are never listed: a writer writes aside and commits by renaming.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO, Protocol

from smt.domain.duns import Duns, InvalidDuns

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}", re.ASCII)
_BOX = re.compile(r"(company|user)-[A-Za-z0-9._@-]{1,40}", re.ASCII)
# Delivered (encrypted) files end so; in a REP's folders and a TDSP's outbound the file servers
# show nothing else (the clear ad hoc file beside it is for the portal and the API only).
ENCRYPTED_SUFFIX = ".asc"


class BadName(ValueError):
    """A box, folder or file name the mailboxes refuse (the message never echoes it)."""


class Kind(StrEnum):
    EXTRACT = "extract"  # folder named by a DUNS
    ADHOC = "adhoc"
    HAN = "han"
    INBOUND = "inbound"
    OUTBOUND = "outbound"


FIXED_FOLDERS = {
    Kind.ADHOC: "adhoc",
    Kind.HAN: "han",
    Kind.INBOUND: "inbound",
    Kind.OUTBOUND: "outbound",
}


def kind_of(folder: str) -> Kind | None:
    for kind, name in FIXED_FOLDERS.items():
        if folder == name:
            return kind
    try:
        Duns(folder)
    except InvalidDuns:
        return None
    return Kind.EXTRACT


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name) or ".." in name:
        raise BadName("not a mailbox file name")
    return name


def check_box(box: str) -> str:
    if not _BOX.fullmatch(box) or ".." in box:
        raise BadName("not a mailbox")
    return box


def check_folder(folder: str) -> str:
    if kind_of(folder) is None:
        raise BadName("not a mailbox folder")
    return folder


def company_box(company_id: int) -> str:
    return f"company-{company_id}"


def user_box(user_id: str) -> str:
    return check_box(f"user-{user_id}")


@dataclass(frozen=True, slots=True)
class Location:
    """One file in one folder of one mailbox; every part checked on construction."""

    box: str
    folder: str
    name: str

    def __post_init__(self) -> None:
        check_box(self.box)
        check_folder(self.folder)
        check_name(self.name)

    def __str__(self) -> str:
        return f"{self.box}/{self.folder}/{self.name}"


@dataclass(frozen=True, slots=True)
class Entry:
    name: str
    size: int
    modified_at: datetime  # aware UTC


class Upload(Protocol):
    """A file being written: nobody sees it until `commit`; `abort` leaves nothing."""

    def write(self, data: bytes) -> int: ...

    def commit(self) -> None: ...

    def abort(self) -> None: ...


class MailboxStorage(Protocol):
    """Where mailbox files live: local disk by default; several file servers may share one."""

    def ensure_folder(self, box: str, folder: str) -> None: ...

    def folders(self, box: str) -> list[str]: ...

    def listing(self, box: str, folder: str) -> list[Entry]:
        """Complete files only, by name."""
        ...

    def stat(self, location: Location) -> Entry | None: ...

    def open_read(self, location: Location) -> BinaryIO:
        """Raises FileNotFoundError for anything that is not a complete, regular file."""
        ...

    def upload(self, location: Location) -> Upload:
        """Write a new file (replacing one of the same name on commit)."""
        ...

    def put(self, location: Location, source: Path) -> None:
        """Move a finished local file in, whole, at once (the source is consumed)."""
        ...

    def delete(self, location: Location) -> bool: ...

    def local_path(self, location: Location) -> Path | None:
        """The file on local disk, when this storage keeps it there (None otherwise)."""
        ...

    def purge_partial(self, box: str, folder: str, older_than: datetime) -> int:
        """Remove abandoned writes (a crashed upload) older than the instant."""
        ...

    def boxes(self) -> list[str]: ...

    def local_copy(self, location: Location) -> AbstractContextManager[Path]:
        """The file as a local path for as long as the context lasts (ingest reads paths)."""
        ...


@dataclass(frozen=True, slots=True)
class Retention:
    """How long each kind of file stays in a mailbox after it arrived, in days."""

    extract: int = 30
    adhoc: int = 30
    han: int = 90
    inbound: int = 7
    outbound: int = 30
    partial_hours: int = 24

    def days(self, kind: Kind) -> int:
        return int(getattr(self, kind.value))


@dataclass(frozen=True, slots=True)
class Purged:
    files: int
    partial: int


def purge(storage: MailboxStorage, retention: Retention, now: datetime) -> Purged:
    """Remove every file older than its kind's retention, and abandoned partial writes."""
    files = partial = 0
    for box in storage.boxes():
        for folder in storage.folders(box):
            kind = kind_of(folder)
            if kind is None:
                continue
            cutoff = now - timedelta(days=retention.days(kind))
            for entry in storage.listing(box, folder):
                if entry.modified_at < cutoff and storage.delete(Location(box, folder, entry.name)):
                    files += 1
            partial += storage.purge_partial(
                box, folder, now - timedelta(hours=retention.partial_hours)
            )
    return Purged(files, partial)


def iter_files(storage: MailboxStorage, box: str) -> Iterator[tuple[str, Entry]]:
    for folder in storage.folders(box):
        for entry in storage.listing(box, folder):
            yield folder, entry
