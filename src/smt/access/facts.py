"""The facts the policy needs about one ESIID, read from the store."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, func, select

from smt.access.policy import EsiidFacts, Occupancy, Principal, occupancy_end
from smt.accounts.model import Role
from smt.domain.rep_of_record import RepOfRecord, RorReason
from smt.domain.tdsp import tdsp_for_esiid
from smt.store.accounts_tables import account, customer_esiid
from smt.store.schema import rep_of_record

CUSTOMER_ROLES = (Role.CUSTOMER, Role.NRC_ADMIN, Role.NRC_USER)

# Built once, bound per call: read on every usage request, and building a statement costs
# more than running it.
_REP_PERIODS = (
    select(
        rep_of_record.c.duns,
        rep_of_record.c.start_date,
        rep_of_record.c.end_date,
        rep_of_record.c.start_reason,
        rep_of_record.c.end_reason,
    )
    .where(rep_of_record.c.esiid == bindparam("esiid"))
    .order_by(rep_of_record.c.start_date, rep_of_record.c.id)
)


def esiid_facts(conn: Connection, principal: Principal, esiid: str) -> EsiidFacts:
    tdsp = tdsp_for_esiid(esiid)
    periods = tuple(
        RepOfRecord(
            esiid,
            duns,
            start,
            end,
            RorReason(start_reason),
            RorReason(end_reason) if end_reason else None,
        )
        for duns, start, end, start_reason, end_reason in conn.execute(
            _REP_PERIODS, {"esiid": esiid}
        )
    )
    occupancies: tuple[Occupancy, ...] = ()
    if principal.role in CUSTOMER_ROLES:
        c = customer_esiid.c
        rows = conn.execute(
            select(c.occupancy_start, c.occupancy_end)
            .join(account, account.c.id == c.account_id)
            .where(_attached_to(principal), c.esiid == esiid, c.detached_at.is_(None))
        )
        found = []
        for start, end in rows:
            computed = occupancy_end(start, periods)
            ends = [d for d in (end, computed) if d is not None]
            found.append(Occupancy(start, min(ends) if ends else None))
        occupancies = tuple(found)
    return EsiidFacts(esiid, tdsp.code if tdsp else None, periods, occupancies)


def _attached_to(principal: Principal) -> Any:
    """A residential customer's own ESIIDs; a business's ESIIDs are its company's."""
    if principal.role is Role.CUSTOMER or principal.company_id is None:
        return account.c.user_id == principal.user_id
    return account.c.company_id == principal.company_id


def attached_esiids(conn: Connection, principal: Principal) -> list[tuple[str, date]]:
    """The ESIIDs a customer (or a business's people) see, with the first day they see."""
    if principal.role not in CUSTOMER_ROLES:
        return []
    c = customer_esiid.c
    rows = conn.execute(
        select(c.esiid, func.min(c.occupancy_start))
        .join(account, account.c.id == c.account_id)
        .where(_attached_to(principal), c.detached_at.is_(None))
        .group_by(c.esiid)
        .order_by(c.esiid)
    )
    return [(esiid, start) for esiid, start in rows]


def reps_of_record_on(
    conn: Connection, esiids: list[str], day: date, *, chunk: int = 900
) -> dict[str, frozenset[str]]:
    """The DUNS serving each ESIID on `day` (empty when none); chunked under SQLite's limit on
    bound parameters."""
    t = rep_of_record.c
    found: dict[str, set[str]] = {e: set() for e in esiids}
    for start in range(0, len(esiids), chunk):
        part = esiids[start : start + chunk]
        rows = conn.execute(
            select(t.esiid, t.duns).where(
                t.esiid.in_(part),
                t.start_date <= day,
                (t.end_date.is_(None)) | (t.end_date >= day),
            )
        )
        for esiid, duns in rows:
            found[esiid].add(duns)
    return {e: frozenset(d) for e, d in found.items()}
