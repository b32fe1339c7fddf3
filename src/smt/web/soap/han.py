"""HAN's SOAP service (the seed's "HAN API"): `https://<hub>/soap/smtxpmessaging`, namespace
`http://schemas.esb.ams.com/smtxpmessaging`, one operation per message type of the seed, each
answered synchronously with a Provision Request Acknowledgement or a Messaging Request
Acknowledgement.

The operations are the hub's HAN services (smt.han): the same devices, limits, messages,
acknowledgements, dispatch and log as the JSON API and the portal. The seed names one operation
(`processCancelAllLCEvents` with `SMTxPCancelAllLoadControlEventRequest`); the others are named
the same way and documented as ours (docs/han.md, "SOAP"). Refusals of a whole request are
Client faults with the reason; refusals of single addresses are listed in the acknowledgement."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from smt.access.policy import REP_ROLES, Principal
from smt.accounts.model import Role
from smt.composition import Hub
from smt.domain.central_time import CENTRAL
from smt.domain.esiid import Esiid, InvalidEsiid, esiid_fault
from smt.han.devices import Device, DeviceOrder
from smt.han.messaging import NOT_YOURS, Acknowledgement, MessageRequest
from smt.han.model import MAX_ADDRESSES, Address, DeviceState, HanRefusal, normalized_eui64
from smt.web.soap.envelope import client_fault
from smt.web.soap.han_blocks import BLOCKS, Block
from smt.web.soap.service import Call, Handler, Operation, Service
from smt.web.soap.xml import XmlLimits

log = logging.getLogger(__name__)

NAMESPACE = "http://schemas.esb.ams.com/smtxpmessaging"
PATH = "/soap/smtxpmessaging"
SCHEMA = Path(__file__).parent / "schemas" / "smtxpmessaging.xsd"
# RequesterType codes (ours: the seed shows only "0", from a REP's system account).
REP, TDSP = "0", "1"
REQUESTER_TYPES = {REP: "REP", TDSP: "TDSP"}
# Parsing limits that fit 10,000 full addresses (Address, ESIID, MeterSerialNumber,
# DeviceEUI64: four elements and ~220 bytes each) whatever the hub-wide SOAP limits are.
MIN_ELEMENTS = 4 * MAX_ADDRESSES + 1_000
MIN_BYTES = 4 * 1024 * 1024
NO_GROUPS = (
    "GroupID: this hub does not support address groups; list the addresses in "
    f"AddressList/Address (at most {MAX_ADDRESSES})"
)


@dataclass(frozen=True, slots=True)
class Header:
    """The seed's SMT header information, as checked against the caller."""

    request_id: str | None  # the caller's own id, echoed
    requester_type: str
    duns: str
    requester_id: str  # who at the requester: recorded, not trusted
    priority: str


def _text(element: etree._Element, path: str) -> str:
    return (element.findtext(path) or "").strip()


def _child(element: etree._Element, name: str) -> etree._Element:
    found = element.find(name)
    assert found is not None  # noqa: S101 - the XSD requires it
    return found


def _requester_type(principal: Principal) -> str | None:
    if principal.role in REP_ROLES:
        return REP
    if principal.role in (Role.TDSP_ADMIN, Role.TDSP_USER):
        return TDSP
    return None


class HanSoap:
    def __init__(self, hub: Hub) -> None:
        self._hub = hub

    def service(self) -> Service:
        s = self._hub.settings
        return Service(
            name="SMTxPMessaging",
            path=PATH,
            namespace=NAMESPACE,
            prefix="smt",
            schema_file=SCHEMA,
            operations=(
                Operation(
                    "processProvisionDevice",
                    "processProvisionDevice",
                    "processProvisionDeviceResponse",
                    self.provision,
                    "Provisioning Device Request: one device behind an ESIID's meter, by its "
                    "EUI-64 and install code; answered with the device and its state.",
                ),
                Operation(
                    "processDeprovisionDevice",
                    "processDeprovisionDevice",
                    "processDeprovisionDeviceResponse",
                    self.deprovision,
                    "De-provisioning Device Request: one device, by ESIID, meter and EUI-64.",
                ),
                *(
                    Operation(
                        b.operation,
                        b.operation,
                        f"{b.operation}Response",
                        self._messaging(b),
                        b.documentation,
                    )
                    for b in BLOCKS
                ),
            ),
            limits=XmlLimits(
                max_bytes=max(s.soap_max_body_bytes, MIN_BYTES),
                max_depth=s.soap_max_depth,
                max_elements=max(s.soap_max_elements, MIN_ELEMENTS),
            ),
        )

    # --- provisioning ---------------------------------------------------------------------

    def provision(self, call: Call, payload: etree._Element) -> etree._Element:
        request = _child(payload, "SMTxPProvisionDeviceRequest")
        header = self._header(call, request)
        block = _child(request, "ProvisionDeviceBlock")
        order = DeviceOrder(
            esiid=_text(block, "ESIID"),
            meter_number=_text(block, "MeterSerialNumber"),
            eui64=_text(block, "DeviceEUI64"),
            install_code=_text(block, "InstallCode"),
            device_type=_text(block, "DeviceType"),
        )
        hub = self._hub
        try:
            with hub.engine.begin() as conn:
                device = hub.han.devices.provision(conn, call.caller.principal, order, now=call.now)
        except HanRefusal as refusal:
            raise client_fault(str(refusal)) from None
        self._log("processProvisionDevice", call, header, f"device {device.id}")
        return _device_answer("processProvisionDeviceResponse", header, device)

    def deprovision(self, call: Call, payload: etree._Element) -> etree._Element:
        request = _child(payload, "SMTxPDeprovisionDeviceRequest")
        header = self._header(call, request)
        block = _child(request, "DeprovisionDeviceBlock")
        principal = call.caller.principal
        meter = _text(block, "MeterSerialNumber")
        hub = self._hub
        try:
            eui64 = normalized_eui64(_text(block, "DeviceEUI64"))
            with hub.engine.begin() as conn:
                found = [
                    d
                    for d in hub.han.devices.on_esiid(
                        conn, principal, _esiid(_text(block, "ESIID")), now=call.now
                    )
                    if d.eui64 == eui64
                    and d.meter_number == meter
                    and d.state is not DeviceState.REMOVED
                ]
                if not found:
                    # Also for an ESIID the caller may not reach: nothing tells them apart.
                    raise HanRefusal(f"no device {eui64} of yours on this ESIID and meter")
                device = hub.han.devices.deprovision(conn, principal, found[0].id, now=call.now)
        except HanRefusal as refusal:
            raise client_fault(str(refusal)) from None
        self._log("processDeprovisionDevice", call, header, f"device {device.id}")
        return _device_answer("processDeprovisionDeviceResponse", header, device)

    # --- Smart Energy messages ------------------------------------------------------------

    def _messaging(self, block: Block) -> Handler:
        def handle(call: Call, payload: etree._Element) -> etree._Element:
            return self.send(block, call, payload)

        return handle

    def send(self, block: Block, call: Call, payload: etree._Element) -> etree._Element:
        request = _child(payload, block.request)
        header = self._header(call, request)
        if header.requester_type != REP:
            raise client_fault(
                "HAN messages are sent by REPs (RequesterType 0); a TDSP provisions and "
                "de-provisions devices"
            )
        if request.find("AddressBlock/GroupID") is not None:
            raise client_fault(NO_GROUPS)
        addresses = [
            Address(_text(a, "ESIID"), _text(a, "MeterSerialNumber"), _text(a, "DeviceEUI64"))
            for a in request.iterfind("AddressBlock/AddressList/Address")
        ]
        message = MessageRequest(
            block.kind,
            header.duns,
            block.fields(_child(request, block.element)),
            addresses,
            _text(request, "CallbackUri") or None,
            header.priority,
        )
        hub = self._hub
        try:
            ack = hub.han.send(hub.engine, call.caller.principal, message, now=call.now)
        except HanRefusal as refusal:
            raise block.fault(str(refusal)) from None
        outcome = f"{ack.request_id or 'nothing sent'}, {len(ack.accepted)} accepted"
        self._log(block.operation, call, header, f"{outcome}, {len(ack.refused)} refused")
        return _messaging_answer(block, header, addresses, ack)

    # --- shared ---------------------------------------------------------------------------

    def _header(self, call: Call, request: etree._Element) -> Header:
        """The header, checked against who the security layer proved the caller is."""
        header = Header(
            _text(request, "RequestID") or None,
            _text(request, "RequesterType"),
            _text(request, "RequesterAuthenticationID"),
            _text(request, "RequesterID"),
            _text(request, "RequestPriority"),
        )
        principal = call.caller.principal
        expected = _requester_type(principal)
        if expected is None:
            raise client_fault("HAN requests come from the system accounts of REPs and TDSPs")
        if header.requester_type != expected:
            given = REQUESTER_TYPES[header.requester_type]
            raise client_fault(
                f"RequesterType {header.requester_type} ({given}) does not match this system "
                f"account, which acts for a {REQUESTER_TYPES[expected]} (RequesterType "
                f"{expected})"
            )
        if header.duns not in principal.duns:
            raise client_fault(
                f"RequesterAuthenticationID {header.duns} is not the DUNS this system account "
                "acts for"
            )
        return header

    @staticmethod
    def _log(operation: str, call: Call, header: Header, outcome: str) -> None:
        log.info(
            "%s by %s for DUNS %s (RequesterID %r, RequestID %r, priority %s): %s",
            operation,
            call.caller.principal.user_id,
            header.duns,
            header.requester_id,
            header.request_id,
            header.priority,
            outcome,
        )


def _esiid(text: str) -> str:
    try:
        return Esiid.parse(text).value
    except InvalidEsiid:
        return text  # finds nothing, and is answered like an ESIID of someone else's


def _answer(operation_response: str, acknowledgement: str) -> tuple[etree._Element, etree._Element]:
    root = etree.Element(f"{{{NAMESPACE}}}{operation_response}", nsmap={"smt": NAMESPACE})
    return root, etree.SubElement(root, acknowledgement)


def _add(parent: etree._Element, name: str, text: str | int) -> None:
    etree.SubElement(parent, name).text = str(text)


def _device_answer(tag: str, header: Header, device: Device) -> etree._Element:
    root, ack = _answer(tag, "SMTxPProvisionRequestAcknowledgement")
    if header.request_id:
        _add(ack, "RequestID", header.request_id)
    _add(ack, "DeviceID", device.id)
    _add(ack, "ESIID", device.esiid)
    _add(ack, "MeterSerialNumber", device.meter_number)
    _add(ack, "DeviceEUI64", device.eui64)
    _add(ack, "DeviceType", device.device_type.value)
    _add(ack, "DeviceState", device.state.value)
    if device.reason:
        _add(ack, "StateReason", device.reason)
    if device.changes_at is not None:
        _add(ack, "StateChangesAt", device.changes_at.astimezone(CENTRAL).isoformat("T", "seconds"))
    return root


def _messaging_answer(
    block: Block, header: Header, addresses: list[Address], ack: Acknowledgement
) -> etree._Element:
    root, out = _answer(f"{block.operation}Response", "SMTxPMessagingRequestAcknowledgement")
    if header.request_id:
        _add(out, "RequestID", header.request_id)
    if ack.request_id:
        _add(out, "SMTRequestID", ack.request_id)
    _add(out, "AddressCount", len(addresses))
    _add(out, "AcceptedCount", len(ack.accepted))
    _add(out, "RefusedCount", len(ack.refused))
    refused = etree.SubElement(out, "RefusedAddressList")
    # The services answer with each address's label; the caller gets its elements back.
    by_label: dict[str, Address] = {}
    for address in addresses:
        by_label.setdefault(address.label, address)
    for label, reason in ack.refused:
        address = by_label.get(label, Address(label))
        entry = etree.SubElement(refused, "RefusedAddress")
        _add(entry, "ESIID", address.esiid)
        if address.meter_number:
            _add(entry, "MeterSerialNumber", address.meter_number)
        if address.device_eui64:
            _add(entry, "DeviceEUI64", address.device_eui64)
        _add(entry, "Reason", _reason(address, reason))
    return root


def _reason(address: Address, reason: str) -> str:
    """An ESIID that is not even well formed is told so: its shape is public knowledge, and
    "not an ESIID you serve today" would send the REP looking in the wrong place."""
    if reason == NOT_YOURS:
        return esiid_fault(address.esiid.removeprefix("'")) or reason
    return reason
