"""Roles, statuses and the workflows' state machines: pure rules, no I/O."""

from __future__ import annotations

from enum import StrEnum


class CompanyKind(StrEnum):
    OPERATOR = "operator"
    TDSP = "tdsp"
    REP = "rep"
    CUSTOMER = "customer"  # a non-residential customer company


class Role(StrEnum):
    OPERATOR = "operator"
    TDSP_ADMIN = "tdsp-admin"
    TDSP_USER = "tdsp-user"
    REP_ADMIN = "rep-admin"
    REP_USER = "rep-user"
    CUSTOMER = "customer"  # residential
    NRC_ADMIN = "nrc-admin"  # non-residential customer company
    NRC_USER = "nrc-user"

    @property
    def company_kind(self) -> CompanyKind | None:
        return _KINDS[self]

    @property
    def is_admin(self) -> bool:
        return self in (Role.TDSP_ADMIN, Role.REP_ADMIN, Role.NRC_ADMIN)


_KINDS: dict[Role, CompanyKind | None] = {
    Role.OPERATOR: CompanyKind.OPERATOR,
    Role.TDSP_ADMIN: CompanyKind.TDSP,
    Role.TDSP_USER: CompanyKind.TDSP,
    Role.REP_ADMIN: CompanyKind.REP,
    Role.REP_USER: CompanyKind.REP,
    Role.CUSTOMER: None,
    Role.NRC_ADMIN: CompanyKind.CUSTOMER,
    Role.NRC_USER: CompanyKind.CUSTOMER,
}

# The roles of a company's people: {administrator?: role}.
ROLES_OF_KIND = {
    CompanyKind.REP: {True: Role.REP_ADMIN, False: Role.REP_USER},
    CompanyKind.TDSP: {True: Role.TDSP_ADMIN, False: Role.TDSP_USER},
    CompanyKind.CUSTOMER: {True: Role.NRC_ADMIN, False: Role.NRC_USER},
}

MAX_REP_ADMINS = 4


class Status(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    REJECTED = "rejected"
    DELETED = "deleted"


class Transition(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    REVOKE = "revoke"
    DELETE = "delete"


# One state machine for companies and accounts: what each transition needs and gives.
TRANSITIONS: dict[Transition, tuple[frozenset[Status], Status]] = {
    Transition.APPROVE: (frozenset({Status.PENDING}), Status.ACTIVE),
    Transition.REJECT: (frozenset({Status.PENDING}), Status.REJECTED),
    Transition.SUSPEND: (frozenset({Status.ACTIVE}), Status.SUSPENDED),
    Transition.REINSTATE: (frozenset({Status.SUSPENDED}), Status.ACTIVE),
    Transition.REVOKE: (frozenset({Status.ACTIVE, Status.SUSPENDED}), Status.REVOKED),
    Transition.DELETE: (
        frozenset({Status.ACTIVE, Status.SUSPENDED, Status.REVOKED, Status.PENDING}),
        Status.DELETED,
    ),
}


class WorkflowError(ValueError):
    """A transition or request the rules refuse; the message says why."""


class NotYours(WorkflowError):
    """What was asked for does not exist for the asker (absent or refused, alike)."""


def next_status(current: Status, transition: Transition) -> Status:
    allowed, result = TRANSITIONS[transition]
    if current not in allowed:
        raise WorkflowError(f"cannot {transition.value} what is {current.value}")
    return result


def user_key(user_id: str) -> str:
    """User IDs compare without case: 'JSmith' and 'jsmith' are one ID, forever."""
    return user_id.strip().casefold()


def company_key(name: str) -> str:
    """Company names are unique in the hub whatever their case and spacing."""
    return " ".join(name.split()).casefold()


def check_user_id(user_id: str) -> str:
    text = user_id.strip()
    if not 4 <= len(text) <= 40:
        raise WorkflowError("a user ID has 4 to 40 characters")
    if not all(c.isascii() and (c.isalnum() or c in "._-@") for c in text):
        raise WorkflowError("a user ID uses letters, digits and . _ - @ only")
    return text
