"""The SFTP server with real peers: OpenSSH's sftp (public key) and curl (password) download
files gpg decrypts, a TDSP uploads with curl, and every way out of the mailbox is refused."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import pytest
from sqlalchemy import select

from file_market import (
    BB_DUNS,
    LSP_DUNS,
    FileMarket,
    deliver,
    seed_file_market,
)
from smt.composition import Hub
from smt.files.server_keys import ensure_host_key
from smt.files.sftp import SftpServer
from smt.store.files_tables import file_login

SFTP = "/usr/bin/sftp"
CURL = "/usr/bin/curl"
SSH_KEYGEN = "/usr/bin/ssh-keygen"
NO_HOST_CHECK = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]


@pytest.fixture
def market(hub: Hub, tmp_path: Path) -> FileMarket:
    return seed_file_market(hub, tmp_path)


@pytest.fixture
def sftp_port(hub: Hub, tmp_path: Path, market: FileMarket) -> Iterator[int]:
    server = SftpServer(
        hub.files.services(),
        host="127.0.0.1",
        port=0,
        host_key=ensure_host_key(None, tmp_path),
    )
    server.start()
    yield server.port
    server.stop()


@pytest.fixture
def client_key(hub: Hub, tmp_path: Path, market: FileMarket) -> Path:
    key = tmp_path / "id_ed25519"
    subprocess.run(
        [SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C", "ops@lsp", "-f", str(key)],
        check=True,
    )
    with hub.engine.begin() as conn:
        admin = hub.accounts.principal(conn, "lsp.admin")
        assert admin is not None
        login_id = conn.execute(
            select(file_login.c.id).where(file_login.c.login == "lsp-ops")
        ).scalar_one()
        hub.files.logins.add_ssh_key(
            conn, admin, login_id, key.with_suffix(".pub").read_text(), now=hub.clock.now()
        )
    return key


def openssh(
    port: int, key: Path, commands: str, login: str = "lsp-ops"
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            SFTP,
            "-b",
            "-",
            "-P",
            str(port),
            "-i",
            str(key),
            *NO_HOST_CHECK,
            "-o",
            "PasswordAuthentication=no",
            f"{login}@127.0.0.1",
        ],
        input=commands,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_openssh_sftp_lists_and_downloads_with_a_public_key(
    hub: Hub, market: FileMarket, sftp_port: int, client_key: Path, tmp_path: Path
) -> None:
    name = deliver(hub, market.lsp, LSP_DUNS, "extract.lse", b"99999999,0\n")
    target = tmp_path / "got.asc"
    done = openssh(
        sftp_port, client_key, f"ls /\ncd {LSP_DUNS}\nls\nget {name} {target}\nrm {name}\n"
    )
    assert done.returncode == 0, done.stderr
    assert LSP_DUNS in done.stdout and "adhoc" in done.stdout and name in done.stdout
    assert market.ring.decrypt(target.read_bytes())[0] == b"99999999,0\n"
    assert hub.files.storage.listing(f"company-{market.lsp}", LSP_DUNS) == []


def test_curl_downloads_with_a_password_and_a_tdsp_uploads(
    hub: Hub, market: FileMarket, sftp_port: int, tmp_path: Path
) -> None:
    name = deliver(hub, market.lsp, "adhoc", "IntervalMeterUsage9.csv", b"ESIID\n")
    target = tmp_path / "got.asc"
    subprocess.run(
        [
            CURL,
            "--silent",
            "--show-error",
            "--insecure",
            "--user",
            f"lsp-ops:{market.passwords['lsp-ops']}",
            "--output",
            str(target),
            f"sftp://127.0.0.1:{sftp_port}/adhoc/{name}",
        ],
        check=True,
        timeout=60,
    )
    assert market.ring.decrypt(target.read_bytes())[0] == b"ESIID\n"
    upload = tmp_path / "1039940674000IntervalData20261127060000002.lse"
    upload.write_bytes(b"99999999,0\n")
    subprocess.run(
        [
            CURL,
            "--silent",
            "--show-error",
            "--insecure",
            "--user",
            f"oncor-up:{market.passwords['oncor-up']}",
            "-T",
            str(upload),
            f"sftp://127.0.0.1:{sftp_port}/inbound/",
        ],
        check=True,
        timeout=60,
    )
    inbound = hub.files.storage.listing(f"company-{market.oncor}", "inbound")
    assert [e.name for e in inbound] == [upload.name]


def test_nothing_outside_the_mailbox_and_no_links_or_writes_for_a_rep(
    hub: Hub, market: FileMarket, sftp_port: int, client_key: Path, tmp_path: Path
) -> None:
    theirs = deliver(hub, market.bluebonnet, BB_DUNS, "theirs.lse", b"bluebonnet")
    deliver(hub, market.lsp, LSP_DUNS, "mine.lse", b"mine")
    folder = hub.settings.mailbox_dir / f"company-{market.lsp}" / LSP_DUNS
    other = hub.settings.mailbox_dir / f"company-{market.bluebonnet}" / BB_DUNS / theirs
    (folder / "planted.lse.asc").symlink_to(other)
    refusals = [
        f"get /{BB_DUNS}/{theirs} {tmp_path}/x",
        f"get ../company-{market.bluebonnet}/{BB_DUNS}/{theirs} {tmp_path}/x",
        f"get /../../../etc/passwd {tmp_path}/x",
        f"get {LSP_DUNS}/planted.lse.asc {tmp_path}/x",
        f"get {LSP_DUNS}/mine.lse {tmp_path}/x",
        f"ls /{BB_DUNS}",
        f"put {client_key}.pub /{LSP_DUNS}/x.lse",
        f"put {client_key}.pub /adhoc/x.csv",
        "mkdir /newfolder",
        f"ln -s /{LSP_DUNS}/mine.lse.asc /adhoc/link.asc",
        f"rename /{LSP_DUNS}/mine.lse.asc /adhoc/mine.lse.asc",
    ]
    for command in refusals:
        done = openssh(sftp_port, client_key, command + "\n")
        assert done.returncode != 0, command
    listed = openssh(sftp_port, client_key, f"ls /{LSP_DUNS}\n")
    assert "planted" not in listed.stdout and "mine.lse.asc" in listed.stdout
    assert not (tmp_path / "x").exists()


def test_wrong_passwords_lock_the_login_and_a_broken_upload_leaves_nothing(
    hub: Hub, market: FileMarket, sftp_port: int
) -> None:
    async def login(user: str, password: str) -> asyncssh.SSHClientConnection:
        return await asyncssh.connect(
            "127.0.0.1",
            sftp_port,
            username=user,
            password=password,
            known_hosts=None,
            client_keys=None,
            preferred_auth="password",
        )

    async def scenario() -> None:
        for _ in range(5):
            with pytest.raises(asyncssh.PermissionDenied):
                await login("bb-ops", "Wrong-Password-1")
        with pytest.raises(asyncssh.PermissionDenied):
            await login("bb-ops", market.passwords["bb-ops"])
        conn = await login("oncor-up", market.passwords["oncor-up"])
        sftp = await conn.start_sftp_client()
        handle = await sftp.open("/inbound/1039940674000IntervalData20261127060000003.lse", "wb")
        await handle.write(b"00000001,half a file")
        conn.abort()  # the connection drops with the upload's handle still open
        await asyncio.sleep(0.5)

    asyncio.run(scenario())
    assert hub.files.storage.listing(f"company-{market.oncor}", "inbound") == []
