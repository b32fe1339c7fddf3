"""The facts the policy needs about one ESIID, read from the store."""

from __future__ import annotations

from sqlalchemy import Connection, select

from smt.access.policy import EsiidFacts, Occupancy, Principal, occupancy_end
from smt.accounts.model import Role
from smt.domain.rep_of_record import RepOfRecord, RorReason
from smt.domain.tdsp import tdsp_for_esiid
from smt.store.accounts_tables import account, customer_esiid
from smt.store.schema import rep_of_record

CUSTOMER_ROLES = (Role.CUSTOMER, Role.NRC_ADMIN, Role.NRC_USER)


def esiid_facts(conn: Connection, principal: Principal, esiid: str) -> EsiidFacts:
    tdsp = tdsp_for_esiid(esiid)
    t = rep_of_record.c
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
            select(t.duns, t.start_date, t.end_date, t.start_reason, t.end_reason)
            .where(t.esiid == esiid)
            .order_by(t.start_date, t.id)
        )
    )
    occupancies: tuple[Occupancy, ...] = ()
    if principal.role in CUSTOMER_ROLES:
        c = customer_esiid.c
        rows = conn.execute(
            select(c.occupancy_start, c.occupancy_end)
            .join(account, account.c.id == c.account_id)
            .where(
                account.c.user_id == principal.user_id, c.esiid == esiid, c.detached_at.is_(None)
            )
        )
        found = []
        for start, end in rows:
            computed = occupancy_end(start, periods)
            ends = [d for d in (end, computed) if d is not None]
            found.append(Occupancy(start, min(ends) if ends else None))
        occupancies = tuple(found)
    return EsiidFacts(esiid, tdsp.code if tdsp else None, periods, occupancies)
