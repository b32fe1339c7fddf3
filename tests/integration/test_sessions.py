"""Logins and sessions: lockout, sliding idle timeouts, new tokens at every login, logout."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Connection, select
from sqlalchemy.exc import DBAPIError

from smt.accounts import audit
from smt.accounts.model import Transition
from smt.accounts.passwords import Passwords
from smt.accounts.profiles import Person
from smt.accounts.service import AccountService
from smt.accounts.sessions import Login, LoginRefusal, SessionKind, Sessions
from smt.composition import Hub
from smt.store.accounts_tables import web_session

from builders import NOW

PASSWORDS = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
ACCOUNTS = AccountService(PASSWORDS)
SESSIONS = Sessions(PASSWORDS, ACCOUNTS)
PASSWORD = "Correct-Horse-42"


@pytest.fixture
def conn(hub: Hub) -> Iterator[Connection]:
    with hub.engine.begin() as connection:
        ACCOUNTS.add_operator(
            connection,
            now=NOW,
            user_id="ops.rosa",
            person=Person("Rosa", "Vela", "rosa@example.com"),
            password=PASSWORD,
        )
        yield connection


def _login(
    conn: Connection,
    password: str = PASSWORD,
    user_id: str = "ops.rosa",
    kind: SessionKind = SessionKind.PORTAL,
    minutes: int = 0,
) -> Login | LoginRefusal:
    return SESSIONS.login(
        conn, user_id=user_id, password=password, kind=kind, now=NOW + timedelta(minutes=minutes)
    )


def test_a_good_login_gives_a_session_that_slides(conn: Connection) -> None:
    login = _login(conn)
    assert isinstance(login, Login)
    for minute in (15, 30, 45):  # each use within 20 idle minutes keeps it alive
        alive = SESSIONS.resolve(
            conn, login.token, kind=SessionKind.PORTAL, now=NOW + timedelta(minutes=minute)
        )
        assert alive is not None
        assert alive.principal.user_id == "ops.rosa"
    assert (
        SESSIONS.resolve(
            conn, login.token, kind=SessionKind.PORTAL, now=NOW + timedelta(minutes=66)
        )
        is None
    )
    assert (
        SESSIONS.resolve(conn, login.token, kind=SessionKind.API, now=NOW + timedelta(minutes=1))
        is None
    ), "kinds do not mix"
    stored = conn.execute(select(web_session.c.token_sha256)).scalar_one()
    assert login.token not in stored, "only a digest of the token is stored"


def test_api_tokens_idle_at_least_thirty_minutes(conn: Connection) -> None:
    login = _login(conn, kind=SessionKind.API)
    assert isinstance(login, Login)
    assert (
        SESSIONS.resolve(
            conn, login.token, kind=SessionKind.API, now=NOW + timedelta(minutes=29, seconds=59)
        )
        is not None
    )
    assert (
        SESSIONS.resolve(conn, login.token, kind=SessionKind.API, now=NOW + timedelta(minutes=61))
        is None
    ), "30 idle minutes after the last use, and the minute its record may lag"


def _last_seen(conn: Connection) -> object:
    return conn.execute(select(web_session.c.last_seen_at)).scalars().one()


def test_uses_within_a_minute_of_the_recorded_one_write_nothing(conn: Connection) -> None:
    """Every API call resolves its token: writing the session row each time would make every
    read a write (SQLite's one writer, PostgreSQL's row lock). The idle deadline is recorded
    again only once it has moved by a minute."""
    login = _login(conn, kind=SessionKind.API)
    assert isinstance(login, Login)
    recorded = _last_seen(conn)
    for seconds in (1, 30, 59):
        now = NOW + timedelta(seconds=seconds)
        assert SESSIONS.resolve(conn, login.token, kind=SessionKind.API, now=now) is not None
        assert _last_seen(conn) == recorded, f"written again after {seconds} s"
    later = NOW + timedelta(seconds=60)
    assert SESSIONS.resolve(conn, login.token, kind=SessionKind.API, now=later) is not None
    assert _last_seen(conn) != recorded, "a minute later the deadline is recorded again"


def test_an_unrecorded_use_still_keeps_the_token_alive_for_its_whole_idle_time(
    conn: Connection,
) -> None:
    """A use that wrote nothing (59 s after the recorded one) still slides the timeout: the
    token answers until 30 idle minutes after that use, never a 401 before."""
    login = _login(conn, kind=SessionKind.API)
    assert isinstance(login, Login)
    last_use = NOW + timedelta(seconds=59)
    assert SESSIONS.resolve(conn, login.token, kind=SessionKind.API, now=last_use) is not None
    just_before = last_use + timedelta(minutes=30) - timedelta(seconds=1)
    assert SESSIONS.resolve(conn, login.token, kind=SessionKind.API, now=just_before) is not None
    unused = _login(conn, kind=SessionKind.API)
    assert isinstance(unused, Login)
    gone = NOW + timedelta(minutes=31)
    assert SESSIONS.resolve(conn, unused.token, kind=SessionKind.API, now=gone) is None, (
        "idle for 30 minutes and the minute the record may lag: gone"
    )


def test_five_wrong_passwords_lock_the_account_for_a_while(conn: Connection) -> None:
    results = [_login(conn, "Wrong-Horse-42") for _ in range(5)]
    assert results == [LoginRefusal.BAD_CREDENTIALS] * 4 + [LoginRefusal.LOCKED]
    assert _login(conn, minutes=1) is LoginRefusal.LOCKED, "even the right password waits"
    assert isinstance(_login(conn, minutes=16), Login)
    actions = [a for _, a in audit.events_about(conn, "account:ops.rosa")]
    assert actions.count("login-failed") == 5
    assert actions[-1] == "login"


def test_unknown_users_look_like_wrong_passwords(conn: Connection) -> None:
    assert _login(conn, user_id="nobody.here") is LoginRefusal.BAD_CREDENTIALS


def test_every_login_is_a_new_session_and_logout_ends_it(conn: Connection) -> None:
    first, second = _login(conn), _login(conn)
    assert isinstance(first, Login)
    assert isinstance(second, Login)
    assert first.token != second.token
    assert first.csrf_token != second.csrf_token
    SESSIONS.logout(conn, first.token, now=NOW)
    assert SESSIONS.resolve(conn, first.token, kind=SessionKind.PORTAL, now=NOW) is None
    assert SESSIONS.resolve(conn, second.token, kind=SessionKind.PORTAL, now=NOW) is not None


def test_a_suspended_account_loses_its_sessions(conn: Connection) -> None:
    ACCOUNTS.add_operator(
        conn,
        now=NOW,
        user_id="ops.luis",
        person=Person("Luis", "Vela", "luis@example.com"),
        password=PASSWORD,
    )
    login = _login(conn, user_id="ops.luis")
    assert isinstance(login, Login)
    rosa = ACCOUNTS.principal(conn, "ops.rosa")
    assert rosa is not None
    ACCOUNTS.transition(conn, rosa, "ops.luis", Transition.SUSPEND, now=NOW)
    assert SESSIONS.resolve(conn, login.token, kind=SessionKind.PORTAL, now=NOW) is None
    assert _login(conn, user_id="ops.luis") is LoginRefusal.INACTIVE


def test_the_audit_log_is_append_only(conn: Connection) -> None:
    assert audit.events_about(conn, "account:ops.rosa"), "the operator's creation is audited"
    for statement in ("UPDATE audit_event SET actor = 'someone else'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"), conn.begin_nested():
            conn.exec_driver_sql(statement)
    assert audit.events_about(conn, "account:ops.rosa")[0][1] == "create-account"
