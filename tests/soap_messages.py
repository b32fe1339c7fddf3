"""SOAP messages for the tests: meter usage requests, WS-Security headers (a Timestamp, a
message signed by zeep's own BinarySignature with SHA-256) and faults read back."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import xmlsec
from lxml import etree
from zeep.wsse.signature import BinarySignature

from smt.web.soap.envelope import SOAP_ENV, WSSE, WSU
from smt.web.soap.meter_usage import NAMESPACE
from soap_market import SEED_ESIID, Party

URL = "/soap/meterusage"
SOAP = {"Content-Type": "text/xml; charset=utf-8"}


def usage_request(
    *,
    report: str = "INTERVAL",
    first: str = "12/04/2009",
    last: str = "12/05/2009",
    fmt: str = "CSV",
    esiids: tuple[str, ...] = (SEED_ESIID,),
    header: str = "",
) -> bytes:
    listed = "".join(f"<ESIID>{e}</ESIID>" for e in esiids)
    return f"""<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"
 xmlns:met="{NAMESPACE}"><soapenv:Header>{header}</soapenv:Header><soapenv:Body>
 <met:processMeterUsage><MeterUsageReqList><userId>OPS1</userId><userType>REP</userType>
 <reportTypeArray><reportTypeArray><reportType>{report}</reportType><startDate>{first}</startDate>
 <endDate>{last}</endDate></reportTypeArray></reportTypeArray><reportFormat>{fmt}</reportFormat>
 <ESIIDArray>{listed}</ESIIDArray></MeterUsageReqList></met:processMeterUsage></soapenv:Body>
</soapenv:Envelope>""".encode()


def status_request(correlation: str) -> bytes:
    return f"""<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"
 xmlns:met="{NAMESPACE}"><soapenv:Body><met:getMeterUsageStatus>
 <correlationId>{correlation}</correlationId></met:getMeterUsageStatus></soapenv:Body>
</soapenv:Envelope>""".encode()


def fault_of(content: bytes) -> tuple[str, str]:
    try:
        root = etree.fromstring(content)
    except etree.XMLSyntaxError:
        return "", content.decode(errors="replace")
    return root.findtext(".//faultcode") or "", root.findtext(".//faultstring") or ""


def security_of(envelope: etree._Element) -> etree._Element:
    header = envelope.find(f"{{{SOAP_ENV}}}Header")
    if header is None:
        header = etree.Element(f"{{{SOAP_ENV}}}Header")
        envelope.insert(0, header)
    security = header.find(f"{{{WSSE}}}Security")
    if security is None:
        security = etree.SubElement(header, f"{{{WSSE}}}Security", nsmap={"wsse": WSSE})
    return security


def with_header(message: bytes, *blocks: etree._Element) -> etree._Element:
    envelope = etree.fromstring(message)
    security = security_of(envelope)
    for block in blocks:
        security.append(block)
    return envelope


def timestamp(created: datetime, lifetime: timedelta = timedelta(minutes=5)) -> etree._Element:
    element = etree.Element(f"{{{WSU}}}Timestamp", nsmap={"wsu": WSU})
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    etree.SubElement(element, f"{{{WSU}}}Created").text = created.strftime(stamp)
    etree.SubElement(element, f"{{{WSU}}}Expires").text = (created + lifetime).strftime(stamp)
    return element


def key_files(party: Party) -> tuple[str, str]:
    folder = Path(tempfile.mkdtemp(prefix="smt-signer-"))
    key, cert = folder / "key.pem", folder / "cert.pem"
    party.cert.private_key_pem.write_to_path(str(key))
    party.cert.cert_chain_pems[0].write_to_path(str(cert))
    return str(key), str(cert)


def signer(party: Party) -> BinarySignature:
    key, cert = key_files(party)
    return BinarySignature(
        key,
        cert,
        signature_method=xmlsec.Transform.RSA_SHA256,
        digest_method=xmlsec.Transform.SHA256,
    )


def signed(party: Party, message: bytes, now: datetime) -> etree._Element:
    """The message with a fresh Timestamp, Body and Timestamp signed by the party's key."""
    envelope = with_header(message, timestamp(now))
    signer(party).apply(envelope, {})
    return envelope
