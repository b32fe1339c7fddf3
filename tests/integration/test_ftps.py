"""The FTPS server with real peers: Python's ftplib.FTP_TLS and curl list and download files
that gpg then decrypts; every way out of a login's own mailbox is refused."""

# The point of these tests is FTP itself, over TLS and (refused) without it.
# ruff: noqa: S321

from __future__ import annotations

import ftplib
import io
import ssl
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import trustme
from sqlalchemy import select

from file_market import (
    BB_DUNS,
    LSP_DUNS,
    FileMarket,
    deliver,
    free_port_range,
    seed_file_market,
    tls_files,
)
from smt.composition import Hub
from smt.files.ftps import FtpsServer
from smt.store.files_tables import file_login

from builders import NOW, day_record, write_lse_file

CURL = "/usr/bin/curl"


@pytest.fixture
def market(hub: Hub, tmp_path: Path) -> FileMarket:
    return seed_file_market(hub, tmp_path)


@pytest.fixture
def ftps(hub: Hub, tmp_path: Path, market: FileMarket) -> Iterator[tuple[int, Path]]:
    cert, key, ca = tls_files(tmp_path)
    server = FtpsServer(
        hub.files.services(),
        host="127.0.0.1",
        port=0,
        cert=cert,
        key=key,
        passive_ports=free_port_range(),
        failed_login_delay=0.05,
    )
    server.start()
    yield server.port, ca
    server.stop()


def client(port: int, ca: Path, user: str, password: str) -> ftplib.FTP_TLS:
    context = ssl.create_default_context(cafile=str(ca))
    ftp = ftplib.FTP_TLS(context=context, timeout=20)
    ftp.connect("127.0.0.1", port)
    ftp.login(user, password)
    ftp.prot_p()
    return ftp


def fetch(ftp: ftplib.FTP_TLS, path: str) -> bytes:
    out = io.BytesIO()
    ftp.retrbinary(f"RETR {path}", out.write)
    return out.getvalue()


def test_ftplib_lists_downloads_and_deletes_an_encrypted_extract(
    hub: Hub, market: FileMarket, ftps: tuple[int, Path]
) -> None:
    port, ca = ftps
    name = deliver(hub, market.lsp, LSP_DUNS, "extract.lse", b"00000001,...\n99999999,0\n")
    ftp = client(port, ca, "lsp-ops", market.passwords["lsp-ops"])
    assert sorted(ftp.nlst("/")) == sorted([LSP_DUNS, "adhoc", "han"])
    ftp.cwd(LSP_DUNS)
    assert ftp.nlst() == [name]
    assert [n for n, _ in ftp.mlsd()] == [name]
    data = fetch(ftp, name)
    clear, _ = market.ring.decrypt(data)
    assert clear == b"00000001,...\n99999999,0\n"
    ftp.delete(name)
    ftp.quit()
    # (An empty listing is checked on the storage: Python's ftplib fails now and then to end
    # the TLS of a data channel that carried nothing, whatever the server.)
    assert hub.files.storage.listing(f"company-{market.lsp}", LSP_DUNS) == []


def test_curl_lists_and_downloads_over_explicit_tls(
    hub: Hub, market: FileMarket, ftps: tuple[int, Path], tmp_path: Path
) -> None:
    port, ca = ftps
    name = deliver(hub, market.lsp, "adhoc", "IntervalMeterUsage1.csv", b"ESIID,USAGE\n")
    base = [CURL, "--silent", "--show-error", "--ssl-reqd", "--cacert", str(ca)]
    auth = ["--user", f"lsp-ops:{market.passwords['lsp-ops']}"]
    listed = subprocess.run(
        [*base, *auth, "--list-only", f"ftp://127.0.0.1:{port}/adhoc/"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    assert listed.stdout.decode().split() == [name]
    target = tmp_path / "got.asc"
    subprocess.run(
        [*base, *auth, "--output", str(target), f"ftp://127.0.0.1:{port}/adhoc/{name}"],
        check=True,
        timeout=60,
    )
    assert market.ring.decrypt(target.read_bytes())[0] == b"ESIID,USAGE\n"


def refused(call: object) -> None:
    with pytest.raises(ftplib.error_perm):
        call()  # type: ignore[operator]


def test_nothing_outside_the_login_s_own_mailbox_can_be_reached(
    hub: Hub, market: FileMarket, ftps: tuple[int, Path], tmp_path: Path
) -> None:
    port, ca = ftps
    theirs = deliver(hub, market.bluebonnet, BB_DUNS, "theirs.lse", b"bluebonnet's data")
    deliver(hub, market.lsp, LSP_DUNS, "mine.lse", b"mine")
    ftp = client(port, ca, "lsp-ops", market.passwords["lsp-ops"])
    for path in (
        f"/{BB_DUNS}/{theirs}",
        f"{BB_DUNS}/{theirs}",
        f"../company-{market.bluebonnet}/{BB_DUNS}/{theirs}",
        f"/../../company-{market.bluebonnet}/{BB_DUNS}/{theirs}",
        f"{LSP_DUNS}/../../company-{market.bluebonnet}/{BB_DUNS}/{theirs}",
        "/etc/passwd",
        "../../../../etc/passwd",
        f"{LSP_DUNS}/mine.lse",  # the clear name beside a delivery is never served
    ):
        refused(lambda p=path: fetch(ftp, p))
    refused(lambda: ftp.cwd(BB_DUNS))
    refused(lambda: ftp.nlst(f"/{BB_DUNS}"))
    ftp.cwd("/../..")
    assert ftp.pwd() == "/"
    # Symbolic links planted in the mailbox on disk are not files.
    folder = hub.settings.mailbox_dir / f"company-{market.lsp}" / LSP_DUNS
    other = hub.settings.mailbox_dir / f"company-{market.bluebonnet}" / BB_DUNS / theirs
    (folder / "planted.lse.asc").symlink_to(other)
    (hub.settings.mailbox_dir / f"company-{market.lsp}" / "han2").symlink_to(other.parent)
    assert "planted.lse.asc" not in ftp.nlst(f"/{LSP_DUNS}")
    refused(lambda: fetch(ftp, f"/{LSP_DUNS}/planted.lse.asc"))
    # A REP never writes, renames or makes folders.
    refused(lambda: ftp.storbinary(f"STOR /{LSP_DUNS}/x.lse", io.BytesIO(b"x")))
    refused(lambda: ftp.storbinary("STOR /adhoc/x.csv", io.BytesIO(b"x")))
    refused(lambda: ftp.mkd("/newfolder"))
    refused(lambda: ftp.rename(f"/{LSP_DUNS}/mine.lse.asc", "/adhoc/mine.lse.asc"))
    refused(lambda: ftp.delete(f"/{BB_DUNS}/{theirs}"))
    ftp.quit()
    assert other.is_file()


def test_plain_ftp_without_tls_is_refused(ftps: tuple[int, Path], market: FileMarket) -> None:
    port, _ = ftps
    ftp = ftplib.FTP(timeout=20)
    ftp.connect("127.0.0.1", port)
    with pytest.raises(ftplib.error_perm, match="SSL/TLS required"):
        ftp.login("lsp-ops", market.passwords["lsp-ops"])
    ftp.close()
    result = subprocess.run(
        [
            CURL,
            "--silent",
            "--user",
            f"lsp-ops:{market.passwords['lsp-ops']}",
            f"ftp://127.0.0.1:{port}/",
        ],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0


def test_data_without_prot_p_is_refused(ftps: tuple[int, Path], market: FileMarket) -> None:
    port, ca = ftps
    ftp = ftplib.FTP_TLS(context=ssl.create_default_context(cafile=str(ca)), timeout=20)
    ftp.connect("127.0.0.1", port)
    ftp.login("lsp-ops", market.passwords["lsp-ops"])
    with pytest.raises(ftplib.error_perm, match="TLS"):
        ftp.nlst("/")
    ftp.close()


def test_repeated_wrong_passwords_lock_the_login(
    hub: Hub, ftps: tuple[int, Path], market: FileMarket
) -> None:
    port, ca = ftps
    for _ in range(5):
        with pytest.raises(ftplib.error_perm, match="530"):
            client(port, ca, "lsp-ops", "Wrong-Password-1")
    # Locked now: even the right password is refused, with the same answer.
    with pytest.raises(ftplib.error_perm, match="530 Authentication failed"):
        client(port, ca, "lsp-ops", market.passwords["lsp-ops"])
    with pytest.raises(ftplib.error_perm, match="530 Authentication failed"):
        client(port, ca, "nobody-here", "Wrong-Password-1")
    with hub.engine.connect() as conn:
        locked = conn.execute(
            select(file_login.c.locked_until).where(file_login.c.login == "lsp-ops")
        ).scalar_one()
    assert locked is not None


def test_a_login_bound_to_a_client_certificate_needs_it(
    hub: Hub, ftps: tuple[int, Path], market: FileMarket, tmp_path: Path
) -> None:
    port, ca = ftps
    client_ca = trustme.CA()
    issued = client_ca.issue_cert("lsp-ops@lsp.example")
    pem = issued.cert_chain_pems[0].bytes().decode()
    with hub.engine.begin() as conn:
        admin = hub.accounts.principal(conn, "lsp.admin")
        assert admin is not None
        login_id = conn.execute(
            select(file_login.c.id).where(file_login.c.login == "lsp-ops")
        ).scalar_one()
        hub.files.logins.set_certificate(conn, admin, login_id, pem, now=hub.clock.now())
    with pytest.raises(ftplib.error_perm, match="530"):
        client(port, ca, "lsp-ops", market.passwords["lsp-ops"])
    context = ssl.create_default_context(cafile=str(ca))
    both = tmp_path / "client.pem"
    issued.private_key_and_cert_chain_pem.write_to_path(str(both))
    context.load_cert_chain(str(both))
    ftp = ftplib.FTP_TLS(context=context, timeout=20)
    ftp.connect("127.0.0.1", port)
    ftp.login("lsp-ops", market.passwords["lsp-ops"])
    ftp.prot_p()
    assert LSP_DUNS in ftp.nlst("/")
    ftp.quit()


def test_a_tdsp_uploads_into_inbound_with_curl_and_nowhere_else(
    hub: Hub, ftps: tuple[int, Path], market: FileMarket, tmp_path: Path
) -> None:
    port, ca = ftps
    upload = tmp_path / "1039940674000IntervalData20261127060000001.lse"
    upload.write_bytes(b"99999999,0\n")
    base = [CURL, "--silent", "--show-error", "--ssl-reqd", "--cacert", str(ca)]
    auth = ["--user", f"oncor-up:{market.passwords['oncor-up']}"]
    subprocess.run(
        [*base, *auth, "-T", str(upload), f"ftp://127.0.0.1:{port}/inbound/"],
        check=True,
        timeout=60,
    )
    box = f"company-{market.oncor}"
    assert [e.name for e in hub.files.storage.listing(box, "inbound")] == [upload.name]
    for target in ("outbound/", f"../company-{market.lsp}/{LSP_DUNS}/", "/"):
        done = subprocess.run(
            [*base, *auth, "-T", str(upload), f"ftp://127.0.0.1:{port}/{target}"],
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert done.returncode != 0, target
    assert hub.files.storage.listing(box, "outbound") == []
    assert hub.files.storage.listing(f"company-{market.lsp}", LSP_DUNS) == []


def test_a_tdsp_upload_is_ingested_and_answered_with_an_encrypted_result_file(
    hub: Hub, ftps: tuple[int, Path], market: FileMarket, tmp_path: Path
) -> None:
    port, ca = ftps
    upload = write_lse_file(tmp_path, [day_record(revised_at=NOW - timedelta(hours=8))])
    base = [CURL, "--silent", "--show-error", "--ssl-reqd", "--cacert", str(ca)]
    auth = ["--user", f"oncor-up:{market.passwords['oncor-up']}"]
    subprocess.run(
        [*base, *auth, "-T", str(upload), f"ftp://127.0.0.1:{port}/inbound/"],
        check=True,
        timeout=60,
    )
    [outcome] = hub.files.intake.poll()
    assert outcome.outcome == "accepted"
    assert hub.files.storage.listing(f"company-{market.oncor}", "inbound") == []
    assert (hub.settings.archive_dir / "ONCOR" / upload.name).is_file()
    result = tmp_path / "result.asc"
    subprocess.run(
        [
            *base,
            *auth,
            "--output",
            str(result),
            f"ftp://127.0.0.1:{port}/outbound/{upload.name}.result.csv.asc",
        ],
        check=True,
        timeout=60,
    )
    clear, _ = market.ring.decrypt(result.read_bytes())
    assert clear.startswith(b"FILE,LINE,RECORD,CODE,DESCRIPTION,DETAIL") and b",00," in clear
    assert hub.files.intake.poll() == []
