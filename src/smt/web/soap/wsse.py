"""WS-Security 1.1 header parts: the Security header itself, wsu:Timestamp, UsernameToken
(PasswordText and PasswordDigest) and the X.509 BinarySecurityToken. Parsing and the
time checks live here; deciding who the sender is lives in security.py."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, timedelta

from lxml import etree

from smt.web.soap.envelope import HEADER, MUST_UNDERSTAND, SOAP_ENV, WSSE, WSU, Request, SoapFault
from smt.web.soap.envelope import security_fault as fault

USERNAME_PROFILE = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
)
PASSWORD_TEXT = f"{USERNAME_PROFILE}#PasswordText"
PASSWORD_DIGEST = f"{USERNAME_PROFILE}#PasswordDigest"
X509V3 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
BASE64 = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
)
SECURITY = f"{{{WSSE}}}Security"
TIMESTAMP = f"{{{WSU}}}Timestamp"
WSU_ID = f"{{{WSU}}}Id"
MAX_TEXT = 4096


def _expired(reason: str) -> SoapFault:
    return SoapFault((WSU, "MessageExpired"), reason)


def security_header(request: Request) -> etree._Element | None:
    """Our wsse:Security block (one, with no actor or role), after refusing header blocks we
    were told to understand and do not."""
    if request.header is None:
        return None
    found: list[etree._Element] = []
    for block in request.header:
        if not isinstance(block.tag, str):
            continue
        if block.tag == SECURITY:
            if block.get(f"{{{SOAP_ENV}}}actor") not in (None, ""):
                continue  # addressed to an intermediary, not to us
            found.append(block)
        elif block.get(MUST_UNDERSTAND) in ("1", "true"):
            raise SoapFault(
                (SOAP_ENV, "MustUnderstand"),
                f"header block {etree.QName(block).localname} is not understood here",
            )
    if len(found) > 1:
        raise fault("InvalidSecurity", "more than one wsse:Security header for this service")
    return found[0] if found else None


def text_of(element: etree._Element | None, what: str) -> str:
    if element is None or not (element.text or "").strip():
        raise fault("InvalidSecurity", f"{what} is missing or empty")
    value = element.text.strip()  # type: ignore[union-attr]  # checked just above
    if len(value) > MAX_TEXT:
        raise fault("InvalidSecurity", f"{what} is too long")
    return value


def parse_time(text: str, what: str) -> datetime:
    """xsd:dateTime in UTC as WS-Security requires (Z or +00:00); no zone is refused."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise fault("InvalidSecurity", f"{what} is not a dateTime: {text[:40]!r}") from None
    if value.tzinfo is None:
        raise fault("InvalidSecurity", f"{what} must be in UTC (…Z)")
    return value


def check_created(created: datetime, now: datetime, skew: timedelta, what: str) -> None:
    if created > now + skew:
        raise _expired(f"{what} is in the future (beyond the allowed clock skew)")
    if created < now - skew:
        raise _expired(f"{what} is older than the allowed {int(skew.total_seconds())} s")


@dataclass(frozen=True, slots=True)
class Timestamp:
    element: etree._Element
    created: datetime
    expires: datetime | None


def timestamp(security: etree._Element, now: datetime, skew: timedelta) -> Timestamp | None:
    """The honoured wsu:Timestamp: created within the skew of now, not yet expired."""
    found = security.findall(TIMESTAMP)
    if not found:
        return None
    if len(found) > 1:
        raise fault("InvalidSecurity", "more than one wsu:Timestamp")
    element = found[0]
    created = parse_time(text_of(element.find(f"{{{WSU}}}Created"), "Timestamp/Created"), "Created")
    expires_element = element.find(f"{{{WSU}}}Expires")
    expires = (
        parse_time(text_of(expires_element, "Timestamp/Expires"), "Expires")
        if expires_element is not None
        else None
    )
    check_created(created, now, skew, "the message's Timestamp")
    if expires is not None:
        if expires <= created:
            raise fault("InvalidSecurity", "the Timestamp expires before it was created")
        if expires < now - skew:
            raise _expired("the message's Timestamp has expired")
    return Timestamp(element, created, expires)


@dataclass(frozen=True, slots=True)
class UsernameToken:
    username: str
    password: str | None  # None: a bare Username (the seed's HAN sample), which proves nothing
    digest: bool
    nonce: bytes | None
    created: str | None  # as sent: the digest covers the text, not a parsed value


def username_token(security: etree._Element) -> UsernameToken | None:
    found = security.findall(f"{{{WSSE}}}UsernameToken")
    if not found:
        return None
    if len(found) > 1:
        raise fault("InvalidSecurityToken", "more than one UsernameToken")
    token = found[0]
    username = text_of(token.find(f"{{{WSSE}}}Username"), "UsernameToken/Username")
    password_element = token.find(f"{{{WSSE}}}Password")
    if password_element is None:
        # The seed's HAN sample carries only a Username: a claim of who is calling, which
        # another credential must prove (security.py).
        return UsernameToken(username, None, digest=False, nonce=None, created=None)
    kind = password_element.get("Type") or PASSWORD_TEXT
    if kind not in (PASSWORD_TEXT, PASSWORD_DIGEST):
        raise fault("UnsupportedSecurityToken", f"password type {kind[:120]!r} is not supported")
    password = text_of(password_element, "UsernameToken/Password")
    nonce_element = token.find(f"{{{WSSE}}}Nonce")
    created_element = token.find(f"{{{WSU}}}Created")
    nonce = None
    if nonce_element is not None:
        encoding = nonce_element.get("EncodingType") or BASE64
        if encoding != BASE64:
            raise fault("UnsupportedSecurityToken", "the Nonce must be Base64Binary")
        try:
            nonce = base64.b64decode(text_of(nonce_element, "Nonce"), validate=True)
        except binascii.Error:
            raise fault("InvalidSecurityToken", "the Nonce is not base64") from None
    created = text_of(created_element, "Created") if created_element is not None else None
    return UsernameToken(username, password, kind == PASSWORD_DIGEST, nonce, created)


def binary_token(security: etree._Element, reference: str) -> bytes:
    """The DER of the X.509 BinarySecurityToken `#reference` in this Security header."""
    found = [
        t for t in security.findall(f"{{{WSSE}}}BinarySecurityToken") if t.get(WSU_ID) == reference
    ]
    if len(found) != 1:
        raise fault(
            "SecurityTokenUnavailable", f"no BinarySecurityToken {reference!r} in the header"
        )
    token = found[0]
    if token.get("ValueType") != X509V3:
        raise fault(
            "UnsupportedSecurityToken", "the BinarySecurityToken is not an X.509v3 certificate"
        )
    if (token.get("EncodingType") or BASE64) != BASE64:
        raise fault("UnsupportedSecurityToken", "the BinarySecurityToken must be Base64Binary")
    try:
        return base64.b64decode("".join((token.text or "").split()), validate=True)
    except binascii.Error:
        raise fault("InvalidSecurityToken", "the BinarySecurityToken is not base64") from None


__all__ = ["HEADER"]
