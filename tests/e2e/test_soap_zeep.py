"""zeep, a real SOAP client, calls the meter usage service from its WSDL over real TLS with a
client certificate (`smt serve --tls-client-ca`, production mode): with a UsernameToken
digest, with a signed Body, with a SAML assertion; the answers at once and queued, the files
fetched and compared with the usage service. Connections without a certificate from the
trusted CA never reach the app."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import trustme
import zeep
from zeep.exceptions import Fault
from zeep.wsse.username import UsernameToken

from soap_market import LSP_ACCOUNT, SEED_ESIID, SEED_ESIID_2, client_cert
from soap_server import (
    Hub,
    SamlToken,
    SignedWithTimestamp,
    ask,
    digest_secret,
    expected_csv,
    prepare,
    server_certificate,
    start,
    stop,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Hub, int]]:
    folder = tmp_path_factory.mktemp("soap")
    hub = prepare(folder)
    args = [*server_certificate(hub, folder), "--tls-client-ca", str(hub.ca_file)]
    process, port = start(hub, folder, args=args)
    yield hub, port
    stop(process)


def client(hub: Hub, port: int, wsse: Any) -> tuple[zeep.Client, requests.Session]:
    session = hub.session(hub.lsp)
    transport = zeep.Transport(session=session)
    return (
        zeep.Client(
            f"https://127.0.0.1:{port}/soap/meterusage?wsdl", transport=transport, wsse=wsse
        ),
        session,
    )


def check_both_answers(hub: Hub, soap: zeep.Client, session: requests.Session) -> None:
    at_once = ask(soap, [SEED_ESIID])
    assert at_once.MeterUsageSOAPResponse[0].correlationId is None  # nil
    (url,) = at_once.MeterUsageResponse.fileUrl.fileUrl
    fetched = session.get(url, timeout=30)
    assert fetched.status_code == 200
    assert fetched.text == expected_csv(hub, [SEED_ESIID])

    queued = ask(soap, [SEED_ESIID, SEED_ESIID_2])
    assert queued.MeterUsageResponse.fileUrl is None  # nil
    (status,) = queued.MeterUsageSOAPResponse
    assert status.statusCode == 0
    deadline = time.monotonic() + 60
    while True:
        now = soap.service.getMeterUsageStatus(correlationId=status.correlationId)
        if now.MeterUsageSOAPResponse[0].statusCode == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert now.MeterUsageSOAPResponse[0].statusCode == 0, now
    (url,) = now.MeterUsageResponse.fileUrl.fileUrl
    assert session.get(url, timeout=30).text == expected_csv(hub, [SEED_ESIID, SEED_ESIID_2])


def test_zeep_with_a_username_token_digest(served: tuple[Hub, int]) -> None:
    hub, port = served
    secret = digest_secret(hub, hub.lsp.name)
    soap, session = client(hub, port, UsernameToken(hub.lsp.name, secret, use_digest=True))
    check_both_answers(hub, soap, session)


def test_zeep_with_a_signed_body(served: tuple[Hub, int]) -> None:
    hub, port = served
    soap, session = client(hub, port, SignedWithTimestamp(hub.lsp))
    check_both_answers(hub, soap, session)


def test_zeep_with_a_saml_token(served: tuple[Hub, int]) -> None:
    hub, port = served
    soap, session = client(hub, port, SamlToken(hub.idp, hub.lsp.name))
    check_both_answers(hub, soap, session)


def test_refusals_over_tls_and_the_service_goes_on(served: tuple[Hub, int]) -> None:
    hub, port = served
    url = f"https://127.0.0.1:{port}/soap/meterusage?wsdl"
    # No client certificate: the handshake fails, the app never sees the connection.
    with pytest.raises(requests.exceptions.ConnectionError):
        hub.session(None).get(url, timeout=10)
    # A certificate from another CA: the same.
    stranger = hub.session(None)
    other = client_cert(trustme.CA(), LSP_ACCOUNT)
    folder = Path(hub.data.parent)
    other.cert_chain_pems[0].write_to_path(str(folder / "other.pem"))
    other.private_key_pem.write_to_path(str(folder / "other.key"))
    stranger.cert = (str(folder / "other.pem"), str(folder / "other.key"))
    with pytest.raises(requests.exceptions.ConnectionError):
        stranger.get(url, timeout=10)
    # The right certificate and a wrong password: a fault naming the check.
    soap, _ = client(hub, port, UsernameToken(hub.lsp.name, "not-the-secret", use_digest=True))
    with pytest.raises(Fault) as refused:
        ask(soap, [SEED_ESIID])
    assert refused.value.message == "the username or password is not accepted"
    # Another account's certificate cannot fetch this account's file.
    secret = digest_secret(hub, hub.lsp.name)
    soap, _ = client(hub, port, UsernameToken(hub.lsp.name, secret, use_digest=True))
    (url,) = ask(soap, [SEED_ESIID]).MeterUsageResponse.fileUrl.fileUrl
    assert hub.session(hub.bb).get(url, timeout=10).status_code == 404
