"""SOAP 1.1 envelopes: reading a request's Header and Body, writing answers and faults.

Answers are written the way the seed's samples are: `soapenv`, `soapenc`, `xsd` and `xsi`
declared on the Envelope, an empty `soapenv:Header`, the operation's response element with
its own prefix."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP_ENC = "http://schemas.xmlsoap.org/soap/encoding/"
XSD = "http://www.w3.org/2001/XMLSchema"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"

ENVELOPE = f"{{{SOAP_ENV}}}Envelope"
HEADER = f"{{{SOAP_ENV}}}Header"
BODY = f"{{{SOAP_ENV}}}Body"
MUST_UNDERSTAND = f"{{{SOAP_ENV}}}mustUnderstand"
SOAP_CONTENT_TYPE = "text/xml; charset=utf-8"


class SoapFault(Exception):
    """A SOAP 1.1 fault. `code` is a qualified name: `(namespace, local part)`; the SOAP
    codes are Client (the message is wrong: do not resend it unchanged) and Server; the
    WS-Security ones (wsse:FailedAuthentication, wsse:InvalidSecurity, ...) say which check
    refused the message."""

    def __init__(
        self,
        code: tuple[str, str],
        reason: str,
        *,
        detail: etree._Element | None = None,
        http_status: int = 500,
    ) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.detail = detail
        # SOAP 1.1 over HTTP answers a fault with 500 (WS-I Basic Profile R1126); a body
        # refused unread is 413, which a proxy or client can act on.
        self.http_status = http_status


CLIENT = (SOAP_ENV, "Client")


def too_large(limit: int) -> SoapFault:
    return SoapFault(CLIENT, f"the message is larger than {limit} bytes", http_status=413)


def client_fault(reason: str, *, detail: etree._Element | None = None) -> SoapFault:
    return SoapFault(CLIENT, reason, detail=detail)


def server_fault(reason: str) -> SoapFault:
    return SoapFault((SOAP_ENV, "Server"), reason)


def security_fault(local: str, reason: str) -> SoapFault:
    """One of WS-Security 1.1's fault codes (wsse:FailedAuthentication, ...)."""
    return SoapFault((WSSE, local), reason)


@dataclass(frozen=True, slots=True)
class Request:
    """A parsed request envelope: its Header (or None) and the one element in its Body."""

    envelope: etree._Element
    header: etree._Element | None
    body: etree._Element
    payload: etree._Element


def read_envelope(root: etree._Element) -> Request:
    if root.tag != ENVELOPE:
        if isinstance(root.tag, str) and root.tag.endswith("}Envelope"):
            raise SoapFault(
                (SOAP_ENV, "VersionMismatch"),
                "only SOAP 1.1 envelopes (http://schemas.xmlsoap.org/soap/envelope/) are served",
            )
        raise client_fault("the message is not a SOAP envelope")
    children = [c for c in root if isinstance(c.tag, str)]
    header = None
    if children and children[0].tag == HEADER:
        header = children.pop(0)
    if len(children) != 1 or children[0].tag != BODY:
        raise client_fault("the envelope holds an optional Header and then exactly one Body")
    body = children[0]
    payload = [c for c in body if isinstance(c.tag, str)]
    if len(payload) != 1:
        raise client_fault("the Body holds exactly one operation element")
    if (body.text or "").strip() or any((c.tail or "").strip() for c in body):
        raise client_fault("the Body holds text outside its operation element")
    return Request(root, header, body, payload[0])


def _envelope() -> tuple[etree._Element, etree._Element]:
    envelope = etree.Element(
        ENVELOPE, nsmap={"soapenv": SOAP_ENV, "soapenc": SOAP_ENC, "xsd": XSD, "xsi": XSI}
    )
    etree.SubElement(envelope, HEADER)
    return envelope, etree.SubElement(envelope, BODY)


def answer(payload: etree._Element) -> bytes:
    envelope, body = _envelope()
    _graft(body, payload)
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


def _graft(parent: etree._Element, element: etree._Element) -> None:
    """Copy `element` under `parent` node by node, so its namespaces resolve to the
    Envelope's declarations (`xsi:nil` uses the Envelope's `xsi`, as in the seed) instead of
    a copy of each declaration on the element that uses it."""
    own = {p: n for p, n in element.nsmap.items() if n not in parent.nsmap.values()}
    copy = etree.SubElement(parent, element.tag, nsmap=own or None)
    for name, value in element.attrib.items():
        copy.set(name, value)
    copy.text = element.text
    copy.tail = element.tail
    for child in element:
        if isinstance(child.tag, str):
            _graft(copy, child)


def fault(error: SoapFault) -> bytes:
    envelope, body = _envelope()
    element = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    namespace, local = error.code
    code = etree.SubElement(element, "faultcode")
    if namespace == SOAP_ENV:
        code.text = f"soapenv:{local}"
    else:
        # The code's namespace is declared where it is used, so the QName resolves.
        prefix = {WSSE: "wsse", WSU: "wsu"}.get(namespace, "ns1")
        code = _with_prefix(element, code, prefix, namespace)
        code.text = f"{prefix}:{local}"
    etree.SubElement(element, "faultstring").text = error.reason
    if error.detail is not None:
        etree.SubElement(element, "detail").append(error.detail)
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


def _with_prefix(
    parent: etree._Element, code: etree._Element, prefix: str, namespace: str
) -> etree._Element:
    replacement = etree.Element("faultcode", nsmap={prefix: namespace})
    parent.replace(code, replacement)
    return replacement


def nil(tag: str) -> etree._Element:
    element = etree.Element(tag)
    element.set(f"{{{XSI}}}nil", "true")
    return element
