"""XML Signature checks shared by the message signature (WS-Security, over the Body and the
Timestamp) and SAML assertions (enveloped, over the assertion).

xmlsec checks digests and the signature value; it does not know *what* should have been
signed. Signature wrapping attacks move the signed element elsewhere and put a forged one
where the application reads. So before xmlsec runs: every ID in the document is counted and a
referenced ID must occur exactly once; each reference must point at the very element the
caller will use (compared by identity, not by name); only exclusive C14N (and, for an
assertion, the enveloped-signature transform) may transform; SHA-1 is refused. Only the IDs
of those elements are registered with xmlsec, so it cannot resolve a reference elsewhere."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import xmlsec
from lxml import etree

from smt.web.soap.envelope import WSU, SoapFault, security_fault

DS = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
SIGNATURE_METHODS = frozenset(
    {
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
    }
)
DIGEST_METHODS = frozenset(
    {
        "http://www.w3.org/2001/04/xmlenc#sha256",
        "http://www.w3.org/2001/04/xmldsig-more#sha384",
        "http://www.w3.org/2001/04/xmlenc#sha512",
    }
)
# Attributes that name an element for a same-document reference (wsu:Id, SAML's ID, xml:id,
# a bare Id). All are counted, whatever the signer used: a duplicate of any kind is refused.
ID_ATTRIBUTES = (
    f"{{{WSU}}}Id",
    "ID",
    "Id",
    "{http://www.w3.org/XML/1998/namespace}id",
)


def ds(local: str) -> str:
    return f"{{{DS}}}{local}"


def _one(parent: etree._Element, tag: str, what: str) -> etree._Element:
    found = parent.findall(tag)
    if len(found) != 1:
        raise security_fault("InvalidSecurity", f"{what}: exactly one expected")
    return found[0]


def _algorithm(parent: etree._Element, tag: str, what: str) -> str:
    return _one(parent, tag, what).get("Algorithm") or ""


def id_counts(root: etree._Element) -> Counter[str]:
    counts: Counter[str] = Counter()
    for name in ID_ATTRIBUTES:
        # An XPath on the attribute axis: evaluated in C, one pass per attribute name.
        namespace, _, local = name.rpartition("}")
        expression = f"//@*[local-name()='{local}' and namespace-uri()='{namespace.lstrip('{')}']"
        values = root.xpath(expression)
        assert isinstance(values, list)  # noqa: S101 - an attribute XPath gives a list
        counts.update(str(v) for v in values)
    return counts


@dataclass(frozen=True, slots=True)
class Target:
    """An element a signature must cover, the attribute naming it, and whether it must be."""

    element: etree._Element
    id_attribute: str  # Clark notation
    required: bool = True
    what: str = "element"


def check_signed_info(
    signature: etree._Element,
    targets: Sequence[Target],
    counts: Counter[str],
    *,
    transforms: tuple[str, ...],
) -> None:
    """Refuse anything but references to exactly `targets` with the allowed algorithms."""
    signed_info = _one(signature, ds("SignedInfo"), "ds:SignedInfo")
    if _algorithm(signed_info, ds("CanonicalizationMethod"), "CanonicalizationMethod") != (
        EXC_C14N
    ):
        raise security_fault("UnsupportedAlgorithm", "canonicalization must be exclusive C14N")
    method = _algorithm(signed_info, ds("SignatureMethod"), "SignatureMethod")
    if method not in SIGNATURE_METHODS:
        raise security_fault(
            "UnsupportedAlgorithm",
            f"signature method {method[:100]!r} is not accepted (RSA or ECDSA with SHA-256 "
            "or stronger)",
        )
    by_id = {}
    for target in targets:
        value = target.element.get(target.id_attribute)
        if value:
            by_id[value] = target
        elif target.required:
            raise security_fault("InvalidSecurity", f"the {target.what} carries no Id to sign")
    covered: set[str] = set()
    for reference in signed_info.findall(ds("Reference")):
        uri = reference.get("URI") or ""
        if not uri.startswith("#") or len(uri) < 2:
            raise security_fault(
                "InvalidSecurity", 'only same-document references (URI="#id") are accepted'
            )
        name = uri[1:]
        if name in covered:
            raise security_fault("InvalidSecurity", f"the element {name!r} is referenced twice")
        if counts[name] != 1:
            raise security_fault(
                "InvalidSecurity",
                f"the signed Id {name!r} occurs {counts[name]} times in the message: "
                "it must name exactly one element",
            )
        if name not in by_id:
            raise security_fault(
                "InvalidSecurity", f"the signature covers {name!r}, which is not a part it may sign"
            )
        used = [
            t.get("Algorithm") for t in reference.findall(f"{ds('Transforms')}/{ds('Transform')}")
        ]
        if tuple(used) != transforms:
            raise security_fault(
                "UnsupportedAlgorithm",
                f"reference transforms must be exactly {', '.join(transforms)}",
            )
        digest = _algorithm(reference, ds("DigestMethod"), "DigestMethod")
        if digest not in DIGEST_METHODS:
            raise security_fault(
                "UnsupportedAlgorithm",
                f"digest method {digest[:100]!r} is not accepted (SHA-256 or stronger)",
            )
        covered.add(name)
    for value, target in by_id.items():
        if target.required and value not in covered:
            raise security_fault(
                "InvalidSecurity", f"the signature does not cover the {target.what}"
            )


def verify(
    signature: etree._Element, targets: Sequence[Target], key: xmlsec.Key, failure: str
) -> None:
    """xmlsec's check, with only the targets' IDs known to it."""
    context = xmlsec.SignatureContext()
    context.key = key
    for target in targets:
        if target.element.get(target.id_attribute):
            namespace, _, local = target.id_attribute.rpartition("}")
            context.register_id(target.element, local, namespace.lstrip("{") or None)
    try:
        context.verify(signature)
    except xmlsec.Error:
        raise security_fault("FailedCheck", failure) from None


def certificate_key(der: bytes) -> xmlsec.Key:
    try:
        return xmlsec.Key.from_memory(der, xmlsec.constants.KeyDataFormatCertDer, None)
    except xmlsec.Error:
        raise security_fault("InvalidSecurityToken", "the certificate cannot be read") from None


__all__ = ["SoapFault"]
