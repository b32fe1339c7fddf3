"""Who may see which ESIID's usage on which days, and who may do what. Pure: the facts about
an ESIID come from the caller (smt.access.facts reads them from the store).

- a REP sees an ESIID only on the days one of its DUNS was REP of Record;
- a customer sees the ESIIDs attached to their account, from the start of their own occupancy;
- a TDSP sees the ESIIDs of its territory;
- an operator sees everything (and every read of theirs is audited by the caller).
A denial is indistinguishable from absence: the answer is simply "no days".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from smt.accounts.model import CompanyKind, Role
from smt.domain.rep_of_record import RepOfRecord, RorReason


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: an active account with what its company and administrator gave it."""

    user_id: str
    role: Role
    company_id: int | None = None
    tdsp_code: str | None = None
    duns: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class DayRange:
    """Inclusive local dates; `end` None is open."""

    start: date
    end: date | None = None

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


EVERY_DAY = DayRange(date.min)


@dataclass(frozen=True, slots=True)
class Occupancy:
    """A customer's own time at a premise, as attached to their account."""

    start: date
    end: date | None = None


@dataclass(frozen=True, slots=True)
class EsiidFacts:
    esiid: str
    tdsp_code: str | None
    rep_periods: tuple[RepOfRecord, ...] = ()
    # The asking customer's occupancies of this ESIID (empty for anyone else).
    occupancies: tuple[Occupancy, ...] = ()


def visible_days(principal: Principal, facts: EsiidFacts) -> tuple[DayRange, ...]:
    """The days of this ESIID's data the principal may see (possibly none)."""
    match principal.role:
        case Role.OPERATOR:
            return (EVERY_DAY,)
        case Role.TDSP_ADMIN | Role.TDSP_USER:
            same = principal.tdsp_code is not None and facts.tdsp_code == principal.tdsp_code
            return (EVERY_DAY,) if same else ()
        case Role.REP_ADMIN | Role.REP_USER:
            return tuple(
                DayRange(p.start, p.end) for p in facts.rep_periods if p.duns in principal.duns
            )
        case Role.CUSTOMER | Role.NRC_ADMIN | Role.NRC_USER:
            return tuple(DayRange(o.start, o.end) for o in facts.occupancies)
    return ()  # pragma: no cover - every role is matched above


def may_see(principal: Principal, facts: EsiidFacts, day: date) -> bool:
    return any(r.covers(day) for r in visible_days(principal, facts))


def may_see_esiid(principal: Principal, facts: EsiidFacts) -> bool:
    """Whether the ESIID exists for this principal at all (any visible day)."""
    return bool(visible_days(principal, facts))


class Action(StrEnum):
    APPROVE_COMPANY = "approve-company"  # a new REP company and its first administrator
    APPROVE_DUNS = "approve-duns"
    APPROVE_ACCOUNT = "approve-account"  # a new user or administrator of an existing company
    MANAGE_ACCOUNT = "manage-account"  # suspend, reinstate, revoke
    ASSIGN_DUNS = "assign-duns"
    WRITE_BROADCAST = "write-broadcast"
    DETACH_ESIID = "detach-esiid"
    READ_AUDIT = "read-audit"
    # File delivery: PGP key, file-transfer logins, extract formats, extracts on demand.
    MANAGE_FILES = "manage-files"


@dataclass(frozen=True, slots=True)
class Target:
    """What an action is about: a company (and, for account actions, the account's role)."""

    company_id: int | None = None
    company_kind: CompanyKind | None = None
    role: Role | None = None
    user_id: str | None = None
    esiid_tdsp: str | None = None


def may(principal: Principal, action: Action, target: Target) -> bool:
    role = principal.role
    if action in (Action.APPROVE_ACCOUNT, Action.MANAGE_ACCOUNT) and (
        target.user_id == principal.user_id
    ):
        return False  # nobody approves, suspends or deletes themselves, operators included
    if role is Role.OPERATOR:
        return True
    same_company = principal.company_id is not None and principal.company_id == target.company_id
    match action:
        case Action.APPROVE_COMPANY | Action.APPROVE_DUNS:
            # REP companies and their DUNS are approved by a TDSP administrator.
            return role is Role.TDSP_ADMIN and target.company_kind is CompanyKind.REP
        case Action.APPROVE_ACCOUNT | Action.MANAGE_ACCOUNT:
            if target.user_id == principal.user_id:
                return False  # nobody approves or suspends themselves
            return role.is_admin and same_company
        case Action.ASSIGN_DUNS:
            return role is Role.REP_ADMIN and same_company
        case Action.DETACH_ESIID:
            if role in (Role.TDSP_ADMIN, Role.TDSP_USER):
                return target.esiid_tdsp is not None and target.esiid_tdsp == principal.tdsp_code
            return target.user_id == principal.user_id
        case Action.MANAGE_FILES:
            return role in (Role.REP_ADMIN, Role.TDSP_ADMIN) and same_company
        case Action.WRITE_BROADCAST | Action.READ_AUDIT:
            return False
    return False  # pragma: no cover


REP_ROLES = (Role.REP_ADMIN, Role.REP_USER)


def may_provision_han(
    principal: Principal, *, esiid_tdsp: str | None, duns_today: frozenset[str]
) -> bool:
    """A HAN device behind a meter: the ESIID's REP of Record today (one of the principal's
    DUNS), the TDSP of its territory, or an operator (the seed's provisioning matrix)."""
    if principal.role is Role.OPERATOR:
        return True
    if principal.role in (Role.TDSP_ADMIN, Role.TDSP_USER):
        return esiid_tdsp is not None and esiid_tdsp == principal.tdsp_code
    return principal.role in REP_ROLES and bool(principal.duns & duns_today)


def may_message_han(principal: Principal, *, duns: str, duns_today: frozenset[str]) -> bool:
    """HAN messages go from a REP, for the DUNS it names, to ESIIDs whose REP of Record that
    DUNS is today: after a switch the old REP's messages are refused."""
    return principal.role in REP_ROLES and duns in principal.duns and duns in duns_today


def occupancy_end(start: date, periods: tuple[RepOfRecord, ...]) -> date | None:
    """When an occupancy that began on `start` ended, read from the REP of Record history: a
    switch keeps the occupant; a move-out ends the occupancy on its last day, and a move-in (or a
    new service) by someone else ends it the day before. None while it lasts."""
    ordered = sorted(periods, key=lambda p: p.start)
    for index, period in enumerate(ordered):
        if period.end is None or period.end < start:
            continue
        if period.end_reason is RorReason.MOVE_OUT:
            return period.end
        following = ordered[index + 1] if index + 1 < len(ordered) else None
        if (
            following is not None
            and following.start > start
            and following.start_reason in (RorReason.MOVE_IN, RorReason.NEW)
        ):
            return following.start - timedelta(days=1)
    return None
