"""`smt serve` in a subprocess for the SOAP end-to-end tests: a hub in production mode with the
SOAP market loaded, its server certificate and the clients' CA from trustme, a SAML identity
provider; and zeep's WS-Security plugins the way a REP back office would configure them."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import trustme
import zeep
from lxml import etree

from saml_idp import IdentityProvider
from smt.composition import build_hub, initialise
from smt.config import Settings
from smt.reports.writers import ReportFormat, write_interval_report
from smt.usage.service import UsageService
from soap_market import LSP_ACCOUNT, SEED_DAYS, Party, seed_soap_market
from soap_messages import key_files, security_of, signer, timestamp

AUDIENCE = "https://hub.test/soap"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Hub:
    """What the tests need of a running hub."""

    data: Path
    ca_file: Path
    ca: trustme.CA
    lsp: Party
    bb: Party
    idp: IdentityProvider
    settings: dict[str, str]

    def session(self, party: Party | None) -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # REQUESTS_CA_BUNDLE would override `verify` here
        session.verify = str(self.ca_file)
        if party is not None:
            session.cert = key_files(party)[::-1]  # (certificate, key)
        return session


def prepare(folder: Path, **extra: str) -> Hub:
    data, inbox = folder / "var", folder / "in"
    inbox.mkdir()
    ca = trustme.CA()
    idp = IdentityProvider.make(folder)
    settings = {
        "SMT_PRODUCTION": "true",
        "SMT_SOAP_SAML_IDP_CERTIFICATE": str(idp.certificate),
        "SMT_SOAP_SAML_ISSUER": idp.issuer,
        "SMT_SOAP_SAML_AUDIENCE": AUDIENCE,
        **extra,
    }
    hub = build_hub(
        Settings(
            data_dir=data,
            production=True,
            soap_saml_idp_certificate=idp.certificate,
            soap_saml_issuer=idp.issuer,
            soap_saml_audience=AUDIENCE,
        )
    )
    initialise(hub)
    lsp, bb = seed_soap_market(hub, inbox, ca)
    hub.close()
    ca_file = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return Hub(data, ca_file, ca, lsp, bb, idp, settings)


def start(
    hub: Hub, folder: Path, *, args: list[str], env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SMT_")}
    environment |= hub.settings | (env or {})
    log = (folder / f"serve-{port}.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "smt.cli",
            "--data-dir",
            str(hub.data),
            "serve",
            "--port",
            str(port),
            *args,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=environment,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail(
                    f"smt serve did not start: {(folder / f'serve-{port}.log').read_text()}"
                )
            time.sleep(0.2)
    return process, port


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:  # clients' keep-alive connections hold it open
        process.kill()
        process.wait(timeout=10)


def server_certificate(hub: Hub, folder: Path) -> list[str]:
    leaf = hub.ca.issue_cert("127.0.0.1", "localhost")
    cert, key = folder / "server.pem", folder / "server.key"
    leaf.private_key_and_cert_chain_pem.write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    return ["--tls-cert", str(cert), "--tls-key", str(key)]


class SignedWithTimestamp:
    """zeep's BinarySignature (SHA-256) over the Body and a fresh wsu:Timestamp per call.
    zeep would check the *response's* signature with the client's own certificate; our
    answers are not signed (the TLS channel authenticates the server), so verify passes."""

    def __init__(self, party: Party) -> None:
        self._signer = signer(party)

    def apply(self, envelope: etree._Element, headers: dict[str, Any]) -> Any:
        security_of(envelope).append(timestamp(datetime.now(UTC)))
        return self._signer.apply(envelope, headers)

    def verify(self, envelope: etree._Element) -> etree._Element:
        return envelope


class SamlToken:
    """A SAML 2.0 assertion from the identity provider in each call's Security header."""

    def __init__(self, idp: IdentityProvider, subject: str, audience: str = AUDIENCE) -> None:
        self._idp, self._subject, self._audience = idp, subject, audience

    def apply(self, envelope: etree._Element, headers: dict[str, Any]) -> Any:
        assertion = self._idp.assertion(self._subject, self._audience, datetime.now(UTC))
        security_of(envelope).append(assertion)
        return envelope, headers

    def verify(self, envelope: etree._Element) -> etree._Element:
        return envelope


def digest_secret(hub: Hub, name: str) -> str:
    local = build_hub(Settings(data_dir=hub.data))
    with local.engine.connect() as conn:
        secret = local.digest_key.secret(conn, name)
    local.close()
    assert secret is not None
    return secret


def ask(soap: zeep.Client, esiids: list[str]) -> Any:
    return soap.service.processMeterUsage(
        MeterUsageReqList={
            "userId": "OPS1",
            "userType": "REP",
            "reportTypeArray": {
                "reportTypeArray": [
                    {"reportType": "INTERVAL", "startDate": "12/04/2009", "endDate": "12/05/2009"}
                ]
            },
            "reportFormat": "CSV",
            "ESIIDArray": {"ESIID": esiids},
        }
    )


def expected_csv(hub: Hub, esiids: list[str]) -> str:
    local = build_hub(Settings(data_dir=hub.data))
    with local.engine.connect() as conn:
        principal = local.accounts.system_principal(conn, LSP_ACCOUNT)
        assert principal is not None
        usage = UsageService().intervals(conn, principal, esiids, *SEED_DAYS, now=local.clock.now())
        out = io.StringIO()
        write_interval_report(out, usage, ReportFormat.CSV)
    local.close()
    return out.getvalue()
