"""Logins and sessions: argon2id checks, throttling and lockout against guessing, portal
sessions and API bearer tokens with sliding idle timeouts, and system accounts' logins (the
official API's access tokens, a fixed hour each). Tokens are random and only their SHA-256 is
stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Row, Table, bindparam, insert, select, update

from smt.access.policy import Principal
from smt.accounts import audit
from smt.accounts.model import Status, user_key
from smt.accounts.passwords import Passwords
from smt.accounts.service import AccountService
from smt.store.accounts_tables import (
    account,
    company,
    system_account,
    system_session,
    web_session,
)

FAILURES_BEFORE_LOCKOUT = 5
LOCKOUT = timedelta(minutes=15)


class SessionKind(StrEnum):
    PORTAL = "portal"
    API = "api"


# Idle timeout (sliding: every use extends it) and absolute lifetime per kind. API tokens idle
# for at least 30 minutes: SMT clients retry a 401 at once while they believe a token fresh.
IDLE = {SessionKind.PORTAL: timedelta(minutes=20), SessionKind.API: timedelta(minutes=30)}
LIFETIME = {SessionKind.PORTAL: timedelta(hours=12), SessionKind.API: timedelta(hours=24)}
# A use is recorded only once the recorded one is this old: otherwise every API call would be a
# write, and SQLite's single writer (or PostgreSQL's row lock) would queue every read behind it.
# The true last use is therefore at most this much later than the recorded one, so a session
# lives this much longer than IDLE after the recorded use: never refused before IDLE has passed
# since its real last use, at most this much after.
RECORDED_USE_LAG = timedelta(minutes=1)
# A system account's access token, as SMT's `/v2/token/` gives it: an hour from issue, absolute.
SYSTEM_TOKEN_LIFETIME = timedelta(seconds=3600)


# Read on every API call and portal page: built once, bound per call (building a statement
# costs more than running it).
_LIVE_SESSION = (
    select(
        web_session.c.token_sha256,
        web_session.c.csrf_token,
        web_session.c.last_seen_at,
        web_session.c.expires_at,
        account.c.language,
        account.c.first_name,
        # What AccountService.principal reads, in its order: one statement fewer per call.
        account.c.id.label("account_id"),
        account.c.user_id,
        account.c.role,
        account.c.company_id,
        company.c.tdsp_code,
        account.c.status,
    )
    .join(account, account.c.id == web_session.c.account_id)
    .outerjoin(company, company.c.id == account.c.company_id)
    .where(
        web_session.c.token_sha256 == bindparam("digest"),
        web_session.c.kind == bindparam("kind"),
        web_session.c.ended_at.is_(None),
    )
)


class LoginRefusal(StrEnum):
    BAD_CREDENTIALS = "bad-credentials"
    LOCKED = "locked"
    INACTIVE = "inactive"


@dataclass(frozen=True, slots=True)
class Login:
    token: str
    csrf_token: str
    principal: Principal
    language: str


@dataclass(frozen=True, slots=True)
class SystemLogin:
    token: str
    principal: Principal
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ActiveSession:
    principal: Principal
    csrf_token: str
    language: str
    first_name: str


def _plausible_user_id(user_id: str) -> bool:
    """Only what a user ID can be is looked up: no look-alike letters, no control characters."""
    text = user_id.strip()
    return 0 < len(text) <= 40 and text.isascii() and text.isprintable()


def end_sessions(conn: Connection, account_id: int, *, now: datetime) -> None:
    """End every session of an account (its password or standing changed)."""
    conn.execute(
        update(web_session)
        .where(web_session.c.account_id == account_id, web_session.c.ended_at.is_(None))
        .values(ended_at=now)
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _count_failure(conn: Connection, table: Table, row_id: int, now: datetime) -> bool:
    """One more wrong password for this row (an account or a system account); True when it
    locks the row. Counted in the database, so parallel guesses cannot overwrite each other's
    count."""
    failures = conn.execute(
        update(table)
        .where(table.c.id == row_id)
        .values(failed_logins=table.c.failed_logins + 1)
        .returning(table.c.failed_logins)
    ).scalar_one()
    locked = bool(failures >= FAILURES_BEFORE_LOCKOUT)
    if locked:
        conn.execute(
            update(table)
            .where(table.c.id == row_id)
            .values(failed_logins=0, locked_until=now + LOCKOUT)
        )
    return locked


class Sessions:
    def __init__(self, passwords: Passwords, accounts: AccountService) -> None:
        self._passwords = passwords
        self._accounts = accounts
        self._decoy: str | None = None

    def _decoy_hash(self) -> str:
        # Checked when the user ID is unknown, so that a miss costs what a hit costs.
        if self._decoy is None:
            self._decoy = self._passwords.hash("Decoy-password-0", user_id="nobody")
        return self._decoy

    def _check_password(
        self,
        conn: Connection,
        table: Table,
        row: Row[Any] | None,
        *,
        name: str,
        kind: str,
        password: str,
        now: datetime,
    ) -> LoginRefusal | None:
        """The password of a user or system account (`row`: id, password_hash, locked_until),
        with the lockout; None when it matches. Every path costs one password check, so that
        timing tells nothing about whether an account exists, is locked, or has a password."""
        subject = f"{kind}:{name}"
        if row is None:
            self._passwords.verify(self._decoy_hash(), password)
            audit.record(
                conn,
                at=now,
                actor="anonymous",
                action="login-failed",
                subject=subject,
                details={"reason": "unknown"},
            )
            return LoginRefusal.BAD_CREDENTIALS
        if row.locked_until is not None and row.locked_until > now:
            self._passwords.verify(self._decoy_hash(), password)
            audit.record(
                conn,
                at=now,
                actor="anonymous",
                action="login-refused",
                subject=subject,
                details={"reason": "locked"},
            )
            return LoginRefusal.LOCKED
        if not self._passwords.verify(row.password_hash, password):
            locked = _count_failure(conn, table, row.id, now)
            audit.record(
                conn,
                at=now,
                actor="anonymous",
                action="login-failed",
                subject=subject,
                details={"locked": locked},
            )
            return LoginRefusal.LOCKED if locked else LoginRefusal.BAD_CREDENTIALS
        conn.execute(
            update(table).where(table.c.id == row.id).values(failed_logins=0, locked_until=None)
        )
        return None

    def login(
        self, conn: Connection, *, user_id: str, password: str, kind: SessionKind, now: datetime
    ) -> Login | LoginRefusal:
        if not _plausible_user_id(user_id):
            self._passwords.verify(self._decoy_hash(), password)
            return LoginRefusal.BAD_CREDENTIALS
        row = conn.execute(
            select(
                account.c.id,
                account.c.user_id,
                account.c.status,
                account.c.password_hash,
                account.c.locked_until,
                account.c.language,
            ).where(account.c.user_key == user_key(user_id))
        ).first()
        refusal = self._check_password(
            conn,
            account,
            None if row is None or row.password_hash is None else row,  # type: ignore[arg-type]
            name=row.user_id if row is not None else user_id.strip(),
            kind="account",
            password=password,
            now=now,
        )
        if refusal is not None:
            return refusal
        assert row is not None  # noqa: S101 - a password matched
        subject = f"account:{row.user_id}"
        principal = self._accounts.principal(conn, row.user_id)
        if row.status != Status.ACTIVE or principal is None:
            audit.record(
                conn,
                at=now,
                actor=row.user_id,
                action="login-refused",
                subject=subject,
                details={"reason": row.status},
            )
            return LoginRefusal.INACTIVE
        # A new token at every login: a session id fixed before login is never promoted.
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        conn.execute(
            insert(web_session).values(
                token_sha256=_digest(token),
                account_id=row.id,
                kind=kind.value,
                csrf_token=csrf,
                created_at=now,
                last_seen_at=now,
                expires_at=now + LIFETIME[kind],
            )
        )
        audit.record(
            conn,
            at=now,
            actor=row.user_id,
            action="login",
            subject=subject,
            details={"kind": kind.value},
        )
        return Login(token, csrf, principal, row.language)

    def resolve(
        self, conn: Connection, token: str, *, kind: SessionKind, now: datetime
    ) -> ActiveSession | None:
        """The session of `token` if it is alive, sliding its idle timeout (recorded to the
        minute, see RECORDED_USE_LAG); else None."""
        row = conn.execute(_LIVE_SESSION, {"digest": _digest(token), "kind": kind.value}).first()
        if (
            row is None
            or now >= row.expires_at
            or now >= row.last_seen_at + IDLE[kind] + RECORDED_USE_LAG
        ):
            return None
        principal = self._accounts.principal_of(conn, row[-6:])
        if principal is None:  # suspended, revoked or deleted since the login
            return None
        if now - row.last_seen_at >= RECORDED_USE_LAG:
            conn.execute(
                update(web_session)
                .where(web_session.c.token_sha256 == row.token_sha256)
                .values(last_seen_at=now)
            )
        return ActiveSession(principal, row.csrf_token, row.language, row.first_name)

    # --- system accounts (web services) ------------------------------------------------------

    def authenticate_system(
        self, conn: Connection, *, name: str, password: str, now: datetime
    ) -> Principal | LoginRefusal:
        """Check a system account's password, with the user login's lockout and its constant
        cost; the principal it acts as, or why not. Issues nothing: transports that carry the
        password on every message (WS-Security) call this alone."""
        if not _plausible_user_id(name):
            self._passwords.verify(self._decoy_hash(), password)
            return LoginRefusal.BAD_CREDENTIALS
        row = conn.execute(
            select(
                system_account.c.id,
                system_account.c.name,
                system_account.c.password_hash,
                system_account.c.locked_until,
            ).where(system_account.c.name_key == user_key(name))
        ).first()
        refusal = self._check_password(
            conn,
            system_account,
            row,  # type: ignore[arg-type]
            name=row.name if row is not None else name.strip(),
            kind="system-account",
            password=password,
            now=now,
        )
        if refusal is not None:
            return refusal
        assert row is not None  # noqa: S101 - a password matched
        subject = f"system-account:{row.name}"
        principal = self._accounts.system_principal(conn, row.name)
        if principal is None:  # the account, its company or its DUNS is not active
            audit.record(
                conn,
                at=now,
                actor=row.name,
                action="login-refused",
                subject=subject,
                details={"reason": "inactive"},
            )
            return LoginRefusal.INACTIVE
        return principal

    def login_system(
        self, conn: Connection, *, name: str, password: str, now: datetime
    ) -> SystemLogin | LoginRefusal:
        """A system account's access token, valid for SYSTEM_TOKEN_LIFETIME from now."""
        principal = self.authenticate_system(conn, name=name, password=password, now=now)
        if isinstance(principal, LoginRefusal):
            return principal
        account_id = conn.execute(
            select(system_account.c.id).where(system_account.c.name_key == user_key(name))
        ).scalar_one()
        token = secrets.token_urlsafe(32)
        expires = now + SYSTEM_TOKEN_LIFETIME
        conn.execute(
            insert(system_session).values(
                token_sha256=_digest(token),
                system_account_id=account_id,
                created_at=now,
                expires_at=expires,
            )
        )
        audit.record(
            conn,
            at=now,
            actor=principal.user_id,
            action="login",
            subject=f"system-account:{principal.user_id}",
            details={"kind": "system-token"},
        )
        return SystemLogin(token, principal, now, expires)

    def resolve_system(self, conn: Connection, token: str, *, now: datetime) -> Principal | None:
        """Who a system account's token acts for while it lives (and while the account, its
        company and its DUNS stay active); else None."""
        row = conn.execute(
            select(system_session.c.expires_at, system_account.c.name)
            .join(system_account, system_account.c.id == system_session.c.system_account_id)
            .where(
                system_session.c.token_sha256 == _digest(token),
                system_session.c.ended_at.is_(None),
            )
        ).first()
        if row is None or now >= row.expires_at:
            return None
        return self._accounts.system_principal(conn, row.name)

    def logout(self, conn: Connection, token: str, *, now: datetime) -> None:
        ended = conn.execute(
            select(account.c.user_id)
            .join(web_session, web_session.c.account_id == account.c.id)
            .where(web_session.c.token_sha256 == _digest(token))
        ).scalar()
        if ended is not None:
            audit.record(conn, at=now, actor=ended, action="logout", subject=f"account:{ended}")
        conn.execute(
            update(web_session)
            .where(web_session.c.token_sha256 == _digest(token), web_session.c.ended_at.is_(None))
            .values(ended_at=now)
        )
