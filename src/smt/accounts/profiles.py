"""What people and companies say about themselves, checked before it is stored: every field
within its column's size and free of control characters, so odd input is a clear refusal,
never a database error."""

from __future__ import annotations

from dataclasses import dataclass

from smt.accounts.model import WorkflowError, company_key

# field: (label, longest) — the longest matches the column it is stored in
PERSON_FIELDS = {
    "first_name": ("first name", 60),
    "last_name": ("last name", 60),
    "middle_initial": ("middle initial", 1),
    "suffix": ("suffix", 10),
    "phone": ("phone", 20),
    "email": ("e-mail", 254),
}
COMPANY_FIELDS = {
    "name": ("company name", 100),  # room for " customer service" in 120
    "address1": ("address", 100),
    "address2": ("second address line", 100),
    "city": ("city", 60),
    "state": ("state", 2),
    "country": ("country", 2),
    "zip": ("ZIP code", 10),
    "service_phone": ("customer service phone", 20),
    "service_email": ("customer service e-mail", 254),
}


def clean(values: dict[str, str], limits: dict[str, tuple[str, int]]) -> dict[str, str]:
    cleaned = {}
    for field, (label, longest) in limits.items():
        text = " ".join(values[field].split()) if field == "name" else values[field].strip()
        if not text.isprintable():
            raise WorkflowError(f"the {label} holds characters that cannot be printed")
        if len(text) > longest:
            raise WorkflowError(f"the {label} has at most {longest} characters")
        cleaned[field] = text
    return cleaned


@dataclass(frozen=True, slots=True)
class Person:
    first_name: str
    last_name: str
    email: str
    middle_initial: str = ""
    suffix: str = ""
    phone: str = ""
    language: str = "en"

    def columns(self) -> dict[str, str]:
        values = clean({f: getattr(self, f) for f in PERSON_FIELDS}, PERSON_FIELDS)
        if not values["first_name"] or not values["last_name"]:
            raise WorkflowError("first and last name are required")
        email = values["email"]
        if email.count("@") != 1 or " " in email or email.startswith("@") or email.endswith("@"):
            raise WorkflowError(f"{email!r} is not an e-mail address")
        if self.language not in ("en", "es"):
            raise WorkflowError("language is en or es")
        return {**values, "language": self.language}


@dataclass(frozen=True, slots=True)
class CompanyProfile:
    name: str
    address1: str = ""
    address2: str = ""
    city: str = ""
    state: str = "TX"
    country: str = "US"
    zip: str = ""
    service_phone: str = ""
    service_email: str = ""

    def columns(self) -> dict[str, str]:
        values = clean({f: getattr(self, f) for f in COMPANY_FIELDS}, COMPANY_FIELDS)
        if not values["name"]:
            raise WorkflowError("a company name is required")
        return {**values, "name_key": company_key(values["name"])}
