"""Who sent a SOAP message, proved, and as which system account. The seed: "M1 APIs use
mutual authentication over SSL", a UsernameToken or SAML token maps the sender to a system
account, "WS-Security signature used to verify the request sender and determine request
integrity", and the account acts for its DUNS.

Every credential present is checked in full, and all of them must name the same active system
account. In production mode the TLS client certificate is required and so is at least one
WS-Security credential beside it (UsernameToken, SAML assertion or signature);
SMT_SOAP_REQUIRE_SIGNATURE also demands the signature. Outside production any one credential
identifies the sender (the seed's bare samples are accepted with a client certificate)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from smt.accounts.model import user_key
from smt.accounts.service_identity import DigestKey, account_for_certificate
from smt.accounts.sessions import LoginRefusal
from smt.composition import Hub
from smt.replay import ReplayCache
from smt.web.client_tls import Transport
from smt.web.soap import dsig, saml, wsse
from smt.web.soap.envelope import WSSE, Request
from smt.web.soap.envelope import security_fault as fault
from smt.web.soap.service import Caller

NOT_ACCEPTED = "the username or password is not accepted"
MIN_NONCE_BYTES = 8


@dataclass(frozen=True, slots=True)
class _Signed:
    account: str
    signature_value: str


class WsSecurity:
    def __init__(self, hub: Hub, replay: ReplayCache, digest_key: DigestKey) -> None:
        self._hub = hub
        self._replay = replay
        self._digest_key = digest_key
        s = hub.settings
        self._production = s.production
        self._require_signature = s.soap_require_signature
        self._skew = timedelta(seconds=s.soap_clock_skew_seconds)
        self._provider: list[saml.IdentityProvider | None] = []
        self._lock = threading.Lock()

    def _identity_provider(self) -> saml.IdentityProvider | None:
        """Read from the configured files on first use."""
        with self._lock:
            if not self._provider:
                s = self._hub.settings
                provider = None
                if s.soap_saml_idp_certificate and s.soap_saml_issuer and s.soap_saml_audience:
                    pem = s.soap_saml_idp_certificate.read_bytes()
                    der = x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER)
                    provider = saml.IdentityProvider(s.soap_saml_issuer, s.soap_saml_audience, der)
                self._provider.append(provider)
            return self._provider[0]

    def authenticate(self, request: Request, transport: Transport, now: datetime) -> Caller:
        names: dict[str, str] = {}
        engine = self._hub.engine
        if transport.certificate is not None:
            with engine.connect() as conn:
                bound = account_for_certificate(conn, transport.certificate.sha256)
            if bound is None:
                raise fault(
                    "FailedAuthentication",
                    "the client certificate is not bound to an active system account",
                )
            names["certificate"] = bound
        elif self._production:
            raise fault(
                "FailedAuthentication",
                "a client certificate from the hub's trusted CA is required (mutual TLS)",
            )
        security = wsse.security_header(request)
        duns_claimed: frozenset[str] = frozenset()
        # A UsernameToken without a Password names the account and proves nothing: it is
        # not a credential (not one beside the certificate in production either), but it
        # must name the account the credentials prove.
        claimed: str | None = None
        if security is not None:
            stamp = wsse.timestamp(security, now, self._skew)
            signatures = security.findall(dsig.ds("Signature"))
            assertion = saml.assertion_in(security)
            counts = (
                dsig.id_counts(request.envelope) if signatures or assertion is not None else None
            )
            if signatures:
                assert counts is not None  # noqa: S101 - computed when a signature is present
                signed = self._signature(
                    request,
                    security=security,
                    signatures=signatures,
                    stamp=stamp,
                    counts=counts,
                    now=now,
                )
                names["signature"] = signed.account
            if assertion is not None:
                assert counts is not None  # noqa: S101
                identity = saml.verify_assertion(
                    assertion, self._identity_provider(), counts, now=now, skew=self._skew
                )
                names["saml"] = identity.name
                duns_claimed = identity.duns
            token = wsse.username_token(security)
            if token is not None and token.password is None:
                claimed = token.username
            elif token is not None:
                proof, name = self._username(token, transport, now)
                names[proof] = name
        if not names:
            raise fault(
                "InvalidSecurity",
                "the message carries no credential: a client certificate, a UsernameToken "
                "with its Password, a SAML assertion or a signature is required",
            )
        if self._production and set(names) == {"certificate"}:
            raise fault(
                "InvalidSecurity",
                "a WS-Security credential (UsernameToken, SAML assertion or signature) is "
                "required beside the client certificate",
            )
        if self._require_signature and "signature" not in names:
            raise fault("InvalidSecurity", "the message must be signed (Body and Timestamp)")
        if len({user_key(n) for n in names.values()}) != 1:
            raise fault("FailedAuthentication", "the credentials name different system accounts")
        if claimed is not None and user_key(claimed) != user_key(next(iter(names.values()))):
            raise fault(
                "FailedAuthentication",
                "the UsernameToken names another system account than its credentials prove",
            )
        with engine.connect() as conn:
            principal = self._hub.accounts.system_principal(conn, next(iter(names.values())))
        if principal is None:
            raise fault("FailedAuthentication", "the system account is not active")
        if duns_claimed and not duns_claimed <= principal.duns:
            raise fault(
                "FailedAuthentication",
                "the SAML assertion names a DUNS the system account does not act for",
            )
        return Caller(principal, frozenset(names))

    # --- the credentials -----------------------------------------------------------------

    def _username(
        self, token: wsse.UsernameToken, transport: Transport, now: datetime
    ) -> tuple[str, str]:
        password = token.password
        assert password is not None  # noqa: S101 - a bare Username is a claim (authenticate)
        if token.nonce is not None or token.created is not None:
            if token.nonce is None or token.created is None:
                raise fault("InvalidSecurityToken", "a Nonce goes with a Created, and back")
            if len(token.nonce) < MIN_NONCE_BYTES:
                raise fault("InvalidSecurityToken", f"the Nonce has under {MIN_NONCE_BYTES} bytes")
            created = wsse.parse_time(token.created, "UsernameToken/Created")
            wsse.check_created(created, now, self._skew, "the UsernameToken's Created")
        if token.digest:
            if token.nonce is None or token.created is None:
                raise fault("InvalidSecurityToken", "a PasswordDigest needs a Nonce and a Created")
            with self._hub.engine.connect() as conn:
                secret = self._digest_key.secret(conn, token.username)
            expected = base64.b64encode(
                hashlib.sha1(  # noqa: S324 - the UsernameToken profile's digest is SHA-1
                    token.nonce + token.created.encode() + (secret or "").encode()
                ).digest()
            ).decode()
            if secret is None or not hmac.compare_digest(expected, password):
                raise fault("FailedAuthentication", NOT_ACCEPTED)
            self._once(f"nonce:{user_key(token.username)}:{token.nonce.hex()}")
            return "username-digest", token.username
        if not transport.over_tls:
            raise fault("FailedAuthentication", "a PasswordText is accepted over TLS only")
        with self._hub.engine.begin() as conn:
            outcome = self._hub.sessions.authenticate_system(
                conn, name=token.username, password=password, now=now
            )
        if outcome is LoginRefusal.LOCKED:
            raise fault("FailedAuthentication", "too many wrong passwords: try again later")
        if isinstance(outcome, LoginRefusal):
            raise fault("FailedAuthentication", NOT_ACCEPTED)
        if token.nonce is not None:
            self._once(f"nonce:{user_key(token.username)}:{token.nonce.hex()}")
        return "username-text", outcome.user_id

    def _signature(
        self,
        request: Request,
        *,
        security: etree._Element,
        signatures: list[etree._Element],
        stamp: wsse.Timestamp | None,
        counts: Counter[str],
        now: datetime,
    ) -> _Signed:
        if len(signatures) > 1:
            raise fault("InvalidSecurity", "more than one signature in the Security header")
        signature = signatures[0]
        if stamp is None:
            raise fault(
                "InvalidSecurity", "a signed message carries a wsu:Timestamp, signed with the Body"
            )
        targets = [
            dsig.Target(request.body, wsse.WSU_ID, what="Body"),
            dsig.Target(stamp.element, wsse.WSU_ID, what="Timestamp"),
        ]
        dsig.check_signed_info(signature, targets, counts, transforms=(dsig.EXC_C14N,))
        der = self._signer(security, signature)
        dsig.verify(
            signature,
            targets,
            dsig.certificate_key(der),
            "the signature does not verify: the message was changed, or signed with another key",
        )
        certificate = x509.load_der_x509_certificate(der)
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            raise fault("InvalidSecurityToken", "the signing certificate is not valid now")
        with self._hub.engine.connect() as conn:
            account = account_for_certificate(conn, hashlib.sha256(der).hexdigest())
        if account is None:
            raise fault(
                "FailedAuthentication",
                "the signing certificate is not the one registered for a system account",
            )
        value = "".join((signature.findtext(dsig.ds("SignatureValue")) or "").split())
        self._once("sig:" + hashlib.sha256(value.encode()).hexdigest())
        return _Signed(account, value)

    @staticmethod
    def _signer(security: etree._Element, signature: etree._Element) -> bytes:
        """The signing certificate: a BinarySecurityToken the KeyInfo references (zeep's
        BinarySignature), or an X509Certificate inside the KeyInfo (zeep's Signature)."""
        key_info = signature.find(dsig.ds("KeyInfo"))
        if key_info is None:
            raise fault("SecurityTokenUnavailable", "the signature has no KeyInfo")
        reference = key_info.find(f"{{{WSSE}}}SecurityTokenReference/{{{WSSE}}}Reference")
        if reference is not None:
            uri = reference.get("URI") or ""
            if not uri.startswith("#"):
                raise fault("SecurityTokenUnavailable", "only tokens in this message are accepted")
            return wsse.binary_token(security, uri[1:])
        found = key_info.findall(f".//{dsig.ds('X509Certificate')}")
        if len(found) != 1:
            raise fault("SecurityTokenUnavailable", "the signature names no certificate")
        try:
            return base64.b64decode("".join((found[0].text or "").split()), validate=True)
        except ValueError:
            raise fault("InvalidSecurityToken", "the X509Certificate is not base64") from None

    def _once(self, key: str) -> None:
        if not self._replay.first_use(key, 2 * self._skew.total_seconds()):
            raise fault("FailedAuthentication", "this message was received before (replay)")
