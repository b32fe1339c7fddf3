"""SOAP benchmark: the meter usage service's synchronous case (one ESIID, two days of
intervals, answered with a file URL) called with a UsernameToken digest and with a signed Body
and Timestamp (verified by xmlsec, references checked, replay cache), against the JSON API's
equivalent call (`POST /api/v1/adhoc`, answered at once) in the same run, on the same hub
served by `smt serve` in its own process. Every call writes its file, as the service does.

    .venv/bin/python bench/soap.py [--clients 8] [--seconds 10]

Prints requests/s of each and the ratios, then one line per bar: the signed SOAP call costs
at most 3x the JSON call (requests/s of JSON / requests/s of signed SOAP <= 3)."""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import requests
import trustme
import xmlsec
from lxml import etree
from zeep.wsse.signature import BinarySignature

from smt.accounts.profiles import CompanyProfile, Person
from smt.composition import build_hub, initialise
from smt.config import Settings
from smt.domain.central_time import slot_count
from smt.domain.channel import Channel
from smt.domain.tdsp import tdsp_by_code
from smt.formats.file_names import InboundKind, InboundName
from smt.formats.lse import LseRecord, write_lse
from smt.formats.tdsp_csv import write_tdsp_csv
from smt.web.soap.envelope import SOAP_ENV, WSSE, WSU
from smt.web.soap.meter_usage import NAMESPACE

COST_LIMIT = 3.0
ESIID = "1008901001102496160100"
DUNS = "111111111"
DAYS = (date(2009, 12, 4), date(2009, 12, 5))
PASSWORD = "Bench-Password-2026"  # noqa: S105 - a scratch hub, thrown away
DIGEST = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
    "#PasswordDigest"
)
SIGNED_MESSAGES = 4000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        secret, signer = prepare(folder)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SMT_")}
        command = [sys.executable, "-m", "smt.cli", "--data-dir", str(folder / "var")]
        server = subprocess.Popen(
            [*command, "serve", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base)
            token = requests.post(
                f"{base}/api/v1/token",
                json={"username": "bench.admin", "password": PASSWORD},
                timeout=30,
            ).json()["access_token"]
            print(f"pre-signing {SIGNED_MESSAGES} messages ...", flush=True)
            signed = [signed_message(signer) for _ in range(SIGNED_MESSAGES)]
            results = {
                "json": run(base, args, json_call(token)),
                "soap-digest": run(base, args, digest_call(secret)),
                "soap-signed": run(base, args, signed_call(iter(signed))),
            }
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    for name, rate in results.items():
        print(f"{name:12} {rate:8.1f} requests/s")
    digest_cost = results["json"] / results["soap-digest"]
    signed_cost = results["json"] / results["soap-signed"]
    print(f"cost relative to the JSON call: digest {digest_cost:.2f}x, signed {signed_cost:.2f}x")
    ok = signed_cost <= COST_LIMIT
    print(
        f"bar signed SOAP call cost vs JSON: {signed_cost:.2f}x "
        f"(limit {COST_LIMIT:.2f}x) {'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


# --- the hub --------------------------------------------------------------------------------


def prepare(folder: Path) -> tuple[str, BinarySignature]:
    """A hub with the seed's ESIID and two days of usage, a REP, its administrator (JSON) and
    its system account bound to a certificate (SOAP)."""
    hub = build_hub(Settings(data_dir=folder / "var"))
    initialise(hub)
    cnp = tdsp_by_code("CNP")
    inbox = folder / "in"
    inbox.mkdir()
    created = datetime(2026, 10, 1, 12, tzinfo=UTC)
    ror = inbox / InboundName(cnp.duns, InboundKind.ROR_FULL, created, 1).render()
    with ror.open("w", encoding="utf-8", newline="") as out:
        write_tdsp_csv(out, InboundKind.ROR_FULL, [[ESIID, DUNS, "20090101"]])
    lse = (
        inbox
        / InboundName(cnp.duns, InboundKind.INTERVAL, created + timedelta(hours=1), 2).render()
    )
    with lse.open("w", encoding="utf-8", newline="") as out:
        records = []
        for day in DAYS:
            values = [100 + i for i in range(slot_count(day))]
            records.append(
                LseRecord(
                    ESIID,
                    Channel.CONSUMPTION,
                    day,
                    created,
                    values,
                    "A" * len(values),
                    1_000_000,
                    1_000_000 + sum(values),
                )
            )
        write_lse(out, records)
    for path in (ror, lse):
        hub.ingester.ingest(path)
    leaf = trustme.CA().issue_cert("bench.b2b", key_type=trustme.KeyType.RSA)
    cert, key = folder / "cert.pem", folder / "key.pem"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    der = base64.b64decode("".join(cert.read_text().splitlines()[1:-1]))
    now = datetime.now(UTC)
    with hub.engine.begin() as conn:
        hub.accounts.add_rep(
            conn,
            now=now,
            profile=CompanyProfile("Bench Power"),
            duns=[DUNS],
            user_id="bench.admin",
            person=Person("Ben", "Ch", "b@example.com"),
            password=PASSWORD,
        )
        hub.accounts.add_system_account(
            conn,
            now=now,
            name="bench.b2b",
            duns=DUNS,
            password=PASSWORD,
            certificate_sha256=hashlib.sha256(der).hexdigest(),
        )
    with hub.engine.connect() as conn:
        secret = hub.digest_key.secret(conn, "bench.b2b")
    hub.close()
    assert secret is not None  # noqa: S101 - made just above
    signer = BinarySignature(
        str(key),
        str(cert),
        signature_method=xmlsec.Transform.RSA_SHA256,
        digest_method=xmlsec.Transform.SHA256,
    )
    return secret, signer


# --- the calls ------------------------------------------------------------------------------

Call = Callable[[requests.Session, str], bool]


def request_xml(header: str = "") -> bytes:
    return f"""<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:met="{NAMESPACE}">
<soapenv:Header>{header}</soapenv:Header><soapenv:Body><met:processMeterUsage>
<MeterUsageReqList><userId>BENCH</userId><userType>REP</userType><reportTypeArray>
<reportTypeArray><reportType>INTERVAL</reportType><startDate>12/04/2009</startDate>
<endDate>12/05/2009</endDate></reportTypeArray></reportTypeArray><reportFormat>CSV</reportFormat>
<ESIIDArray><ESIID>{ESIID}</ESIID></ESIIDArray></MeterUsageReqList></met:processMeterUsage>
</soapenv:Body></soapenv:Envelope>""".encode()


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def signed_message(signer: BinarySignature) -> bytes:
    now = datetime.now(UTC)
    header = (
        f'<wsse:Security xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}"><wsu:Timestamp>'
        f"<wsu:Created>{stamp(now)}</wsu:Created>"
        f"<wsu:Expires>{stamp(now + timedelta(minutes=5))}</wsu:Expires>"
        "</wsu:Timestamp></wsse:Security>"
    )
    envelope = etree.fromstring(request_xml(header))
    signer.apply(envelope, {})
    return etree.tostring(envelope)


def digest_header(secret: str) -> str:
    nonce = os.urandom(16)
    created = stamp(datetime.now(UTC))
    digest = base64.b64encode(
        hashlib.sha1(nonce + created.encode() + secret.encode()).digest()  # noqa: S324
    ).decode()
    return (
        f'<wsse:Security xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}"><wsse:UsernameToken>'
        f"<wsse:Username>bench.b2b</wsse:Username>"
        f'<wsse:Password Type="{DIGEST}">{digest}</wsse:Password>'
        f"<wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce>"
        f"<wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security>"
    )


SOAP_HEADERS = {"Content-Type": "text/xml; charset=utf-8"}


def soap_ok(response: requests.Response) -> bool:
    return response.status_code == 200 and b"fileUrl" in response.content


def digest_call(secret: str) -> Call:
    def call(session: requests.Session, base: str) -> bool:
        body = request_xml(digest_header(secret))
        return soap_ok(session.post(f"{base}/soap/meterusage", data=body, headers=SOAP_HEADERS))

    return call


def signed_call(messages: Iterator[bytes]) -> Call:
    lock = threading.Lock()

    def call(session: requests.Session, base: str) -> bool:
        with lock:
            body = next(messages, None)
        if body is None:
            raise StopIteration
        return soap_ok(session.post(f"{base}/soap/meterusage", data=body, headers=SOAP_HEADERS))

    return call


def json_call(token: str) -> Call:
    body = json.dumps(
        {
            "kind": "interval",
            "format": "csv",
            "esiids": [ESIID],
            "from": DAYS[0].isoformat(),
            "to": DAYS[1].isoformat(),
        }
    )
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(session: requests.Session, base: str) -> bool:
        response = session.post(f"{base}/api/v1/adhoc", data=body, headers=headers)
        return response.status_code == 200 and response.json()["status"] == "completed"

    return call


def run(base: str, args: argparse.Namespace, call: Call) -> float:
    """Requests/s of `call` from `args.clients` threads for `args.seconds` (each thread keeps
    its connection alive); any failed answer stops the benchmark."""
    done = [0] * args.clients
    failures: list[str] = []
    deadline = time.monotonic() + args.seconds
    start = time.monotonic()

    def client(index: int) -> None:
        session = requests.Session()
        session.trust_env = False
        while time.monotonic() < deadline and not failures:
            try:
                if not call(session, base):
                    failures.append("a call was refused")
                    return
            except StopIteration:
                return
            done[index] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    if failures:
        raise SystemExit(f"benchmark call failed: {failures[0]}")
    return sum(done) / elapsed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit("smt serve did not start")


if __name__ == "__main__":
    sys.exit(main())
