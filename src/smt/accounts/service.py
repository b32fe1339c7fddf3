"""Account workflows: registration, approval, suspension, DUNS, customers and their ESIIDs.

Every method works inside the caller's transaction (the edge opens the unit of work), checks
the actor against the access policy, refuses with a WorkflowError that says why, and writes an
audit event for every change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from smt.access.policy import Action, Principal, Target, may
from smt.accounts import audit, customer_service, records, system_accounts
from smt.accounts.model import (
    ROLES_OF_KIND,
    CompanyKind,
    Role,
    Status,
    Transition,
    WorkflowError,
    company_key,
    next_status,
    user_key,
)
from smt.accounts.passwords import Passwords
from smt.accounts.profiles import CompanyProfile, Person
from smt.domain.duns import Duns, InvalidDuns
from smt.domain.esiid import Esiid, InvalidEsiid
from smt.domain.tdsp import tdsp_by_code
from smt.store.accounts_tables import (
    account,
    account_duns,
    company,
    company_duns,
)

# Who is asking is looked up on every request: these are built once and bound per call
# (building a statement costs more than running it).
_ACCOUNT = (
    select(
        account.c.id,
        account.c.user_id,
        account.c.role,
        account.c.company_id,
        company.c.tdsp_code,
        account.c.status,
    )
    .outerjoin(company, company.c.id == account.c.company_id)
    .where(account.c.user_key == bindparam("user_key"))
)
_APPROVED = company_duns.c.status == "approved"
_COMPANY_DUNS = select(company_duns.c.duns).where(
    company_duns.c.company_id == bindparam("company_id"), _APPROVED
)
_ACCOUNT_DUNS = (
    select(account_duns.c.duns)
    .join(company_duns, company_duns.c.duns == account_duns.c.duns)
    .where(account_duns.c.account_id == bindparam("account_id"), _APPROVED)
)


class AccountService:
    def __init__(self, passwords: Passwords) -> None:
        self._passwords = passwords

    # --- who is asking ----------------------------------------------------------------------

    def principal(self, conn: Connection, user_id: str) -> Principal | None:
        """The active account `user_id` as the policy sees it, or None. A name that is no
        account's may be a system account's (the two share one namespace): queued work
        recorded under a system account finds its requester again the same way."""
        row = conn.execute(_ACCOUNT, {"user_key": user_key(user_id)}).first()
        if row is None:
            return self.system_principal(conn, user_id)
        return self.principal_of(conn, row)

    def principal_of(self, conn: Connection, columns: Sequence[Any]) -> Principal | None:
        """The principal of an account row already read, _ACCOUNT's columns in its order (a
        session's lookup reads them along)."""
        account_id, uid, role_text, company_id, tdsp_code, status = columns
        if status != Status.ACTIVE:
            return None
        role = Role(role_text)
        duns: frozenset[str] = frozenset()
        if role is Role.REP_ADMIN:
            duns = frozenset(conn.execute(_COMPANY_DUNS, {"company_id": company_id}).scalars())
        elif role is Role.REP_USER:
            duns = frozenset(conn.execute(_ACCOUNT_DUNS, {"account_id": account_id}).scalars())
        return Principal(uid, role, company_id, tdsp_code, duns)

    def system_principal(self, conn: Connection, name: str) -> Principal | None:
        """The active system account `name` as the policy sees it, or None."""
        return system_accounts.principal(conn, name)

    # --- bootstrap (smt accounts) -----------------------------------------------------------

    def add_operator(
        self, conn: Connection, *, now: datetime, user_id: str, person: Person, password: str
    ) -> str:
        operators = records.find_company(conn, kind=CompanyKind.OPERATOR)
        if operators is None:
            operators = records.new_company(
                conn,
                CompanyProfile("Smart Meter Texas Operations"),
                CompanyKind.OPERATOR,
                Status.ACTIVE,
                now,
            )
        return records.new_account(
            conn,
            self._passwords,
            now=now,
            actor="cli",
            user_id=user_id,
            person=person,
            password=password,
            role=Role.OPERATOR,
            company_id=operators,
            status=Status.ACTIVE,
        )

    def add_tdsp(
        self,
        conn: Connection,
        *,
        now: datetime,
        tdsp_code: str,
        user_id: str,
        person: Person,
        password: str,
    ) -> str:
        try:
            tdsp = tdsp_by_code(tdsp_code)
        except LookupError:
            raise WorkflowError(
                f"no TDSP {tdsp_code!r}; one of ONCOR, CNP, AEPC, AEPN, TNMP"
            ) from None
        company_id = records.find_company(conn, kind=CompanyKind.TDSP, tdsp_code=tdsp.code)
        if company_id is None:
            company_id = records.new_company(
                conn,
                CompanyProfile(tdsp.name),
                CompanyKind.TDSP,
                Status.ACTIVE,
                now,
                tdsp_code=tdsp.code,
            )
        return records.new_account(
            conn,
            self._passwords,
            now=now,
            actor="cli",
            user_id=user_id,
            person=person,
            password=password,
            role=Role.TDSP_ADMIN,
            company_id=company_id,
            status=Status.ACTIVE,
        )

    def add_rep(
        self,
        conn: Connection,
        *,
        now: datetime,
        profile: CompanyProfile,
        duns: list[str],
        user_id: str,
        person: Person,
        password: str,
    ) -> str:
        """An approved REP company with its DUNS and first administrator (bootstrap)."""
        company_id = self.register_rep_company(
            conn,
            now=now,
            profile=profile,
            duns=duns,
            user_id=user_id,
            person=person,
            password=password,
        )
        self._approve_company(conn, company_id, actor="cli", now=now)
        return user_id

    def add_system_account(
        self,
        conn: Connection,
        *,
        now: datetime,
        name: str,
        duns: str,
        password: str,
        certificate_sha256: str | None = None,
    ) -> str:
        """A web-service account acting for one approved DUNS of its company."""
        return system_accounts.add(
            conn,
            self._passwords,
            now=now,
            name=name,
            duns=_duns(duns),
            password=password,
            certificate_sha256=certificate_sha256,
        )

    def register_business(
        self,
        conn: Connection,
        *,
        now: datetime,
        profile: CompanyProfile,
        user_id: str,
        person: Person,
        password: str,
    ) -> int:
        """A non-residential customer company and its first administrator, active at once:
        the company's ESIIDs are proved one by one when they are attached."""
        company_id = records.new_company(conn, profile, CompanyKind.CUSTOMER, Status.ACTIVE, now)
        records.new_account(
            conn,
            self._passwords,
            now=now,
            actor=user_id,
            user_id=user_id,
            person=person,
            password=password,
            role=Role.NRC_ADMIN,
            company_id=company_id,
            status=Status.ACTIVE,
        )
        return company_id

    # --- REP companies and their DUNS -------------------------------------------------------

    def register_rep_company(
        self,
        conn: Connection,
        *,
        now: datetime,
        profile: CompanyProfile,
        duns: list[str],
        user_id: str,
        person: Person,
        password: str,
    ) -> int:
        """A new REP company, its DUNS and first administrator, all waiting for a TDSP
        administrator's approval."""
        numbers = [_duns(d) for d in duns]
        if not numbers:
            raise WorkflowError("a REP company has at least one DUNS number")
        company_id = records.new_company(conn, profile, CompanyKind.REP, Status.PENDING, now)
        for number in numbers:
            records.new_duns(conn, company_id, number, now)
        records.new_account(
            conn,
            self._passwords,
            now=now,
            actor=user_id,
            user_id=user_id,
            person=person,
            password=password,
            role=Role.REP_ADMIN,
            company_id=company_id,
            status=Status.PENDING,
        )
        audit.record(
            conn,
            at=now,
            actor=user_id,
            action="register-company",
            subject=f"company:{company_id}",
            details={"duns": numbers},
        )
        return company_id

    def approve_company(
        self,
        conn: Connection,
        actor: Principal,
        company_id: int,
        *,
        now: datetime,
        approve: bool = True,
    ) -> None:
        kind, status = records.company_state(conn, company_id)
        if not may(actor, Action.APPROVE_COMPANY, Target(company_id, kind)):
            raise WorkflowError("only a TDSP administrator approves a REP company")
        if not approve:
            new = next_status(status, Transition.REJECT)
            conn.execute(update(company).where(company.c.id == company_id).values(status=new))
            conn.execute(
                update(account)
                .where(account.c.company_id == company_id, account.c.status == Status.PENDING)
                .values(status=Status.REJECTED)
            )
            conn.execute(
                update(company_duns)
                .where(company_duns.c.company_id == company_id)
                .values(status="rejected", decided_at=now, decided_by=actor.user_id)
            )
            audit.record(
                conn,
                at=now,
                actor=actor.user_id,
                action="reject-company",
                subject=f"company:{company_id}",
            )
            return
        next_status(status, Transition.APPROVE)
        self._approve_company(conn, company_id, actor=actor.user_id, now=now)

    def _approve_company(
        self, conn: Connection, company_id: int, *, actor: str, now: datetime
    ) -> None:
        conn.execute(update(company).where(company.c.id == company_id).values(status=Status.ACTIVE))
        conn.execute(
            update(company_duns)
            .where(company_duns.c.company_id == company_id, company_duns.c.status == "pending")
            .values(status="approved", decided_at=now, decided_by=actor)
        )
        admins = (
            conn.execute(
                update(account)
                .where(
                    account.c.company_id == company_id,
                    account.c.role == Role.REP_ADMIN,
                    account.c.status == Status.PENDING,
                )
                .values(status=Status.ACTIVE)
                .returning(account.c.user_id)
            )
            .scalars()
            .all()
        )
        audit.record(
            conn, at=now, actor=actor, action="approve-company", subject=f"company:{company_id}"
        )
        for admin in admins:
            audit.record(
                conn,
                at=now,
                actor=actor,
                action="approve-account",
                subject=f"account:{admin}",
                details={"status": Status.ACTIVE.value},
            )
        name = conn.execute(select(company.c.name).where(company.c.id == company_id)).scalar_one()
        first_duns = conn.execute(
            select(company_duns.c.duns)
            .where(company_duns.c.company_id == company_id, company_duns.c.status == "approved")
            .order_by(company_duns.c.requested_at, company_duns.c.duns)
            .limit(1)
        ).scalar()
        if first_duns is None:
            raise WorkflowError("a REP company is approved with at least one of its DUNS")
        customer_service.provision(
            conn, rep_company_id=company_id, rep_name=name, duns=first_duns, now=now
        )

    def request_duns(self, conn: Connection, actor: Principal, duns: str, *, now: datetime) -> None:
        if actor.role is not Role.REP_ADMIN or actor.company_id is None:
            raise WorkflowError("only a REP administrator adds a DUNS to the company")
        number = _duns(duns)
        records.new_duns(conn, actor.company_id, number, now)
        audit.record(
            conn, at=now, actor=actor.user_id, action="request-duns", subject=f"duns:{number}"
        )

    def decide_duns(
        self, conn: Connection, actor: Principal, duns: str, *, now: datetime, approve: bool
    ) -> None:
        number = _duns(duns)
        row = conn.execute(
            select(
                company_duns.c.company_id,
                company_duns.c.status,
                company.c.status.label("company_status"),
            )
            .join(company, company.c.id == company_duns.c.company_id)
            .where(company_duns.c.duns == number)
        ).first()
        # A new company's DUNS are decided with the company; here only later requests are.
        if (
            row is None
            or row.company_status != Status.ACTIVE
            or not may(actor, Action.APPROVE_DUNS, Target(row.company_id, CompanyKind.REP))
        ):
            raise WorkflowError("no DUNS request of yours to decide")  # alike when absent
        if row.status != "pending":
            raise WorkflowError(f"DUNS {number} is already {row.status}")
        duns = number
        conn.execute(
            update(company_duns)
            .where(company_duns.c.duns == duns)
            .values(
                status="approved" if approve else "rejected",
                decided_at=now,
                decided_by=actor.user_id,
            )
        )
        audit.record(
            conn,
            at=now,
            actor=actor.user_id,
            action="approve-duns" if approve else "reject-duns",
            subject=f"duns:{duns}",
        )

    # --- accounts of existing companies -----------------------------------------------------

    def register_account(
        self,
        conn: Connection,
        *,
        now: datetime,
        company_name: str,
        role: Role | None = None,
        administrator: bool = False,
        user_id: str,
        person: Person,
        password: str,
    ) -> str:
        """A new user or administrator of a company found by name; waits for one of its
        administrators. Without `role`, the company's kind decides it (REP, TDSP, business
        customer), with `administrator` choosing between its administrator and user roles."""
        row = conn.execute(
            select(
                company.c.id, company.c.kind, company.c.status, company.c.serves_company_id
            ).where(company.c.name_key == company_key(company_name))
        ).first()
        # Nobody joins the operators or a REP's customer-service company.
        if (
            row is None
            or row.status != Status.ACTIVE
            or row.kind == CompanyKind.OPERATOR
            or row.serves_company_id is not None
        ):
            raise WorkflowError(f"no active company named {company_name!r}")
        if role is None:
            role = ROLES_OF_KIND[CompanyKind(row.kind)][administrator]
        if role.company_kind is None or role.company_kind.value != row.kind:
            raise WorkflowError(f"a {row.kind} company has no {role.value} accounts")
        if role is Role.REP_ADMIN:
            records.check_admin_room(conn, row.id)
        return records.new_account(
            conn,
            self._passwords,
            now=now,
            actor=user_id,
            user_id=user_id,
            person=person,
            password=password,
            role=role,
            company_id=row.id,
            status=Status.PENDING,
        )

    def transition(
        self, conn: Connection, actor: Principal, user_id: str, change: Transition, *, now: datetime
    ) -> Status:
        """Approve, reject, suspend, reinstate, revoke or delete an account."""
        row = conn.execute(
            select(
                account.c.id,
                account.c.user_id,
                account.c.role,
                account.c.status,
                account.c.company_id,
            ).where(account.c.user_key == user_key(user_id))
        ).first()
        action = (
            Action.APPROVE_ACCOUNT
            if change in (Transition.APPROVE, Transition.REJECT)
            else Action.MANAGE_ACCOUNT
        )
        target = Target(row.company_id, None, Role(row.role), row.user_id) if row else None
        if row is None or target is None or not may(actor, action, target):
            raise WorkflowError(f"no account {user_id!r} you may manage")  # alike when absent
        new = next_status(Status(row.status), change)
        if new is Status.ACTIVE and Role(row.role) is Role.REP_ADMIN:
            records.check_admin_room(conn, row.company_id, excluding=row.id)
        # Only from the status read above: a concurrent change makes this one fail, never
        # produce a transition the state machine forbids.
        changed = conn.execute(
            update(account)
            .where(account.c.id == row.id, account.c.status == row.status)
            .values(status=new)
        )
        if changed.rowcount != 1:
            raise WorkflowError(f"account {row.user_id} changed meanwhile; try again")
        if new is not Status.ACTIVE:
            records.end_sessions(conn, row.id, now=now)
        audit.record(
            conn,
            at=now,
            actor=actor.user_id,
            action=f"{change.value}-account",
            subject=f"account:{row.user_id}",
            details={"status": new.value},
        )
        return new

    def assign_duns(
        self, conn: Connection, actor: Principal, user_id: str, duns: list[str], *, now: datetime
    ) -> None:
        row = conn.execute(
            select(account.c.id, account.c.user_id, account.c.role, account.c.company_id).where(
                account.c.user_key == user_key(user_id)
            )
        ).first()
        if row is None or not may(
            actor, Action.ASSIGN_DUNS, Target(row.company_id, CompanyKind.REP)
        ):
            raise WorkflowError(f"no account {user_id!r} you may manage")
        if Role(row.role) is not Role.REP_USER:
            raise WorkflowError("DUNS are assigned to REP users; administrators hold them all")
        numbers = {_duns(d) for d in duns}
        if not numbers <= actor.duns:
            raise WorkflowError("only the company's approved DUNS can be assigned")
        conn.execute(account_duns.delete().where(account_duns.c.account_id == row.id))
        if numbers:
            conn.execute(
                insert(account_duns), [{"account_id": row.id, "duns": d} for d in sorted(numbers)]
            )
        audit.record(
            conn,
            at=now,
            actor=actor.user_id,
            action="assign-duns",
            subject=f"account:{row.user_id}",
            details={"duns": sorted(numbers)},
        )


def _duns(text: str) -> str:
    try:
        return Duns.parse(text).value
    except InvalidDuns as error:
        raise WorkflowError(str(error)) from None


def _tdsp_of(esiid: str) -> str | None:
    try:
        return Esiid.parse(esiid).tdsp.code
    except InvalidEsiid:
        return None
