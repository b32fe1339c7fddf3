"""A SAML 2.0 identity provider for the tests: its own key and certificate, and assertions
signed as IdPs sign them (enveloped signature, exclusive C14N, RSA-SHA256)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import trustme
import xmlsec
from lxml import etree

from smt.web.soap.saml import SAML

ISSUER = "https://idp.b2b.example/saml"
STAMP = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class IdentityProvider:
    issuer: str
    certificate: Path
    key_pem: bytes

    @classmethod
    def make(cls, folder: Path) -> IdentityProvider:
        leaf = trustme.CA().issue_cert(
            "idp.b2b.example",
            key_type=trustme.KeyType.RSA,
            not_before=datetime(2020, 1, 1, tzinfo=UTC),
            not_after=datetime(2045, 1, 1, tzinfo=UTC),
        )
        certificate = folder / "idp.pem"
        leaf.cert_chain_pems[0].write_to_path(str(certificate))
        return cls(ISSUER, certificate, leaf.private_key_pem.bytes())

    def assertion(
        self,
        subject: str,
        audience: str,
        now: datetime,
        *,
        duns: str | None = None,
        tamper: bool = False,
        lifetime: timedelta = timedelta(minutes=30),
    ) -> etree._Element:
        ident = f"_{uuid.uuid4().hex}"
        s = f"{{{SAML}}}"
        assertion = etree.Element(
            f"{s}Assertion",
            nsmap={"saml2": SAML},
            ID=ident,
            Version="2.0",
            IssueInstant=now.strftime(STAMP),
        )
        etree.SubElement(assertion, f"{s}Issuer").text = self.issuer
        subject_element = etree.SubElement(assertion, f"{s}Subject")
        etree.SubElement(subject_element, f"{s}NameID").text = subject
        confirmation = etree.SubElement(
            subject_element,
            f"{s}SubjectConfirmation",
            Method="urn:oasis:names:tc:SAML:2.0:cm:bearer",
        )
        etree.SubElement(
            confirmation,
            f"{s}SubjectConfirmationData",
            NotOnOrAfter=(now + lifetime).strftime(STAMP),
        )
        conditions = etree.SubElement(
            assertion,
            f"{s}Conditions",
            NotBefore=(now - timedelta(minutes=1)).strftime(STAMP),
            NotOnOrAfter=(now + lifetime).strftime(STAMP),
        )
        restriction = etree.SubElement(conditions, f"{s}AudienceRestriction")
        etree.SubElement(restriction, f"{s}Audience").text = audience
        if duns is not None:
            statement = etree.SubElement(assertion, f"{s}AttributeStatement")
            attribute = etree.SubElement(statement, f"{s}Attribute", Name="DUNS")
            etree.SubElement(attribute, f"{s}AttributeValue").text = duns
        signature = xmlsec.template.create(
            assertion, xmlsec.Transform.EXCL_C14N, xmlsec.Transform.RSA_SHA256
        )
        assertion.insert(1, signature)  # after the Issuer, as the schema orders it
        reference = xmlsec.template.add_reference(
            signature, xmlsec.Transform.SHA256, uri=f"#{ident}"
        )
        xmlsec.template.add_transform(reference, xmlsec.Transform.ENVELOPED)
        xmlsec.template.add_transform(reference, xmlsec.Transform.EXCL_C14N)
        xmlsec.template.ensure_key_info(signature)
        context = xmlsec.SignatureContext()
        context.register_id(assertion, "ID")
        context.key = xmlsec.Key.from_memory(self.key_pem, xmlsec.KeyFormat.PEM)
        context.sign(signature)
        if tamper:
            name = assertion.find(f"{s}Subject/{s}NameID")
            assert name is not None
            name.text = subject.upper()
        return assertion
