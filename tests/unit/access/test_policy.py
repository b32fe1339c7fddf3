"""The access policy as a table of cases: switches and moves on their boundary days."""

from __future__ import annotations

from datetime import date

import pytest

from smt.access.policy import (
    Action,
    EsiidFacts,
    Occupancy,
    Principal,
    Target,
    may,
    may_see,
    may_see_esiid,
    occupancy_end,
)
from smt.accounts.model import CompanyKind, Role
from smt.domain.rep_of_record import RepOfRecord
from smt.domain.rep_of_record import RorReason as R

ESIID = "10443720000000001"
OTHER = "10443720000000002"
A, B, C = "111111111", "222222222", "3333333330000"

# REP A serves until a switch to B on 3 March; B's customer moves out on 1 July (B's last day
# 30 June); the premise stands vacant; a new occupant moves in with C on 5 July.
HISTORY = (
    RepOfRecord(ESIID, A, date(2024, 3, 1), date(2026, 3, 2), R.NEW, R.SWITCH),
    RepOfRecord(ESIID, B, date(2026, 3, 3), date(2026, 6, 30), R.SWITCH, R.MOVE_OUT),
    RepOfRecord(ESIID, C, date(2026, 7, 5), None, R.MOVE_IN),
)
OTHER_HISTORY = (RepOfRecord(OTHER, B, date(2025, 1, 1), None, R.NEW),)

REP_A = Principal("rep.a", Role.REP_USER, 10, duns=frozenset({A}))
REP_B = Principal("rep.b", Role.REP_ADMIN, 11, duns=frozenset({B}))
REP_C = Principal("rep.c", Role.REP_USER, 12, duns=frozenset({C}))
REP_AC = Principal("rep.ac", Role.REP_ADMIN, 13, duns=frozenset({A, C}))
REP_NONE = Principal("rep.none", Role.REP_USER, 10)
ONCOR = Principal("oncor", Role.TDSP_USER, 1, tdsp_code="ONCOR")
CNP = Principal("cnp", Role.TDSP_ADMIN, 2, tdsp_code="CNP")
OPERATOR = Principal("op", Role.OPERATOR, 0)
FIRST_OCCUPANT = Principal("first", Role.CUSTOMER)
NEW_OCCUPANT = Principal("new", Role.CUSTOMER)
BUSINESS = Principal("biz", Role.NRC_USER, 20)


def facts(principal: Principal, esiid: str = ESIID) -> EsiidFacts:
    history = HISTORY if esiid == ESIID else OTHER_HISTORY
    starts = {"first": date(2024, 3, 1), "new": date(2026, 7, 5), "biz": date(2025, 1, 1)}
    occupancies: tuple[Occupancy, ...] = ()
    if principal.user_id in starts and esiid == ESIID:
        start = starts[principal.user_id]
        occupancies = (Occupancy(start, occupancy_end(start, history)),)
    return EsiidFacts(esiid, "ONCOR", history, occupancies)


CASES = [
    # REPs: only on the days one of their DUNS was REP of Record
    (REP_A, date(2024, 3, 1), True),
    (REP_A, date(2024, 2, 29), False),
    (REP_A, date(2026, 3, 2), True),
    (REP_A, date(2026, 3, 3), False),
    (REP_B, date(2026, 3, 2), False),
    (REP_B, date(2026, 3, 3), True),
    (REP_B, date(2026, 6, 30), True),
    (REP_B, date(2026, 7, 1), False),
    (REP_C, date(2026, 7, 4), False),
    (REP_C, date(2026, 7, 5), True),
    (REP_C, date(2030, 1, 1), True),
    (REP_AC, date(2026, 3, 1), True),
    (REP_AC, date(2026, 5, 1), False),
    (REP_AC, date(2026, 8, 1), True),
    (REP_NONE, date(2025, 1, 1), False),
    # nobody's REP during the vacancy
    (REP_B, date(2026, 7, 2), False),
    (REP_C, date(2026, 7, 2), False),
    # TDSPs: their territory, every day
    (ONCOR, date(2020, 1, 1), True),
    (ONCOR, date(2026, 7, 2), True),
    (CNP, date(2026, 7, 2), False),
    # operators see everything
    (OPERATOR, date(2026, 7, 2), True),
    # customers: from the start of their own occupancy, until it ends
    (FIRST_OCCUPANT, date(2024, 2, 29), False),
    (FIRST_OCCUPANT, date(2024, 3, 1), True),
    (FIRST_OCCUPANT, date(2026, 3, 3), True),  # a switch keeps the occupant
    (FIRST_OCCUPANT, date(2026, 6, 30), True),
    (FIRST_OCCUPANT, date(2026, 7, 1), False),  # moved out: nothing after
    (FIRST_OCCUPANT, date(2026, 7, 5), False),
    (NEW_OCCUPANT, date(2026, 7, 4), False),
    (NEW_OCCUPANT, date(2026, 7, 5), True),
    (NEW_OCCUPANT, date(2026, 6, 30), False),
    (BUSINESS, date(2025, 6, 1), True),
    (BUSINESS, date(2026, 7, 1), False),
]


@pytest.mark.parametrize(
    ("principal", "day", "expected"), CASES, ids=[f"{p.user_id}-{d}" for p, d, _ in CASES]
)
def test_who_sees_which_day(principal: Principal, day: date, expected: bool) -> None:
    assert may_see(principal, facts(principal), day) is expected


def test_rep_a_cannot_read_rep_bs_esiid_at_all() -> None:
    assert not may_see_esiid(REP_A, facts(REP_A, OTHER))
    assert may_see_esiid(REP_B, facts(REP_B, OTHER))
    assert not may_see_esiid(FIRST_OCCUPANT, facts(FIRST_OCCUPANT, OTHER))


@pytest.mark.parametrize(
    ("start", "history", "end"),
    [
        (date(2024, 3, 1), HISTORY, date(2026, 6, 30)),
        (date(2026, 7, 5), HISTORY, None),
        # A move-in by someone else ends the occupancy the day before, even with no move-out.
        (
            date(2024, 3, 1),
            (
                RepOfRecord(ESIID, A, date(2024, 3, 1), date(2026, 4, 9), R.NEW, R.MOVE_IN),
                RepOfRecord(ESIID, B, date(2026, 4, 10), None, R.MOVE_IN),
            ),
            date(2026, 4, 9),
        ),
        (date(2024, 3, 1), (), None),
    ],
)
def test_occupancy_ends_with_a_move(
    start: date, history: tuple[RepOfRecord, ...], end: date | None
) -> None:
    assert occupancy_end(start, history) == end


REP_CO = Target(company_id=11, company_kind=CompanyKind.REP)

ACTIONS = [
    (Principal("t", Role.TDSP_ADMIN, 1, "ONCOR"), Action.APPROVE_COMPANY, REP_CO, True),
    (Principal("t", Role.TDSP_USER, 1, "ONCOR"), Action.APPROVE_COMPANY, REP_CO, False),
    (REP_B, Action.APPROVE_COMPANY, REP_CO, False),  # a REP approving a REP company
    (REP_B, Action.APPROVE_DUNS, REP_CO, False),
    (Principal("t", Role.TDSP_ADMIN, 1, "ONCOR"), Action.APPROVE_DUNS, REP_CO, True),
    (REP_B, Action.APPROVE_ACCOUNT, Target(11, CompanyKind.REP, Role.REP_USER, "new"), True),
    (REP_B, Action.APPROVE_ACCOUNT, Target(12, CompanyKind.REP, Role.REP_USER, "new"), False),
    (REP_A, Action.APPROVE_ACCOUNT, Target(10, CompanyKind.REP, Role.REP_USER, "new"), False),
    (REP_B, Action.MANAGE_ACCOUNT, Target(11, CompanyKind.REP, Role.REP_ADMIN, "rep.b"), False),
    (REP_B, Action.ASSIGN_DUNS, Target(11, CompanyKind.REP), True),
    (REP_A, Action.ASSIGN_DUNS, Target(10, CompanyKind.REP), False),
    (REP_B, Action.WRITE_BROADCAST, Target(), False),
    (OPERATOR, Action.WRITE_BROADCAST, Target(), True),
    (OPERATOR, Action.READ_AUDIT, Target(), True),
    (ONCOR, Action.DETACH_ESIID, Target(esiid_tdsp="ONCOR", user_id="first"), True),
    (CNP, Action.DETACH_ESIID, Target(esiid_tdsp="ONCOR", user_id="first"), False),
    (FIRST_OCCUPANT, Action.DETACH_ESIID, Target(esiid_tdsp="ONCOR", user_id="first"), True),
    (NEW_OCCUPANT, Action.DETACH_ESIID, Target(esiid_tdsp="ONCOR", user_id="first"), False),
]


@pytest.mark.parametrize(("principal", "action", "target", "expected"), ACTIONS)
def test_who_may_do_what(
    principal: Principal, action: Action, target: Target, expected: bool
) -> None:
    assert may(principal, action, target) is expected
