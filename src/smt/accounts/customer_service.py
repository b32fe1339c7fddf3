"""A REP's four customer-service logins (residential English, residential Spanish,
non-residential administrator, non-residential user), given when the REP company is approved.

They see exactly the screens a customer sees, over fictitious ESIIDs that carry representative
usage. The fictitious ESIIDs are Oncor-shaped numbers in a block no real premise uses
(1044372099xxxxxxx); the REP company is their REP of Record, so its own staff see them too. The
logins have no password until one of the REP's administrators sets one. Their user IDs carry a
`+`, which registered user IDs may not, so nobody can take one first; their business company is
outside the namespace of company names, and nobody can join it.
"""

from __future__ import annotations

import hashlib
import math
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, insert, select, update

from smt.access.policy import Principal
from smt.accounts import audit, records
from smt.accounts.model import CompanyKind, NotYours, Role, Status, user_key
from smt.accounts.passwords import Passwords
from smt.domain.central_time import CENTRAL, slot_count, slot_start, today_in_central
from smt.domain.interval_day import pack_wh
from smt.domain.rep_of_record import RorReason
from smt.store import journal
from smt.store.accounts_tables import account, company, customer_esiid
from smt.store.schema import rep_of_record
from smt.store.usage_store import appender_for

SAMPLE_DAYS = 45
# user ID suffix, role, language, non-residential
LOGINS = (
    ("res.en", Role.CUSTOMER, "en", False),
    ("res.es", Role.CUSTOMER, "es", False),
    ("nrc.admin", Role.NRC_ADMIN, "en", True),
    ("nrc.user", Role.NRC_USER, "en", True),
)


def fictitious_esiid(rep_company_id: int, *, commercial: bool) -> str:
    return f"1044372099{rep_company_id:06d}{2 if commercial else 1}"


def representative_day(day: date, *, commercial: bool) -> list[int]:
    """A plausible Texas day in watt-hours per quarter hour: a summer afternoon peak, morning
    and evening shoulders for homes, business hours for a shop. Deterministic."""
    season = 0.5 + 0.5 * math.cos((day.timetuple().tm_yday - 200) / 365 * 2 * math.pi)
    weekend = day.weekday() >= 5
    values = []
    for slot in range(slot_count(day)):
        local = slot_start(day, slot).astimezone(CENTRAL)
        hour = local.hour + local.minute / 60
        if commercial:
            open_hours = 0.0 if weekend else max(0.0, math.sin((hour - 6) / 14 * math.pi))
            kw = 6 + 30 * open_hours * (0.7 + 0.6 * season)
        else:
            evening = math.exp(-((hour - 19) ** 2) / 6)
            morning = math.exp(-((hour - 7) ** 2) / 2)
            afternoon = math.exp(-((hour - 16) ** 2) / 8) * season
            kw = 0.45 + 1.1 * evening + 0.5 * morning + 2.6 * afternoon
        values.append(round(kw * 250))  # kW over 15 minutes, in Wh
    return values


def provision(
    conn: Connection, *, rep_company_id: int, rep_name: str, duns: str, now: datetime
) -> list[str]:
    """Create the customer-service company, its four logins, their fictitious ESIIDs and
    representative usage. Returns the user IDs."""
    cs_company = conn.execute(
        insert(company)
        .values(
            kind=CompanyKind.CUSTOMER.value,
            name=f"{rep_name} customer service",
            name_key=f"\tcustomer-service:{rep_company_id}",  # no name can fold to this
            status=Status.ACTIVE.value,
            serves_company_id=rep_company_id,
            created_at=now,
        )
        .returning(company.c.id)
    ).scalar_one()
    today = today_in_central(now)
    first_day = today - timedelta(days=SAMPLE_DAYS)
    esiids = {kind: fictitious_esiid(rep_company_id, commercial=kind) for kind in (False, True)}
    for esiid in esiids.values():
        conn.execute(
            insert(rep_of_record).values(
                esiid=esiid,
                tdsp="ONCOR",
                duns=duns,
                start_date=first_day,
                start_reason=RorReason.NEW.value,
                updated_at=now,
                file_id=0,
            )
        )  # 0: no file
    _sample_usage(conn, esiids, duns=duns, first=first_day, last=today - timedelta(days=1), now=now)
    created = []
    for suffix, role, language, commercial in LOGINS:
        user_id = f"cs+{rep_company_id}.{suffix}"
        result = conn.execute(
            insert(account)
            .values(
                user_id=user_id,
                user_key=user_key(user_id),
                # A residential customer has no company; the business logins share one.
                company_id=cs_company if commercial else None,
                service_login_of=rep_company_id,
                role=role.value,
                status=Status.ACTIVE.value,
                first_name="Customer",
                last_name="Service",
                email=f"{user_id}@customer-service.invalid",
                language=language,
                password_hash=None,
                failed_logins=0,
                created_at=now,
            )
            .returning(account.c.id)
        )
        conn.execute(
            insert(customer_esiid).values(
                account_id=result.scalar_one(),
                esiid=esiids[commercial],
                occupancy_start=first_day,
                attached_at=now,
            )
        )
        created.append(user_id)
        audit.record(
            conn,
            at=now,
            actor="system",
            action="create-account",
            subject=f"account:{user_id}",
            details={"role": role.value},
        )
    audit.record(
        conn,
        at=now,
        actor="system",
        action="provision-customer-service",
        subject=f"company:{rep_company_id}",
        details={"logins": created},
    )
    return created


def _sample_usage(
    conn: Connection, esiids: dict[bool, str], *, duns: str, first: date, last: date, now: datetime
) -> None:
    digest = hashlib.sha256(f"{sorted(esiids.values())}{now.isoformat()}".encode()).hexdigest()
    file_id = journal.open_file(
        conn,
        file_name=f"customer-service-sample-{duns}",
        kind="CustomerServiceSample",
        interface="",
        sender_duns=duns,
        tdsp="ONCOR",
        sha256=digest,
        dedupe_key=None,
        size_bytes=0,
        received_at=now,
        outcome="accepted",
    )
    appender = appender_for(conn)
    encode = appender.encoder()
    rows = []
    day = first
    while day <= last:
        for commercial, esiid in esiids.items():
            values = representative_day(day, commercial=commercial)
            rows.append(
                (
                    esiid,
                    encode(day),
                    "C",
                    1,
                    len(values),
                    pack_wh(values),
                    "A" * len(values),
                    sum(values),
                    encode(now),
                    file_id,
                )
            )
        day += timedelta(days=1)
    appender.append_intervals(conn, rows)
    journal.close_file(
        conn,
        file_id,
        outcome="accepted",
        completed_at=now,
        total=len(rows),
        loaded=len(rows),
        unchanged=0,
        rejected=0,
    )


def logins_of(conn: Connection, rep_company_id: int) -> list[tuple[str, str, bool]]:
    """(user ID, role, has a password) of a REP company's customer-service logins."""
    rows = conn.execute(
        select(account.c.user_id, account.c.role, account.c.password_hash)
        .where(account.c.service_login_of == rep_company_id)
        .order_by(account.c.id)
    )
    return [(uid, role, bool(digest)) for uid, role, digest in rows]


def set_password(
    conn: Connection,
    passwords: Passwords,
    actor: Principal,
    user_id: str,
    password: str,
    *,
    now: datetime,
) -> None:
    if actor.role is not Role.REP_ADMIN or actor.company_id is None:
        raise NotYours("no such customer-service login of your company")
    if user_id not in {uid for uid, _, _ in logins_of(conn, actor.company_id)}:
        raise NotYours("no such customer-service login of your company")
    account_id = conn.execute(select(account.c.id).where(account.c.user_id == user_id)).scalar_one()
    records.end_sessions(conn, account_id, now=now)  # whoever held the old password is out
    conn.execute(
        update(account)
        .where(account.c.id == account_id)
        .values(
            password_hash=passwords.hash(password, user_id=user_id),
            failed_logins=0,
            locked_until=None,
        )
    )
    audit.record(
        conn, at=now, actor=actor.user_id, action="set-password", subject=f"account:{user_id}"
    )
