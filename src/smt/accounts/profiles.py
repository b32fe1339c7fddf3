"""What people and companies say about themselves, checked before it is stored."""

from __future__ import annotations

from dataclasses import dataclass

from smt.accounts.model import WorkflowError, company_key


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
        if not self.first_name.strip() or not self.last_name.strip():
            raise WorkflowError("first and last name are required")
        if len(self.middle_initial) > 1:
            raise WorkflowError("a middle initial is one letter")
        if "@" not in self.email or len(self.email) > 254 or " " in self.email.strip():
            raise WorkflowError(f"{self.email!r} is not an e-mail address")
        if self.language not in ("en", "es"):
            raise WorkflowError("language is en or es")
        return {
            "first_name": self.first_name.strip(),
            "last_name": self.last_name.strip(),
            "email": self.email.strip(),
            "middle_initial": self.middle_initial.strip(),
            "suffix": self.suffix.strip(),
            "phone": self.phone.strip(),
            "language": self.language,
        }


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
        if not self.name.strip():
            raise WorkflowError("a company name is required")
        return {
            "name": " ".join(self.name.split()),
            "name_key": company_key(self.name),
            "address1": self.address1,
            "address2": self.address2,
            "city": self.city,
            "state": self.state,
            "country": self.country,
            "zip": self.zip,
            "service_phone": self.service_phone,
            "service_email": self.service_email,
        }
