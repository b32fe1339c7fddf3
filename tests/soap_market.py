"""A market for the SOAP tests: the seed's two CenterPoint ESIIDs with usage on the seed's dates
(December 2009), served by Lone Star Power (DUNS 111111111); Bluebonnet Energy (222222222) has
none of them. Each REP has a system account bound to a client certificate from the test CA."""

from __future__ import annotations

import hashlib
import ssl
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import trustme

from smt.accounts.profiles import CompanyProfile, Person
from smt.composition import Hub
from smt.formats.file_names import InboundKind

from builders import CNP, NOW, day_record, write_csv_file, write_lse_file

PASSWORD = "Correct-Horse-42"
DATA = Path(__file__).parent / "data" / "soap"
SEED_ESIID = "1008901001102496160100"
SEED_ESIID_2 = "1008901002100782200100"
SEED_DAYS = (date(2009, 12, 4), date(2009, 12, 5))
LSP_DUNS = "111111111"
BB_DUNS = "222222222"
LSP_ACCOUNT = "lsp.b2b"
BB_ACCOUNT = "bb.b2b"
# Valid around the tests' fixed "now" (2026) and the real one.
VALID = {
    "not_before": datetime(2020, 1, 1, tzinfo=UTC),
    "not_after": datetime(2045, 1, 1, tzinfo=UTC),
}

Scope = MutableMapping[str, Any]
Asgi = Callable[[Scope, Any, Any], Awaitable[None]]


@dataclass(frozen=True)
class Party:
    """A system account and its client certificate (also its signing key)."""

    name: str
    cert: trustme.LeafCert

    @property
    def pem(self) -> str:
        return self.cert.cert_chain_pems[0].bytes().decode()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(ssl.PEM_cert_to_DER_cert(self.pem)).hexdigest()


def client_cert(ca: trustme.CA, name: str) -> trustme.LeafCert:
    return ca.issue_cert(
        f"{name}@b2b.example", common_name=name, key_type=trustme.KeyType.RSA, **VALID
    )


def seed_soap_market(hub: Hub, inbox: Path, ca: trustme.CA) -> tuple[Party, Party]:
    created = NOW - timedelta(days=30)
    hub.ingester.ingest(
        write_csv_file(
            inbox,
            InboundKind.ROR_FULL,
            [[SEED_ESIID, LSP_DUNS, "20090101"], [SEED_ESIID_2, LSP_DUNS, "20090101"]],
            tdsp=CNP,
            created=created,
        )
    )
    records = [
        day_record(esiid, day, base=base, revised_at=created + timedelta(days=1))
        for esiid, base in ((SEED_ESIID, 100), (SEED_ESIID_2, 300))
        for day in SEED_DAYS
    ]
    hub.ingester.ingest(
        write_lse_file(inbox, records, tdsp=CNP, created=created + timedelta(days=2))
    )
    lsp = Party(LSP_ACCOUNT, client_cert(ca, LSP_ACCOUNT))
    bb = Party(BB_ACCOUNT, client_cert(ca, BB_ACCOUNT))
    with hub.engine.begin() as conn:
        for company, duns, admin in (
            ("Lone Star Power", LSP_DUNS, "lsp.admin"),
            ("Bluebonnet Energy", BB_DUNS, "bb.admin"),
        ):
            hub.accounts.add_rep(
                conn,
                now=NOW,
                profile=CompanyProfile(company),
                duns=[duns],
                user_id=admin,
                person=Person("Ana", "Ruiz", f"{admin}@example.com"),
                password=PASSWORD,
            )
        for party, duns in ((lsp, LSP_DUNS), (bb, BB_DUNS)):
            hub.accounts.add_system_account(
                conn,
                now=NOW,
                name=party.name,
                duns=duns,
                password=PASSWORD,
                certificate_sha256=party.sha256,
            )
    return lsp, bb


def with_client_certificate(app: Asgi, pem: str | None) -> Asgi:
    """The app as the embedded TLS server presents it: the verified client certificate in
    the ASGI TLS extension (what smt.web.tls_server fills in)."""

    async def wrapped(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and pem is not None:
            scope = dict(scope)
            scope["scheme"] = "https"
            scope["extensions"] = {
                **(scope.get("extensions") or {}),
                "tls": {"client_cert_chain": [pem], "client_cert_error": None},
            }
        await app(scope, receive, send)

    return wrapped


def seed_request(name: str) -> bytes:
    return (DATA / name).read_bytes()
