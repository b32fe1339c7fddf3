"""Mailbox storage: the same contract on local disk and in the in-package fake; names refused;
partial writes invisible; retention per kind; symbolic links never followed on disk."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from smt.files.mailbox import (
    BadName,
    Kind,
    Location,
    MailboxStorage,
    Retention,
    kind_of,
    purge,
)
from smt.files.storage import DiskMailboxes, MemoryMailboxes

BOX = "company-7"


@pytest.fixture(params=["disk", "memory"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> MailboxStorage:
    if request.param == "disk":
        return DiskMailboxes(tmp_path / "mailboxes")
    return MemoryMailboxes()


def write(storage: MailboxStorage, location: Location, data: bytes) -> None:
    upload = storage.upload(location)
    upload.write(data)
    upload.commit()


def test_a_committed_file_is_listed_and_read_back(storage: MailboxStorage) -> None:
    here = Location(BOX, "123456789", "a.lse.asc")
    write(storage, here, b"hello")
    assert [e.name for e in storage.listing(BOX, "123456789")] == ["a.lse.asc"]
    with storage.open_read(here) as data:
        assert data.read() == b"hello"
    assert storage.folders(BOX) == ["123456789"]
    assert storage.delete(here)
    assert storage.listing(BOX, "123456789") == []
    assert not storage.delete(here)


def test_a_file_being_written_is_invisible_until_commit_and_gone_on_abort(
    storage: MailboxStorage,
) -> None:
    here = Location(BOX, "inbound", "f.lse")
    upload = storage.upload(here)
    upload.write(b"half")
    assert storage.listing(BOX, "inbound") == []
    assert storage.stat(here) is None
    upload.abort()
    assert storage.listing(BOX, "inbound") == []
    with pytest.raises(FileNotFoundError):
        storage.open_read(here)


@pytest.mark.parametrize(
    ("box", "folder", "name"),
    [
        (BOX, "adhoc", ".."),
        (BOX, "adhoc", "../x"),
        (BOX, "adhoc", ".hidden"),
        (BOX, "adhoc", "a/b"),
        (BOX, "adhoc", "a..b"),
        (BOX, "adhoc", ""),
        (BOX, "adhoc", "é.csv"),
        (BOX, "etc", "passwd"),
        (BOX, "12345", "x"),
        ("company-../x", "adhoc", "x"),
        ("../../etc", "adhoc", "x"),
        ("root", "adhoc", "x"),
    ],
)
def test_names_outside_the_rules_are_refused(box: str, folder: str, name: str) -> None:
    with pytest.raises(BadName):
        Location(box, folder, name)


def test_kinds_of_folders() -> None:
    assert kind_of("123456789") is Kind.EXTRACT
    assert kind_of("1234567890123") is Kind.EXTRACT
    assert kind_of("adhoc") is Kind.ADHOC
    assert kind_of("han") is Kind.HAN
    assert kind_of("inbound") is Kind.INBOUND
    assert kind_of("outbound") is Kind.OUTBOUND
    assert kind_of("tmp") is None


def test_purge_keeps_each_kind_for_its_own_days(tmp_path: Path) -> None:
    storage = DiskMailboxes(tmp_path / "m")
    now = datetime(2026, 11, 27, tzinfo=UTC)
    ages = {"123456789": 31, "adhoc": 29, "han": 89, "outbound": 31}
    for folder, days in ages.items():
        here = Location(BOX, folder, "old.asc")
        write(storage, here, b"x")
        path = storage.local_path(here)
        assert path is not None
        stamp = (now - timedelta(days=days)).timestamp()
        os.utime(path, (stamp, stamp))
    stale = storage.upload(Location(BOX, "inbound", "crashed.lse"))
    stale.write(b"partial")
    for partial in (tmp_path / "m" / BOX / "inbound").glob(".*.part"):
        old = (now - timedelta(days=2)).timestamp()
        os.utime(partial, (old, old))
    done = purge(storage, Retention(extract=30, adhoc=30, han=90, outbound=30), now)
    assert done.files == 2 and done.partial == 1
    assert [e.name for e in storage.listing(BOX, "adhoc")] == ["old.asc"]
    assert [e.name for e in storage.listing(BOX, "han")] == ["old.asc"]
    assert storage.listing(BOX, "123456789") == []


def test_symbolic_links_in_a_mailbox_are_not_files(tmp_path: Path) -> None:
    root = tmp_path / "m"
    storage = DiskMailboxes(root)
    storage.ensure_folder(BOX, "adhoc")
    secret = tmp_path / "secret.txt"
    secret.write_text("not yours")
    (root / BOX / "adhoc" / "planted.csv").symlink_to(secret)
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "x.asc").write_text("other company")
    (root / BOX / "123456789").symlink_to(other)
    assert storage.listing(BOX, "adhoc") == []
    assert storage.listing(BOX, "123456789") == []
    assert storage.folders(BOX) == ["adhoc"]
    with pytest.raises(FileNotFoundError):
        storage.open_read(Location(BOX, "adhoc", "planted.csv"))
    with pytest.raises(FileNotFoundError):
        storage.open_read(Location(BOX, "123456789", "x.asc"))
    assert storage.local_path(Location(BOX, "adhoc", "planted.csv")) is None
    assert not storage.delete(Location(BOX, "adhoc", "planted.csv"))
    # Writing through a planted folder link is refused too.
    with pytest.raises(OSError):
        storage.upload(Location(BOX, "123456789", "y.asc"))
    assert secret.read_text() == "not yours"
    assert [p.name for p in other.iterdir()] == ["x.asc"]


def test_a_committed_upload_replaces_a_planted_link_instead_of_writing_through_it(
    tmp_path: Path,
) -> None:
    root = tmp_path / "m"
    storage = DiskMailboxes(root)
    storage.ensure_folder(BOX, "inbound")
    victim = tmp_path / "victim"
    victim.write_text("keep")
    (root / BOX / "inbound" / "f.lse").symlink_to(victim)
    write(storage, Location(BOX, "inbound", "f.lse"), b"upload")
    assert victim.read_text() == "keep"
    assert not (root / BOX / "inbound" / "f.lse").is_symlink()
