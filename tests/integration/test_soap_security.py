"""WS-Security on the SOAP services, message by message (the app without a network; the
client certificate arrives as the embedded TLS server presents it): UsernameToken text and
digest, nonces and timestamps, signatures and wrapping, SAML assertions, hostile XML. Each
refusal is a fault naming the check, and the service keeps answering others meanwhile."""

from __future__ import annotations

import base64
import copy
import hashlib
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import trustme
from fastapi.testclient import TestClient
from lxml import etree
from zeep.wsse.username import UsernameToken

from saml_idp import IdentityProvider
from smt.clock import FixedClock
from smt.composition import Hub
from smt.web.app import create_app
from smt.web.soap.envelope import SOAP_ENV, WSSE, WSU
from soap_market import PASSWORD, Party, seed_soap_market, with_client_certificate
from soap_messages import SOAP, URL, fault_of, signed, timestamp, usage_request, with_header

from conftest import make_hub

XMLSEC_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> IdentityProvider:
    return IdentityProvider.make(tmp_path_factory.mktemp("idp"))


@pytest.fixture
def setup(  # noqa: PLR0917 - pytest fixtures arrive as arguments
    tmp_path: Path,
    clock: FixedClock,
    request: pytest.FixtureRequest,
    ca: trustme.CA,
    inbox: Path,
    idp: IdentityProvider,
) -> Iterator[tuple[Hub, Party, Party]]:
    hub = make_hub(
        "sqlite",
        tmp_path,
        clock,
        request,
        production=True,
        soap_saml_idp_certificate=idp.certificate,
        soap_saml_issuer=idp.issuer,
        soap_saml_audience="https://hub.test/soap",
    )
    lsp, bb = seed_soap_market(hub, inbox, ca)
    yield hub, lsp, bb
    hub.close()


def client(hub: Hub, party: Party | None) -> TestClient:
    app = with_client_certificate(create_app(hub), party.pem if party else None)
    return TestClient(app, base_url="https://hub.test")  # type: ignore[arg-type]


def post(c: TestClient, message: bytes) -> tuple[int, str, str]:
    response = c.post(URL, content=message, headers=SOAP)
    code, text = fault_of(response.content)
    return response.status_code, code, text


def digest_token(hub: Hub, name: str, *, created: str | None = None) -> etree._Element:
    with hub.engine.connect() as conn:
        secret = hub.digest_key.secret(conn, name)
    assert secret is not None
    envelope = etree.fromstring(usage_request())
    UsernameToken(
        name, secret, use_digest=True, created=None if created is None else _parse(created)
    ).apply(envelope, {})
    return envelope


def _parse(text: str) -> object:
    from datetime import datetime  # noqa: PLC0415

    return datetime.fromisoformat(text)


def test_username_token_digest_identifies_the_account(setup: tuple[Hub, Party, Party]) -> None:
    hub, lsp, _ = setup
    with client(hub, lsp) as c:
        message = etree.tostring(_at(digest_token(hub, lsp.name), hub))
        status, code, text = post(c, message)
        assert status == 200, (code, text)
        # The same message again: its nonce was used.
        status, code, text = post(c, message)
        assert (status, code) == (500, "wsse:FailedAuthentication")
        assert "received before (replay)" in text


def _at(envelope: etree._Element, hub: Hub) -> etree._Element:
    """zeep stamps the token with the real time; the hub runs on the tests' fixed clock."""
    created = envelope.find(f".//{{{WSU}}}Created")
    assert created is not None and created.text is not None
    real = _parse(created.text.replace("Z", "+00:00"))
    hub.clock.set(real)  # type: ignore[attr-defined]
    return envelope


def test_username_token_refusals(setup: tuple[Hub, Party, Party]) -> None:
    hub, lsp, bb = setup
    with client(hub, lsp) as c:
        wrong = etree.fromstring(usage_request())
        UsernameToken(lsp.name, "not-the-secret", use_digest=True).apply(wrong, {})
        assert post(c, etree.tostring(_at(wrong, hub)))[1:] == (
            "wsse:FailedAuthentication",
            "the username or password is not accepted",
        )
        stale = digest_token(hub, lsp.name)
        _at(stale, hub)
        hub.clock.set(hub.clock.now() + timedelta(minutes=6))  # type: ignore[attr-defined]
        _, code, text = post(c, etree.tostring(stale))
        assert code.endswith(":MessageExpired") and "older than" in text
        # A token of another account beside this certificate.
        other = _at(digest_token(hub, bb.name), hub)
        _, code, text = post(c, etree.tostring(other))
        assert "different system accounts" in text
        # PasswordText with a wrong password, then the right one.
        text_wrong = etree.fromstring(usage_request())
        UsernameToken(lsp.name, "Wrong-Horse-42").apply(text_wrong, {})
        assert post(c, etree.tostring(text_wrong))[1] == "wsse:FailedAuthentication"
        text_right = etree.fromstring(usage_request())
        UsernameToken(lsp.name, PASSWORD).apply(text_right, {})
        assert post(c, etree.tostring(text_right))[0] == 200


def test_a_stale_timestamp_is_refused(setup: tuple[Hub, Party, Party]) -> None:
    hub, lsp, _ = setup
    with client(hub, lsp) as c:
        envelope = with_header(usage_request(), timestamp(hub.clock.now() - timedelta(hours=1)))
        UsernameToken(lsp.name, PASSWORD).apply(envelope, {})
        _, code, text = post(c, etree.tostring(envelope))
        assert code.endswith(":MessageExpired"), text


def test_a_signed_body_identifies_the_account(setup: tuple[Hub, Party, Party]) -> None:
    hub, lsp, _ = setup
    with client(hub, lsp) as c:
        message = signed(lsp, usage_request(), hub.clock.now())
        status, code, text = post(c, etree.tostring(message))
        assert status == 200, (code, text)
        assert "received before" in post(c, etree.tostring(message))[2]


def test_a_tampered_body_fails_the_signature(setup: tuple[Hub, Party, Party]) -> None:
    hub, lsp, _ = setup
    with client(hub, lsp) as c:
        message = signed(lsp, usage_request(), hub.clock.now())
        esiid = message.find(".//ESIID")
        assert esiid is not None
        esiid.text = "1008901002100782200100"
        _, code, text = post(c, etree.tostring(message))
        assert code == "wsse:FailedCheck", text


def test_signature_wrapping_is_refused(setup: tuple[Hub, Party, Party]) -> None:
    hub, lsp, _ = setup
    with client(hub, lsp) as c:
        message = signed(lsp, usage_request(), hub.clock.now())
        body = message.find(f"{{{SOAP_ENV}}}Body")
        header = message.find(f"{{{SOAP_ENV}}}Header")
        assert body is not None and header is not None
        # The classic wrap: the signed Body moves into a header block; a forged Body with
        # the same Id takes its place.
        wrapper = etree.SubElement(header, "Wrapper")
        forged = copy.deepcopy(body)
        wrapper.append(body)
        esiid = forged.find(".//ESIID")
        assert esiid is not None
        esiid.text = "1008901002100782200100"
        message.append(forged)
        _, code, text = post(c, etree.tostring(message))
        assert code == "wsse:InvalidSecurity" and "occurs 2 times" in text
        # Without the duplicate Id: the forged Body is simply not what was signed.
        message2 = signed(lsp, usage_request(), hub.clock.now())
        body2 = message2.find(f"{{{SOAP_ENV}}}Body")
        assert body2 is not None
        signed_id = body2.get(f"{{{WSU}}}Id")
        body2.set(f"{{{WSU}}}Id", "elsewhere")
        decoy = etree.SubElement(message2.find(f"{{{SOAP_ENV}}}Header"), "Decoy")  # type: ignore[arg-type]
        decoy.set(f"{{{WSU}}}Id", str(signed_id))
        _, code, text = post(c, etree.tostring(message2))
        assert code == "wsse:InvalidSecurity" and "not a part it may sign" in text


def test_a_signature_by_an_unregistered_key_is_refused(
    setup: tuple[Hub, Party, Party], ca: trustme.CA
) -> None:
    hub, lsp, _ = setup
    from soap_market import client_cert  # noqa: PLC0415

    mallory = Party("mallory", client_cert(ca, "mallory"))
    with client(hub, lsp) as c:
        _, code, text = post(c, etree.tostring(signed(mallory, usage_request(), hub.clock.now())))
        assert code == "wsse:FailedAuthentication" and "registered" in text


def test_saml_assertion_identifies_the_account(
    setup: tuple[Hub, Party, Party], idp: IdentityProvider
) -> None:
    hub, lsp, _ = setup
    now = hub.clock.now()
    with client(hub, lsp) as c:
        good = with_header(usage_request(), idp.assertion(lsp.name, "https://hub.test/soap", now))
        assert post(c, etree.tostring(good))[0] == 200
        cases = {
            "another audience": idp.assertion(lsp.name, "https://elsewhere.example", now),
            "expired": idp.assertion(lsp.name, "https://hub.test/soap", now - timedelta(hours=2)),
            "DUNS the system account does not act for": idp.assertion(
                lsp.name, "https://hub.test/soap", now, duns="222222222"
            ),
            "does not verify": idp.assertion(lsp.name, "https://hub.test/soap", now, tamper=True),
        }
        for expected, assertion in cases.items():
            _, code, text = post(c, etree.tostring(with_header(usage_request(), assertion)))
            assert expected in text, (expected, code, text)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            (
                b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                b"<e>&x;</e>"
            ),
            "document type declaration",
        ),
        (
            (
                b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                b'<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
                b'<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>'
                b"<lolz>&lol2;</lolz>"
            ),
            "document type declaration",
        ),
        (b"<a>" * 10_000 + b"</a>" * 10_000, "nests deeper than 32"),
        (b"<a>" + b"<b/>" * 50_000 + b"</a>", "more than 40000 elements"),
    ],
    ids=["xxe", "billion-laughs", "10000-deep", "50000-elements"],
)
def test_hostile_xml_is_refused_cheaply(
    setup: tuple[Hub, Party, Party], message: bytes, expected: str
) -> None:
    hub, lsp, _ = setup
    with client(hub, lsp) as c:
        status, code, text = post(c, message)
        assert (status, code) == (500, "soapenv:Client")
        assert expected in text
        # ... and the next caller is served.
        good = etree.fromstring(usage_request())
        UsernameToken(lsp.name, PASSWORD).apply(good, {})
        assert post(c, etree.tostring(good))[0] == 200


def test_a_50_mb_body_is_refused_unread(setup: tuple[Hub, Party, Party]) -> None:
    hub, lsp, _ = setup
    with client(hub, lsp) as c:
        response = c.post(URL, content=b"<" + b"a" * (50 * 1024 * 1024), headers=SOAP)
        assert response.status_code == 413
        assert "larger than" in fault_of(response.content)[1]


def test_nonce_digest_matches_the_profile(setup: tuple[Hub, Party, Party]) -> None:
    """The PasswordDigest as the UsernameToken profile defines it, computed by hand."""
    hub, lsp, _ = setup
    with hub.engine.connect() as conn:
        secret = hub.digest_key.secret(conn, lsp.name)
    assert secret is not None
    nonce = os.urandom(16)
    created = hub.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = base64.b64encode(
        hashlib.sha1(nonce + created.encode() + secret.encode()).digest()  # noqa: S324 - the profile's
    )
    token = f"""<wsse:Security xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}"><wsse:UsernameToken>
<wsse:Username>{lsp.name}</wsse:Username>
<wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">{digest.decode()}</wsse:Password>
<wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce><wsu:Created>{created}</wsu:Created>
</wsse:UsernameToken></wsse:Security>"""
    with client(hub, lsp) as c:
        assert post(c, usage_request(header=token))[0] == 200
