"""The message blocks of the HAN SOAP service (`smtxpmessaging`), one per message kind, and how
their elements map to the Smart Energy fields of `smt.han.se_commands`.

The seed shows one block (`CancelAllLCEventMessageBlock/CancelControl`); the others are ours,
named the same way: every element is its Smart Energy field in CamelCase (`issuer_event_id` is
`IssuerEventID`, `duration_minutes` is `DurationMinutes`), in the command's field order, so the
table cannot drift from the codec and the XSD is checked against it (tests/unit/web). Ranges,
"unused" markers and text lengths in bytes are the codec's checks; a refusal names the element.
Times (`*Time`) are Central prevailing time as ISO 8601 (an explicit offset, or a local time that
names one instant) or `now`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from smt.han.model import MessageKind
from smt.han.utc_time import InvalidLocalTime, parse_central, to_utc_time
from smt.han.zcl import Command, Field, InvalidField, Kind, checked
from smt.web.soap.envelope import SoapFault, client_fault

# "now" in a Smart Energy time field (Start Time 0 = start at once), as in the JSON API.
NOW = 0
# The XSD type of each field kind (the wire's width; ranges are the codec's).
XSD_TYPES = {
    Kind.U8: "xsd:unsignedByte",
    Kind.U16: "xsd:unsignedShort",
    Kind.U32: "xsd:unsignedInt",
    Kind.I8: "xsd:byte",
    Kind.I16: "xsd:short",
    Kind.UTC_TIME: "tns:CentralTime",
    Kind.TEXT: "xsd:string",
}


def element_name(field_name: str) -> str:
    """`issuer_event_id` -> `IssuerEventID`: CamelCase, with SMT's upper-case `ID`."""
    return "".join("ID" if part == "id" else part.capitalize() for part in field_name.split("_"))


@dataclass(frozen=True, slots=True)
class Block:
    kind: MessageKind
    operation: str  # the operation and its wrapper element in the service namespace
    request: str  # the request element inside the wrapper (the seed's SMTxP... name)
    element: str  # the message block inside the request
    documentation: str

    @property
    def command(self) -> Command:
        return self.kind.spec.command

    def elements(self) -> list[tuple[str, Field]]:
        """The block's elements in order, each with its Smart Energy field."""
        return [(element_name(f.name), f) for f in self.command.fields]

    def required(self, field: Field) -> bool:
        return not field.optional and field.default is None

    def fields(self, block: etree._Element) -> dict[str, int | str]:
        """The Smart Energy fields of a block the XSD accepted (so every child is one of ours,
        in order, with its type's lexical form), checked as the codec checks them."""
        by_element = dict(self.elements())
        values: dict[str, int | str] = {}
        for child in block:
            if not isinstance(child.tag, str):
                continue
            name = etree.QName(child).localname
            field = by_element[name]
            text = child.text or ""
            if field.kind is Kind.UTC_TIME:
                values[field.name] = central_time(name, text)
            elif field.kind.integer:
                values[field.name] = int(text.strip())
            else:
                values[field.name] = text  # texts are sent as written, spaces included
        try:
            checked(self.command, values)
        except InvalidField as error:
            raise self.fault(f"{element_name(error.field)} {error.problem}") from None
        return values

    def fault(self, reason: str) -> SoapFault:
        """A refusal in this block's terms: Smart Energy field names become element names
        (`issuer_event_id must be greater than 7` -> `IssuerEventID must be ...`). Only the
        names with an underscore: one-word names (`message`, `price`) are also plain words."""
        names = sorted((f.name for f in self.command.fields if "_" in f.name), key=len)
        for name in reversed(names):
            reason = re.sub(rf"\b{name}\b", element_name(name), reason)
        return client_fault(reason)


def central_time(element: str, text: str) -> int:
    """A Central wall-clock time (or `now`) as Smart Energy UTCTime."""
    if text.strip().lower() == "now":
        return NOW
    try:
        return to_utc_time(parse_central(text))
    except InvalidLocalTime as error:
        raise client_fault(f"{element}: {error}") from None


BLOCKS = (
    Block(
        MessageKind.TEXT,
        "processSimpleMessage",
        "SMTxPSimpleMessageRequest",
        "SimpleMessageBlock",
        "Simple Messaging Request: a text message (Messaging DisplayMessage).",
    ),
    Block(
        MessageKind.CANCEL_TEXT,
        "processCancelSimpleMessage",
        "SMTxPCancelSimpleMessageRequest",
        "CancelSimpleMessageBlock",
        "Cancel Simple Message Request (Messaging CancelMessage).",
    ),
    Block(
        MessageKind.LOAD_CONTROL,
        "processLoadControlEvent",
        "SMTxPLoadControlEventRequest",
        "LCEventMessageBlock",
        "Load Control Messaging Request (DRLC LoadControlEvent).",
    ),
    Block(
        MessageKind.CANCEL_LOAD_CONTROL,
        "processCancelLCEvent",
        "SMTxPCancelLoadControlEventRequest",
        "CancelLCEventMessageBlock",
        "Cancel Load Control Message Request (DRLC CancelLoadControlEvent).",
    ),
    Block(
        MessageKind.CANCEL_ALL_LOAD_CONTROL,
        "processCancelAllLCEvents",
        "SMTxPCancelAllLoadControlEventRequest",
        "CancelAllLCEventMessageBlock",
        "Cancel All Load Control Message Request (DRLC CancelAllLoadControlEvents); the "
        "seed's sample.",
    ),
    Block(
        MessageKind.PRICE,
        "processPriceSignal",
        "SMTxPPriceSignalRequest",
        "PriceSignalMessageBlock",
        "Price Signal Request (Price PublishPrice).",
    ),
)
