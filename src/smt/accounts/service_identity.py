"""How a web-service message proves which system account sent it, beside the password login
(Sessions.authenticate_system): the client certificate bound to the account, and the secret
for WS-Security PasswordDigest.

PasswordDigest needs a secret the hub can recompute (SHA-1 of nonce, time and secret), and the
hub keeps only an argon2id hash of each password. Rather than storing a password reversibly,
the digest secret is derived: HMAC-SHA256 under a hub key of the account's name and its
current password hash. It changes when the password changes, exists nowhere at rest, and an
operator shows it with `smt soap digest-secret` to hand it to the account's owner."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
from pathlib import Path

from sqlalchemy import Connection, select

from smt.accounts.model import Status, user_key
from smt.store.accounts_tables import system_account


def account_for_certificate(conn: Connection, sha256: str) -> str | None:
    """The active system account the certificate (SHA-256 of its DER) is bound to."""
    row = conn.execute(
        select(system_account.c.name).where(
            system_account.c.certificate_sha256 == sha256.lower(),
            system_account.c.status == Status.ACTIVE.value,
        )
    ).first()
    return None if row is None else str(row.name)


def certificate_of(conn: Connection, name: str) -> str | None:
    return conn.execute(
        select(system_account.c.certificate_sha256).where(
            system_account.c.name_key == user_key(name)
        )
    ).scalar_one_or_none()


class DigestKey:
    """The hub key the digest secrets derive from: configured (SMT_SOAP_DIGEST_KEY), or made
    once in the data folder (mode 0600) on first use and shared by every process using it."""

    def __init__(self, configured: str | None, path: Path) -> None:
        self._configured = configured
        self._path = path
        self._key: bytes | None = None
        self._lock = threading.Lock()

    def key(self) -> bytes:
        with self._lock:
            if self._key is None:
                self._key = self._configured.encode() if self._configured else self._load_or_make()
            return self._key

    def _load_or_make(self) -> bytes:
        if not self._path.exists():
            self._path.parent.mkdir(parents=True, exist_ok=True)
            try:
                # O_EXCL: two processes starting together keep one key, not two.
                fd = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w", encoding="ascii") as out:
                    out.write(secrets.token_hex(32))
        return self._path.read_text(encoding="ascii").strip().encode()

    def secret(self, conn: Connection, name: str) -> str | None:
        """The account's PasswordDigest secret, or None for no such account."""
        row = conn.execute(
            select(system_account.c.name_key, system_account.c.password_hash).where(
                system_account.c.name_key == user_key(name)
            )
        ).first()
        if row is None:
            return None
        mac = hmac.new(
            self.key(),
            b"wsse-digest\0" + row.name_key.encode() + b"\0" + row.password_hash.encode(),
            hashlib.sha256,
        )
        return base64.urlsafe_b64encode(mac.digest()).decode("ascii").rstrip("=")
