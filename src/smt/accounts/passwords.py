"""Passwords: argon2id hashes, and the hub's rules for choosing one."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from smt.accounts.model import WorkflowError

MIN_LENGTH = 10
MAX_LENGTH = 128


class Passwords:
    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()

    def hash(self, password: str, *, user_id: str) -> str:
        check_password(password, user_id=user_id)
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        if not stored or len(password) > 4 * MAX_LENGTH:
            return False
        try:
            return self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False


def check_password(password: str, *, user_id: str) -> None:
    if len(password) < MIN_LENGTH:
        raise WorkflowError(f"a password has at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WorkflowError(f"a password has at most {MAX_LENGTH} characters")
    if user_id.casefold() in password.casefold():
        raise WorkflowError("a password may not contain the user ID")
    kinds = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if kinds < 3:
        raise WorkflowError(
            "a password mixes at least three of: lower case, upper case, digits, symbols"
        )
