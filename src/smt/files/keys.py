"""Companies' PGP keys: uploaded by their administrators (portal and API), checked for strength
and expiry, one current key per company. Every file delivered to a company is encrypted to its
current key; without a usable one, delivery waits and `key_problem` says why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from smt.access.policy import Action, Principal, Target, may
from smt.accounts import audit
from smt.accounts.model import CompanyKind, NotYours
from smt.files.pgp import EXPIRY_WARNING, Encryptor, KeyInfo
from smt.store.accounts_tables import company
from smt.store.files_tables import company_pgp_key

NO_KEY = "no PGP public key: upload one on the File delivery page"


@dataclass(frozen=True, slots=True)
class CompanyKey:
    fingerprint: str
    armored: str
    algorithm: str
    bits: int
    user_ids: str
    expires_at: datetime | None
    uploaded_by: str
    uploaded_at: datetime

    def warning(self, now: datetime) -> str:
        if self.expires_at is not None and self.expires_at - now < EXPIRY_WARNING:
            return f"the key expires on {self.expires_at.date()}: upload its successor soon"
        return ""

    def problem(self, now: datetime) -> str:
        if self.expires_at is not None and self.expires_at <= now:
            return f"the PGP key {self.fingerprint[-16:]} expired on {self.expires_at.date()}"
        return ""


def company_of(conn: Connection, company_id: int) -> tuple[CompanyKind, str, str | None] | None:
    """(kind, status, TDSP code) of a company, or None."""
    row = conn.execute(
        select(company.c.kind, company.c.status, company.c.tdsp_code).where(
            company.c.id == company_id
        )
    ).first()
    return (CompanyKind(row.kind), row.status, row.tdsp_code) if row else None


def check_manager(conn: Connection, actor: Principal, company_id: int) -> CompanyKind:
    """A REP's or TDSP's own administrators (and operators) manage its file delivery; anyone
    else finds no such company."""
    found = company_of(conn, company_id)
    if found is None or found[0] not in (CompanyKind.REP, CompanyKind.TDSP):
        raise NotYours("no such company")
    if not may(actor, Action.MANAGE_FILES, Target(company_id=company_id, company_kind=found[0])):
        raise NotYours("no such company")
    return found[0]


def current_key(conn: Connection, company_id: int) -> CompanyKey | None:
    t = company_pgp_key.c
    row = conn.execute(
        select(
            t.fingerprint,
            t.armored,
            t.algorithm,
            t.bits,
            t.user_ids,
            t.expires_at,
            t.uploaded_by,
            t.uploaded_at,
        )
        .where(t.company_id == company_id, t.replaced_at.is_(None))
        .order_by(t.id.desc())
    ).first()
    return CompanyKey(*row) if row else None


def key_problem(conn: Connection, company_id: int, now: datetime) -> str:
    """Why files cannot be delivered to this company now, or empty."""
    key = current_key(conn, company_id)
    if key is None:
        return NO_KEY
    return key.problem(now)


def upload_key(
    conn: Connection,
    encryptor: Encryptor,
    actor: Principal,
    company_id: int,
    armored: str,
    *,
    now: datetime,
) -> KeyInfo:
    """Check and store the company's new key (the previous one is kept, replaced); raises
    KeyRefused with the reason, NotYours when the actor does not manage the company."""
    check_manager(conn, actor, company_id)
    info = encryptor.inspect(armored.strip() + "\n", now=now)
    conn.execute(
        update(company_pgp_key)
        .where(company_pgp_key.c.company_id == company_id, company_pgp_key.c.replaced_at.is_(None))
        .values(replaced_at=now)
    )
    conn.execute(
        insert(company_pgp_key).values(
            company_id=company_id,
            fingerprint=info.fingerprint,
            armored=armored.strip() + "\n",
            algorithm=info.algorithm,
            bits=info.bits,
            user_ids="; ".join(info.user_ids)[:1000],
            expires_at=info.expires_at,
            uploaded_by=actor.user_id,
            uploaded_at=now,
        )
    )
    audit.record(
        conn,
        at=now,
        actor=actor.user_id,
        action="upload-pgp-key",
        subject=f"company:{company_id}",
        details={"fingerprint": info.fingerprint, "expires": str(info.expires_at or "")},
    )
    return info
