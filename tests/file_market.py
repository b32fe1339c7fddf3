"""Seeds for the file servers' tests: Lone Star Power (DUNS 111111111) and Bluebonnet Energy
(222222222) with PGP keys from a company-side gpg keyring, Oncor as a TDSP company, file
logins for each, TLS material from trustme, and free local ports."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

import trustme
from sqlalchemy import select

from company_gpg import Keyring
from smt.composition import Hub
from smt.files.delivery import owe
from smt.files.keys import upload_key
from smt.store.accounts_tables import company

from portal_client import BLUEBONNET, LONE_STAR, add_oncor_and_reps

LSP_DUNS = LONE_STAR[1]
BB_DUNS = BLUEBONNET[1]


@dataclass
class FileMarket:
    lsp: int
    bluebonnet: int
    oncor: int
    passwords: dict[str, str]  # login -> password
    ring: Keyring


def free_port_range(count: int = 10) -> tuple[int, int]:
    """`count` consecutive ports free right now, for the FTPS passive range."""
    for base in range(41000, 59000, 97):
        ports = range(base, base + count)
        sockets = []
        try:
            for port in ports:
                s = socket.socket()
                s.bind(("127.0.0.1", port))
                sockets.append(s)
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
        return base, base + count - 1
    raise RuntimeError("no free port range")


def tls_files(folder: Path) -> tuple[Path, Path, Path]:
    """(server certificate chain, server key, CA) for 127.0.0.1 and localhost."""
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    cert, key, ca_file = folder / "server.pem", folder / "server.key", folder / "ca.pem"
    server.private_key_pem.write_to_path(str(key))
    with cert.open("wb") as out:
        for blob in server.cert_chain_pems:
            out.write(blob.bytes())
    ca.cert_pem.write_to_path(str(ca_file))
    return cert, key, ca_file


def seed_file_market(hub: Hub, tmp_path: Path) -> FileMarket:
    ring = Keyring(tmp_path / "company-gnupg")
    fingerprint = ring.generate("Lone Star Power <ops@lsp.example>")
    bb_fingerprint = ring.generate("Bluebonnet <ops@bb.example>")
    now = hub.clock.now()
    with hub.engine.begin() as conn:
        add_oncor_and_reps(hub, conn, LONE_STAR, BLUEBONNET)
        ids = dict(conn.execute(select(company.c.name, company.c.id)).all())
        lsp, bb = ids[LONE_STAR[0]], ids[BLUEBONNET[0]]
        oncor = conn.execute(
            select(company.c.id).where(company.c.tdsp_code == "ONCOR")
        ).scalar_one()
        lsp_admin = hub.accounts.principal(conn, LONE_STAR[2])
        bb_admin = hub.accounts.principal(conn, BLUEBONNET[2])
        oncor_admin = hub.accounts.principal(conn, "oncor.admin")
        assert lsp_admin and bb_admin and oncor_admin
        encryptor = hub.files.encryptor
        upload_key(conn, encryptor, lsp_admin, lsp, ring.export(fingerprint), now=now)
        upload_key(conn, encryptor, bb_admin, bb, ring.export(bb_fingerprint), now=now)
        upload_key(conn, encryptor, oncor_admin, oncor, ring.export(fingerprint), now=now)
        passwords = {
            "lsp-ops": hub.files.logins.issue(conn, lsp_admin, lsp, "lsp-ops", now=now),
            "bb-ops": hub.files.logins.issue(conn, bb_admin, bb, "bb-ops", now=now),
            "oncor-up": hub.files.logins.issue(conn, oncor_admin, oncor, "oncor-up", now=now),
        }
    return FileMarket(lsp, bb, oncor, passwords, ring)


def deliver(hub: Hub, company_id: int, folder: str, name: str, content: bytes) -> str:
    """Put `content` into a company's folder as the hub delivers it; the delivered name."""
    source = hub.settings.data_dir / "owed" / name
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(content)
    with hub.engine.begin() as conn:
        owe(conn, company_id, folder, name, f"owed/{name}", now=hub.clock.now())
    assert hub.files.courier.run(company_id) == 1
    return f"{name}.asc"
