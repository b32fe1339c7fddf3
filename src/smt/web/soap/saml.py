"""SAML 2.0 assertions in the WS-Security header (the seed's "SAML token"): signed by the
configured identity provider, from its issuer, for our audience, within its time conditions;
its subject's NameID names the system account. An attribute `DUNS` (if present) must name
the account's DUNS. Assertions may be used for several messages while valid (they are tokens,
not nonces); each message is still bound to its sender by the TLS client certificate, which
must map to the same account."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from lxml import etree

from smt.web.soap import dsig
from smt.web.soap.envelope import security_fault as fault
from smt.web.soap.wsse import parse_time, text_of

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DUNS_ATTRIBUTES = ("DUNS", "urn:smt:duns")


def saml(local: str) -> str:
    return f"{{{SAML}}}{local}"


@dataclass(frozen=True, slots=True)
class IdentityProvider:
    issuer: str
    audience: str
    certificate_der: bytes


@dataclass(frozen=True, slots=True)
class SamlIdentity:
    name: str
    duns: frozenset[str]
    assertion_id: str


def assertion_in(security: etree._Element) -> etree._Element | None:
    found = security.findall(saml("Assertion"))
    if len(found) > 1:
        raise fault("InvalidSecurityToken", "more than one SAML assertion")
    return found[0] if found else None


def verify_assertion(
    assertion: etree._Element,
    provider: IdentityProvider | None,
    counts: Counter[str],
    *,
    now: datetime,
    skew: timedelta,
) -> SamlIdentity:
    if provider is None:
        raise fault(
            "UnsupportedSecurityToken", "SAML assertions are not accepted: no identity provider"
        )
    if assertion.get("Version") != "2.0":
        raise fault("UnsupportedSecurityToken", "only SAML 2.0 assertions are accepted")
    assertion_id = assertion.get("ID") or ""
    if not assertion_id:
        raise fault("InvalidSecurityToken", "the SAML assertion has no ID")
    signatures = assertion.findall(dsig.ds("Signature"))
    if len(signatures) != 1:
        raise fault("InvalidSecurityToken", "the SAML assertion must carry exactly one signature")
    target = dsig.Target(assertion, "ID", what="SAML assertion")
    dsig.check_signed_info(
        signatures[0], [target], counts, transforms=(dsig.ENVELOPED, dsig.EXC_C14N)
    )
    dsig.verify(
        signatures[0],
        [target],
        dsig.certificate_key(provider.certificate_der),
        "the SAML assertion's signature does not verify against the identity provider",
    )
    issuer = text_of(assertion.find(saml("Issuer")), "Assertion/Issuer")
    if issuer != provider.issuer:
        raise fault("FailedAuthentication", "the SAML assertion is from another issuer")
    conditions = assertion.find(saml("Conditions"))
    if conditions is None:
        raise fault("InvalidSecurityToken", "the SAML assertion has no Conditions")
    not_before = conditions.get("NotBefore")
    not_after = conditions.get("NotOnOrAfter")
    if not_after is None:
        raise fault("InvalidSecurityToken", "the SAML assertion has no NotOnOrAfter")
    if not_before is not None and parse_time(not_before, "NotBefore") > now + skew:
        raise fault("FailedAuthentication", "the SAML assertion is not valid yet")
    if parse_time(not_after, "NotOnOrAfter") <= now - skew:
        raise fault("FailedAuthentication", "the SAML assertion has expired")
    audiences = [
        (a.text or "").strip()
        for a in conditions.findall(f"{saml('AudienceRestriction')}/{saml('Audience')}")
    ]
    if provider.audience not in audiences:
        raise fault("FailedAuthentication", "the SAML assertion is for another audience")
    subject = assertion.find(saml("Subject"))
    name = text_of(subject.find(saml("NameID")) if subject is not None else None, "Subject/NameID")
    for data in assertion.iterfind(
        f"{saml('Subject')}/{saml('SubjectConfirmation')}/{saml('SubjectConfirmationData')}"
    ):
        limit = data.get("NotOnOrAfter")
        if limit is not None and parse_time(limit, "NotOnOrAfter") <= now - skew:
            raise fault("FailedAuthentication", "the SAML subject confirmation has expired")
    duns = frozenset(
        (value.text or "").strip()
        for attribute in assertion.iterfind(f"{saml('AttributeStatement')}/{saml('Attribute')}")
        if attribute.get("Name") in DUNS_ATTRIBUTES
        for value in attribute.findall(saml("AttributeValue"))
    )
    return SamlIdentity(name, duns, assertion_id)
