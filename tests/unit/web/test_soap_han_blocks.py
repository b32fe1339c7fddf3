"""The HAN SOAP service's XSD against its block table: every message block holds exactly the
Smart Energy fields of its command, in order, typed by their wire width, optional where the
codec has a default; and each operation's request holds its block. The XSD is written by hand
(it is read by people and by clients' code generators); this keeps it from drifting."""

from __future__ import annotations

import pytest
from lxml import etree

from smt.han.model import MessageKind
from smt.web.soap.envelope import XSD
from smt.web.soap.han import SCHEMA
from smt.web.soap.han_blocks import BLOCKS, XSD_TYPES, Block, element_name

NS = {"xsd": XSD}
SCHEMA_ROOT = etree.parse(str(SCHEMA)).getroot()


def declared(type_name: str) -> list[tuple[str, str, str]]:
    (complex_type,) = SCHEMA_ROOT.xpath(f"xsd:complexType[@name='{type_name}']", namespaces=NS)
    return [
        (e.get("name") or "", e.get("type") or "", e.get("minOccurs", "1"))
        for e in complex_type.xpath("xsd:sequence/xsd:element", namespaces=NS)
    ]


@pytest.mark.parametrize("block", BLOCKS, ids=[b.element for b in BLOCKS])
def test_each_block_is_its_commands_fields(block: Block) -> None:
    expected = [
        (name, XSD_TYPES[field.kind], "1" if block.required(field) else "0")
        for name, field in block.elements()
    ]
    assert declared(block.element) == expected


@pytest.mark.parametrize("block", BLOCKS, ids=[b.operation for b in BLOCKS])
def test_each_operation_wraps_its_request_and_block(block: Block) -> None:
    (wrapper,) = SCHEMA_ROOT.xpath(f"xsd:element[@name='{block.operation}']", namespaces=NS)
    (inner,) = wrapper.xpath(".//xsd:element", namespaces=NS)
    assert inner.get("name") == block.request
    request_type = (inner.get("type") or "").removeprefix("tns:")
    assert declared(request_type)[-1] == (block.element, f"tns:{block.element}", "1")


def test_every_message_kind_has_one_operation() -> None:
    assert sorted(b.kind for b in BLOCKS) == sorted(MessageKind)


def test_element_names() -> None:
    assert element_name("issuer_event_id") == "IssuerEventID"
    assert element_name("cancel_control") == "CancelControl"  # the seed's
    assert element_name("price_trailing_digit_and_tier") == "PriceTrailingDigitAndTier"


def test_refusals_name_elements_not_fields() -> None:
    lce = next(b for b in BLOCKS if b.kind is MessageKind.LOAD_CONTROL)
    text = next(b for b in BLOCKS if b.kind is MessageKind.TEXT)
    assert lce.fault("issuer_event_id must be greater than 7").reason == (
        "IssuerEventID must be greater than 7"
    )
    # One-word field names are plain words too: left alone.
    assert text.fault("at most 10000 addresses a message").reason == (
        "at most 10000 addresses a message"
    )
