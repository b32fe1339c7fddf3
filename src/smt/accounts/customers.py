"""Customers: self-registration, attaching an ESIID by proving it, detaching."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from smt.access.policy import Action, Principal, Target, may
from smt.accounts import audit, records
from smt.accounts.model import Role, Status, WorkflowError, company_key
from smt.accounts.passwords import Passwords
from smt.accounts.profiles import Person
from smt.domain.central_time import today_in_central
from smt.domain.esiid import Esiid, InvalidEsiid
from smt.domain.rep_of_record import RorReason
from smt.store.accounts_tables import (
    account,
    audit_event,
    company,
    company_duns,
    customer_esiid,
)
from smt.store.schema import meter, rep_of_record


class CustomerService:
    def __init__(self, passwords: Passwords) -> None:
        self._passwords = passwords

    def register_customer(
        self, conn: Connection, *, now: datetime, user_id: str, person: Person, password: str
    ) -> str:
        return records.new_account(
            conn,
            self._passwords,
            now=now,
            actor=user_id,
            user_id=user_id,
            person=person,
            password=password,
            role=Role.CUSTOMER,
            company_id=None,
            status=Status.ACTIVE,
        )

    def attach_esiid(
        self,
        conn: Connection,
        actor: Principal,
        *,
        now: datetime,
        esiid: str,
        meter_number: str,
        rep_name: str,
    ) -> date:
        """Attach an ESIID proved by its meter number and the name of its current REP. Returns
        the first day the customer sees: the start of their own occupancy."""
        refused = WorkflowError("the ESIID, meter number and REP name do not match our records")
        if actor.role not in (Role.CUSTOMER, Role.NRC_ADMIN):
            raise WorkflowError("customers attach ESIIDs to their own accounts")
        try:
            number = Esiid.parse(esiid).value
        except InvalidEsiid:
            raise refused from None
        today = today_in_central(now)
        has_meter = conn.execute(
            select(meter.c.esiid).where(
                meter.c.esiid == number,
                meter.c.meter_number == meter_number.strip(),
                (meter.c.removed_on.is_(None)) | (meter.c.removed_on >= today),
            )
        ).first()
        periods = conn.execute(
            select(
                rep_of_record.c.duns,
                rep_of_record.c.start_date,
                rep_of_record.c.end_date,
                rep_of_record.c.start_reason,
            )
            .where(rep_of_record.c.esiid == number)
            .order_by(rep_of_record.c.start_date.desc())
        ).all()
        current = periods[0] if periods and periods[0].end_date is None else None
        rep_company = None
        if current is not None:
            rep_company = conn.execute(
                select(company.c.name_key)
                .join(company_duns, company_duns.c.company_id == company.c.id)
                .where(company_duns.c.duns == current.duns)
            ).scalar()
        if has_meter is None or current is None or rep_company != company_key(rep_name):
            raise refused  # the same answer whichever part is wrong: nothing leaks
        # The occupancy began with the latest move-in (or new service); switches keep it.
        start: date = current.start_date
        for duns, period_start, period_end, reason in periods:
            del duns, period_end
            start = period_start
            if RorReason(reason) in (RorReason.MOVE_IN, RorReason.NEW):
                break
        account_id = records.account_id(conn, actor.user_id)
        if (
            conn.execute(
                select(customer_esiid.c.id).where(
                    customer_esiid.c.account_id == account_id,
                    customer_esiid.c.esiid == number,
                    customer_esiid.c.detached_at.is_(None),
                )
            ).first()
            is not None
        ):
            raise WorkflowError("this ESIID is already on your account")
        conn.execute(
            insert(customer_esiid).values(
                account_id=account_id, esiid=number, occupancy_start=start, attached_at=now
            )
        )
        audit.record(
            conn,
            at=now,
            actor=actor.user_id,
            action="attach-esiid",
            subject=f"esiid:{number}",
            details={"from": start.isoformat()},
        )
        return start

    def add_customer(
        self,
        conn: Connection,
        *,
        now: datetime,
        user_id: str,
        person: Person,
        password: str,
        esiids: list[tuple[str, date]],
    ) -> str:
        """A residential customer with ESIIDs attached from given dates (bootstrap)."""
        self.register_customer(conn, now=now, user_id=user_id, person=person, password=password)
        account_id = records.account_id(conn, user_id)
        for esiid, start in esiids:
            try:
                number = Esiid.parse(esiid).value
            except InvalidEsiid as error:
                raise WorkflowError(str(error)) from None
            conn.execute(
                insert(customer_esiid).values(
                    account_id=account_id, esiid=number, occupancy_start=start, attached_at=now
                )
            )
            audit.record(
                conn,
                at=now,
                actor="cli",
                action="attach-esiid",
                subject=f"esiid:{number}",
                details={"account": user_id, "from": start.isoformat()},
            )
        return user_id

    def detach_esiid(
        self, conn: Connection, actor: Principal, *, user_id: str, esiid: str, now: datetime
    ) -> None:
        target = Target(esiid_tdsp=_tdsp_of(esiid), user_id=user_id)
        account_id = records.account_id(conn, user_id, missing_ok=True)
        if account_id is None or not may(actor, Action.DETACH_ESIID, target):
            raise WorkflowError("no such ESIID on an account you may manage")
        owners: Any = customer_esiid.c.account_id == account_id
        if actor.role is Role.NRC_ADMIN and actor.user_id == user_id:
            # A business's ESIID is the company's: it leaves every account of the company.
            owners = customer_esiid.c.account_id.in_(
                select(account.c.id).where(account.c.company_id == actor.company_id)
            )
        result = conn.execute(
            update(customer_esiid)
            .where(owners, customer_esiid.c.esiid == esiid, customer_esiid.c.detached_at.is_(None))
            .values(detached_at=now, detached_by=actor.user_id)
        )
        if result.rowcount == 0:
            raise WorkflowError("no such ESIID on an account you may manage")
        audit.record(
            conn,
            at=now,
            actor=actor.user_id,
            action="detach-esiid",
            subject=f"esiid:{esiid}",
            details={"account": user_id},
        )


def _tdsp_of(esiid: str) -> str | None:
    try:
        return Esiid.parse(esiid).tdsp.code
    except InvalidEsiid:
        return None


ATTACH_ATTEMPTS_PER_DAY = 10


def attach_attempts_left(conn: Connection, user_id: str, *, now: datetime) -> bool:
    """Whether the account may try to prove another ESIID today: failed proofs are counted
    (audited) so that guessing a meter number or a REP name is slow and leaves a trace."""
    failures = conn.execute(
        select(func.count())
        .select_from(audit_event)
        .where(
            audit_event.c.actor == user_id,
            audit_event.c.action == "attach-esiid-failed",
            audit_event.c.at > now - timedelta(days=1),
        )
    ).scalar_one()
    return int(failures) < ATTACH_ATTEMPTS_PER_DAY
