"""File-transfer logins (FTPS and SFTP): issued by a REP's or TDSP's own administrators through
the portal, each confined to its company's mailbox. A login has a password the hub generates
(argon2id; shown once), optionally SSH public keys (SFTP) and a client certificate FTPS then
requires. Wrong passwords are throttled per login (lockout, shared by every file server through
the database) and per address (in the serving process); a refused login never says why."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, insert, select, update

from smt.access.policy import Principal
from smt.accounts import audit
from smt.accounts.model import CompanyKind, NotYours, WorkflowError, user_key
from smt.accounts.passwords import Passwords
from smt.files.keys import check_manager, company_of
from smt.files.mailbox import ENCRYPTED_SUFFIX, FIXED_FOLDERS, Kind, company_box, kind_of
from smt.store.accounts_tables import company_duns
from smt.store.files_tables import file_login, file_login_ssh_key

ACTIVE = "active"
REVOKED = "revoked"


def new_password() -> str:
    """22 random URL-safe characters plus a digit, an upper-case letter and a symbol: it
    passes the hub's password rules whatever the random part."""
    return f"{secrets.token_urlsafe(16)}-7Q"


def check_login_name(login: str) -> str:
    text = login.strip()
    if not 4 <= len(text) <= 40 or not all(
        c.isascii() and (c.isalnum() or c in "._-") for c in text
    ):
        raise WorkflowError("a login has 4 to 40 letters, digits and . _ -")
    return text


@dataclass(frozen=True, slots=True)
class MailboxView:
    """What one login sees of its company's mailbox and may do there."""

    login: str
    company_id: int
    kind: CompanyKind
    folders: tuple[str, ...]

    @property
    def box(self) -> str:
        return company_box(self.company_id)

    def sees_folder(self, folder: str) -> bool:
        return folder in self.folders

    def shows(self, folder: str, name: str) -> bool:
        """Only encrypted deliveries are served from a REP's folders and a TDSP's outbound;
        a TDSP sees its own uploads waiting in inbound."""
        if not self.sees_folder(folder) or name.startswith("."):
            return False
        return kind_of(folder) is Kind.INBOUND or name.endswith(ENCRYPTED_SUFFIX)

    def may_read(self, folder: str) -> bool:
        return self.sees_folder(folder) and kind_of(folder) is not Kind.INBOUND

    def may_delete(self, folder: str) -> bool:
        return self.kind is CompanyKind.REP and self.sees_folder(folder)

    def may_write(self, folder: str) -> bool:
        return self.kind is CompanyKind.TDSP and kind_of(folder) is Kind.INBOUND


def view_of(conn: Connection, login: str, company_id: int) -> MailboxView | None:
    found = company_of(conn, company_id)
    if found is None or found[1] != ACTIVE:
        return None
    kind = found[0]
    if kind is CompanyKind.REP:
        duns = conn.execute(
            select(company_duns.c.duns)
            .where(company_duns.c.company_id == company_id, company_duns.c.status == "approved")
            .order_by(company_duns.c.duns)
        ).scalars()
        folders = (*duns, FIXED_FOLDERS[Kind.ADHOC], FIXED_FOLDERS[Kind.HAN])
    elif kind is CompanyKind.TDSP:
        folders = (FIXED_FOLDERS[Kind.INBOUND], FIXED_FOLDERS[Kind.OUTBOUND])
    else:
        return None
    return MailboxView(login, company_id, kind, tuple(folders))


@dataclass(frozen=True, slots=True)
class LoginSummary:
    id: int
    login: str
    status: str
    created_at: datetime
    last_login_at: datetime | None
    certificate_sha256: str | None
    ssh_keys: tuple[tuple[int, str], ...]  # (id, fingerprint)


class AddressThrottle:
    """Wrong passwords per client address, in this process: after `limit` failures within
    `window` seconds the address is refused for the rest of the window."""

    def __init__(self, limit: int = 20, window: float = 900.0) -> None:
        self._limit = limit
        self._window = window
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, address: str) -> bool:
        with self._lock:
            recent = self._recent(address)
            return len(recent) >= self._limit

    def failed(self, address: str) -> None:
        with self._lock:
            self._recent(address).append(time.monotonic())

    def _recent(self, address: str) -> list[float]:
        horizon = time.monotonic() - self._window
        kept = [t for t in self._failures.get(address, []) if t > horizon]
        self._failures[address] = kept
        return kept


class FileLogins:
    def __init__(
        self, passwords: Passwords, *, max_failures: int = 5, lockout: timedelta | None = None
    ) -> None:
        self._passwords = passwords
        self._max_failures = max_failures
        self._lockout = lockout or timedelta(minutes=15)
        self.throttle = AddressThrottle()
        self._decoy_hash: str | None = None

    @property
    def _decoy(self) -> str:
        # Hashing a password for an unknown login too keeps the timing of both answers alike.
        if self._decoy_hash is None:
            self._decoy_hash = self._passwords.hash(new_password(), user_id="decoy-login")
        return self._decoy_hash

    # --- administrators ----------------------------------------------------------------------

    def issue(
        self, conn: Connection, actor: Principal, company_id: int, login: str, *, now: datetime
    ) -> str:
        """A new login for the company; returns its password (shown once, never stored)."""
        check_manager(conn, actor, company_id)
        name = check_login_name(login)
        taken = conn.execute(
            select(file_login.c.id).where(file_login.c.login_key == user_key(name))
        ).first()
        if taken is not None:
            raise WorkflowError("that login is taken; choose another")
        password = new_password()
        conn.execute(
            insert(file_login).values(
                login=name,
                login_key=user_key(name),
                company_id=company_id,
                password_hash=self._passwords.hash(password, user_id=name),
                status=ACTIVE,
                created_by=actor.user_id,
                created_at=now,
                failed_logins=0,
            )
        )
        self._audit(conn, actor, "issue-file-login", name, now)
        return password

    def _owned(self, conn: Connection, actor: Principal, login_id: int) -> tuple[int, str]:
        row = conn.execute(
            select(file_login.c.company_id, file_login.c.login, file_login.c.status).where(
                file_login.c.id == login_id
            )
        ).first()
        if row is None:
            raise NotYours("no such login")
        check_manager(conn, actor, row.company_id)
        if row.status != ACTIVE:
            raise WorkflowError("the login is revoked")
        return row.company_id, row.login

    def reset_password(
        self, conn: Connection, actor: Principal, login_id: int, *, now: datetime
    ) -> str:
        _, name = self._owned(conn, actor, login_id)
        password = new_password()
        conn.execute(
            update(file_login)
            .where(file_login.c.id == login_id)
            .values(
                password_hash=self._passwords.hash(password, user_id=name),
                failed_logins=0,
                locked_until=None,
            )
        )
        self._audit(conn, actor, "reset-file-login", name, now)
        return password

    def revoke(self, conn: Connection, actor: Principal, login_id: int, *, now: datetime) -> None:
        _, name = self._owned(conn, actor, login_id)
        conn.execute(update(file_login).where(file_login.c.id == login_id).values(status=REVOKED))
        self._audit(conn, actor, "revoke-file-login", name, now)

    def add_ssh_key(
        self, conn: Connection, actor: Principal, login_id: int, public_key: str, *, now: datetime
    ) -> str:
        """Attach an OpenSSH public key (one line); returns its SHA-256 fingerprint."""
        import asyncssh  # noqa: PLC0415 - the SSH library loads with its first use

        _, name = self._owned(conn, actor, login_id)
        text = public_key.strip()
        try:
            key = asyncssh.import_public_key(text)
        except (asyncssh.KeyImportError, ValueError):
            raise WorkflowError("not an OpenSSH public key (one line, ssh-ed25519 …)") from None
        if key.algorithm == b"ssh-rsa" and getattr(key.pyca_key, "key_size", 0) < 2048:
            raise WorkflowError("RSA keys need at least 2048 bits")
        if key.algorithm == b"ssh-dss":
            raise WorkflowError("DSA keys are not accepted")
        fingerprint = key.get_fingerprint("sha256")
        conn.execute(
            insert(file_login_ssh_key).values(
                login_id=login_id,
                # `<algorithm> <base64>`: the comment is not part of the key.
                public_key=" ".join(key.export_public_key("openssh").decode().split()[:2]),
                fingerprint=fingerprint,
                added_by=actor.user_id,
                added_at=now,
            )
        )
        self._audit(conn, actor, "add-file-login-ssh-key", name, now, detail=fingerprint)
        return str(fingerprint)

    def remove_ssh_key(
        self, conn: Connection, actor: Principal, login_id: int, key_id: int, *, now: datetime
    ) -> None:
        _, name = self._owned(conn, actor, login_id)
        k = file_login_ssh_key.c
        removed = conn.execute(
            update(file_login_ssh_key)
            .where(k.id == key_id, k.login_id == login_id, k.removed_at.is_(None))
            .values(removed_at=now)
        )
        if removed.rowcount != 1:
            raise NotYours("no such key")  # another login's, or gone already: alike
        self._audit(conn, actor, "remove-file-login-ssh-key", name, now, detail=str(key_id))

    def set_certificate(
        self, conn: Connection, actor: Principal, login_id: int, pem: str, *, now: datetime
    ) -> str | None:
        """Bind a client certificate FTPS then requires (empty text: none); its SHA-256."""
        from cryptography import x509  # noqa: PLC0415
        from cryptography.hazmat.primitives.serialization import Encoding  # noqa: PLC0415

        _, name = self._owned(conn, actor, login_id)
        digest = None
        if pem.strip():
            try:
                certificate = x509.load_pem_x509_certificate(pem.strip().encode())
            except ValueError:
                raise WorkflowError("not a PEM certificate") from None
            digest = hashlib.sha256(certificate.public_bytes(Encoding.DER)).hexdigest()
        conn.execute(
            update(file_login).where(file_login.c.id == login_id).values(certificate_sha256=digest)
        )
        self._audit(conn, actor, "set-file-login-certificate", name, now, detail=digest or "")
        return digest

    def listing(self, conn: Connection, actor: Principal, company_id: int) -> list[LoginSummary]:
        check_manager(conn, actor, company_id)
        t = file_login.c
        rows = conn.execute(
            select(t.id, t.login, t.status, t.created_at, t.last_login_at, t.certificate_sha256)
            .where(t.company_id == company_id)
            .order_by(t.login)
        ).all()
        keys: dict[int, list[tuple[int, str]]] = {}
        k = file_login_ssh_key.c
        for key_id, login_id, fingerprint in conn.execute(
            select(k.id, k.login_id, k.fingerprint)
            .join(file_login, file_login.c.id == k.login_id)
            .where(file_login.c.company_id == company_id, k.removed_at.is_(None))
            .order_by(k.id)
        ):
            keys.setdefault(login_id, []).append((key_id, fingerprint))
        return [LoginSummary(*row, tuple(keys.get(row.id, []))) for row in rows]

    @staticmethod
    def _audit(
        conn: Connection,
        actor: Principal,
        action: str,
        login: str,
        now: datetime,
        *,
        detail: str = "",
    ) -> None:
        audit.record(
            conn,
            at=now,
            actor=actor.user_id,
            action=action,
            subject=f"file-login:{login}",
            details={"detail": detail} if detail else None,
        )

    # --- the file servers --------------------------------------------------------------------

    def authenticate(
        self,
        conn: Connection,
        login: str,
        *,
        now: datetime,
        address: str,
        password: str | None = None,
        ssh_key: str | None = None,
        certificate_sha256: str | None = None,
    ) -> MailboxView | None:
        """The login's mailbox view, or None (unknown, revoked, locked, wrong secret or
        certificate: the caller answers all alike)."""
        if self.throttle.blocked(address):
            return None
        row = conn.execute(
            select(file_login).where(file_login.c.login_key == user_key(login[:80]))
        ).first()
        if row is None or row.status != ACTIVE:
            if password is not None:
                self._passwords.verify(self._decoy, password)
            self.throttle.failed(address)
            return None
        if row.locked_until is not None and row.locked_until > now:
            if password is not None:
                self._passwords.verify(self._decoy, password)
            self.throttle.failed(address)
            return None
        if password is not None:
            good = self._passwords.verify(row.password_hash, password)
        elif ssh_key is not None:
            good = ssh_key in self.ssh_keys(conn, row.id)
        else:
            good = False
        if good and row.certificate_sha256 and certificate_sha256 != row.certificate_sha256:
            good = False
        if not good:
            failures = row.failed_logins + 1
            locked = now + self._lockout if failures >= self._max_failures else None
            conn.execute(
                update(file_login)
                .where(file_login.c.id == row.id)
                .values(failed_logins=0 if locked else failures, locked_until=locked)
            )
            if locked is not None:
                audit.record(
                    conn,
                    at=now,
                    actor="system",
                    action="lock-file-login",
                    subject=f"file-login:{row.login}",
                    details={"address": address},
                )
            self.throttle.failed(address)
            return None
        conn.execute(
            update(file_login)
            .where(file_login.c.id == row.id)
            .values(failed_logins=0, locked_until=None, last_login_at=now)
        )
        return view_of(conn, row.login, row.company_id)

    @staticmethod
    def ssh_keys(conn: Connection, login_id: int) -> set[str]:
        k = file_login_ssh_key.c
        return set(
            conn.execute(
                select(k.public_key).where(k.login_id == login_id, k.removed_at.is_(None))
            ).scalars()
        )

    @staticmethod
    def ssh_keys_of(conn: Connection, login: str) -> list[str]:
        """The login's active SSH keys (for the SFTP server's key exchange); empty for a login
        that does not exist or is revoked, alike."""
        k = file_login_ssh_key.c
        return list(
            conn.execute(
                select(k.public_key)
                .join(file_login, file_login.c.id == k.login_id)
                .where(
                    file_login.c.login_key == user_key(login[:80]),
                    file_login.c.status == ACTIVE,
                    k.removed_at.is_(None),
                )
            ).scalars()
        )
