"""Seeds for the File delivery page and API tests: Oncor (a TDSP company), Lone Star Power and
Bluebonnet Energy with their administrators, a Lone Star Power user (no administrator), an
operator, and real keys made by `gpg` in a throwaway GNUPGHOME (good, expiring soon, weak,
expired, secret)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from company_gpg import Keyring
from smt.accounts.model import Transition
from smt.accounts.profiles import Person
from smt.composition import Hub
from smt.store.accounts_tables import audit_event, company

from portal_client import BLUEBONNET, LONE_STAR, PASSWORD, add_oncor_and_reps

OPERATOR = "ops.rosa"
REP_USER = "lsp.user"


@dataclass(frozen=True)
class People:
    lsp: int
    bluebonnet: int
    oncor: int


@dataclass(frozen=True)
class Keys:
    home: Path
    good: str
    good_fingerprint: str
    soon: str  # expires in 10 days: accepted with a warning
    weak: str  # RSA 1024
    expired: str  # expired on 2020-01-02
    secret: str  # the good key's secret half


def make_keys(home: Path) -> Keys:
    ring = Keyring(home)
    good = ring.generate("Lone Star Power <ops@lsp.example>")
    soon = ring.generate("Soon <soon@lsp.example>", expire="10d")
    weak = ring.generate("Weak <weak@lsp.example>", "rsa1024", "sign,encr", "0")
    # A key made "in 2020" that lived one day: really expired, as gpg itself sees it.
    old = ring.run(
        "--faked-system-time",
        "20200101T000000!",
        "--quick-gen-key",
        "Old <old@lsp.example>",
        "future-default",
        "default",
        "1d",
    )
    assert old.returncode == 0, old.stderr.decode()
    return Keys(
        home,
        ring.export(good),
        good,
        ring.export(soon),
        ring.export(weak),
        ring.export("old@lsp.example"),
        ring.export_secret(good),
    )


def seed_people(hub: Hub) -> People:
    now = hub.clock.now()
    with hub.engine.begin() as conn:
        add_oncor_and_reps(hub, conn, LONE_STAR, BLUEBONNET)
        hub.accounts.add_operator(
            conn,
            now=now,
            user_id=OPERATOR,
            person=Person("Rosa", "Vela", "rosa@example.com"),
            password=PASSWORD,
        )
        hub.accounts.register_account(
            conn,
            now=now,
            company_name=LONE_STAR[0],
            user_id=REP_USER,
            person=Person("Uma", "Diaz", "u@example.com"),
            password=PASSWORD,
        )
        admin = hub.accounts.principal(conn, LONE_STAR[2])
        assert admin is not None
        hub.accounts.transition(conn, admin, REP_USER, Transition.APPROVE, now=now)
        ids = dict(conn.execute(select(company.c.name, company.c.id)).all())
        oncor = conn.execute(
            select(company.c.id).where(company.c.tdsp_code == "ONCOR")
        ).scalar_one()
    return People(ids[LONE_STAR[0]], ids[BLUEBONNET[0]], oncor)


def audited(hub: Hub, action: str) -> list[tuple[str, str]]:
    """(actor, subject) of every audit event of this action."""
    t = audit_event.c
    with hub.engine.connect() as conn:
        rows = conn.execute(select(t.actor, t.subject).where(t.action == action).order_by(t.id))
        return [(actor, subject) for actor, subject in rows]
