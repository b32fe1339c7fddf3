"""SOAP services declared as data: a service is a namespace, a path, an XSD file and a table
of operations (name, request element, response element, handler). The WSDL is written from
that table (document/literal, SOAP 1.1), so it cannot drift from what is served; every
request's operation element is validated against the XSD before its handler sees it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from lxml import etree

from smt.access.policy import Principal
from smt.web.soap.envelope import SOAP_ENV, XSD, client_fault
from smt.web.soap.xml import XmlLimits

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
SOAP_HTTP = "http://schemas.xmlsoap.org/soap/http"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent a message, once the security layer accepted it."""

    principal: Principal
    # How each identity was proved ("certificate", "username-digest", "signature", "saml").
    proofs: frozenset[str]


@dataclass(frozen=True, slots=True)
class Call:
    """What a handler gets besides the operation element."""

    caller: Caller
    now: datetime
    # https://host[:port] the caller reached us at (for URLs we hand back).
    base_url: str


Handler = Callable[[Call, etree._Element], etree._Element]


@dataclass(frozen=True, slots=True)
class Operation:
    name: str
    request: str  # local name of the request element in the service namespace
    response: str
    handler: Handler
    documentation: str = ""


@dataclass(frozen=True)
class Service:
    name: str
    path: str
    namespace: str
    prefix: str  # of the service namespace in answers (the seed's `me`)
    schema_file: Path
    operations: tuple[Operation, ...]
    limits: XmlLimits | None = None  # None: the hub's defaults
    _schema: list[etree.XMLSchema] = field(default_factory=list, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def operation_for(self, payload: etree._Element) -> Operation:
        tag = etree.QName(payload)
        for operation in self.operations:
            if tag.namespace == self.namespace and tag.localname == operation.request:
                return operation
        raise client_fault(
            f"no operation {{{tag.namespace or ''}}}{tag.localname} in the {self.name} "
            f"service; it has {', '.join(o.name for o in self.operations)}"
        )

    def tag(self, local: str) -> str:
        return f"{{{self.namespace}}}{local}"

    @property
    def schema(self) -> etree.XMLSchema:
        """The compiled XSD, compiled on first use (no I/O when the app is built)."""
        with self._lock:
            if not self._schema:
                # Our own file, parsed without network access like everything else.
                parser = etree.XMLParser(no_network=True, resolve_entities=False)
                document = etree.parse(str(self.schema_file), parser)
                self._schema.append(etree.XMLSchema(document))
            return self._schema[0]

    def validate(self, payload: etree._Element) -> None:
        schema = self.schema
        if not schema.validate(payload):
            error = schema.error_log.last_error
            message = error.message if error is not None else "invalid"
            raise client_fault(
                f"the {etree.QName(payload).localname} element is invalid: {message}"
            )

    def xsd(self) -> bytes:
        return self.schema_file.read_bytes()

    def wsdl(self, address: str) -> bytes:
        """Document/literal WSDL 1.1 with one port at `address`; its types import the XSD
        served beside it (`<path>?xsd`)."""
        tns = self.namespace
        ns = {"wsdl": WSDL_NS, "soap": WSDL_SOAP, "xsd": XSD, "tns": tns}
        definitions = etree.Element(
            f"{{{WSDL_NS}}}definitions", nsmap=ns, name=self.name, targetNamespace=tns
        )
        types = etree.SubElement(definitions, f"{{{WSDL_NS}}}types")
        wrapper = etree.SubElement(types, f"{{{XSD}}}schema")
        etree.SubElement(
            wrapper,
            f"{{{XSD}}}import",
            namespace=tns,
            schemaLocation=f"{self.path.rsplit('/', 1)[-1]}?xsd",
        )
        for operation in self.operations:
            for suffix, element in (
                ("Request", operation.request),
                ("Response", operation.response),
            ):
                message = etree.SubElement(
                    definitions, f"{{{WSDL_NS}}}message", name=f"{operation.name}{suffix}"
                )
                etree.SubElement(
                    message, f"{{{WSDL_NS}}}part", name="parameters", element=f"tns:{element}"
                )
        port_type = etree.SubElement(
            definitions, f"{{{WSDL_NS}}}portType", name=f"{self.name}PortType"
        )
        for operation in self.operations:
            op = etree.SubElement(port_type, f"{{{WSDL_NS}}}operation", name=operation.name)
            if operation.documentation:
                etree.SubElement(op, f"{{{WSDL_NS}}}documentation").text = operation.documentation
            etree.SubElement(op, f"{{{WSDL_NS}}}input", message=f"tns:{operation.name}Request")
            etree.SubElement(op, f"{{{WSDL_NS}}}output", message=f"tns:{operation.name}Response")
        binding = etree.SubElement(
            definitions,
            f"{{{WSDL_NS}}}binding",
            name=f"{self.name}Binding",
            type=f"tns:{self.name}PortType",
        )
        etree.SubElement(binding, f"{{{WSDL_SOAP}}}binding", style="document", transport=SOAP_HTTP)
        for operation in self.operations:
            op = etree.SubElement(binding, f"{{{WSDL_NS}}}operation", name=operation.name)
            etree.SubElement(op, f"{{{WSDL_SOAP}}}operation", soapAction=f"{tns}/{operation.name}")
            for direction in ("input", "output"):
                body = etree.SubElement(op, f"{{{WSDL_NS}}}{direction}")
                etree.SubElement(body, f"{{{WSDL_SOAP}}}body", use="literal")
        service = etree.SubElement(definitions, f"{{{WSDL_NS}}}service", name=self.name)
        port = etree.SubElement(
            service,
            f"{{{WSDL_NS}}}port",
            name=f"{self.name}Port",
            binding=f"tns:{self.name}Binding",
        )
        etree.SubElement(port, f"{{{WSDL_SOAP}}}address", location=address)
        return etree.tostring(
            definitions, xml_declaration=True, encoding="utf-8", pretty_print=True
        )


__all__ = ["SOAP_ENV", "Call", "Caller", "Handler", "Operation", "Service"]
