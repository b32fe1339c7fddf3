"""HAN's vocabulary: device types and what they take, device states, message kinds (each an SE
command), addresses, and the head-end limits a TDSP sets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from smt.han.se_commands import (
    CANCEL_ALL_LOAD_CONTROL_EVENTS,
    CANCEL_LOAD_CONTROL_EVENT,
    CANCEL_MESSAGE,
    DISPLAY_MESSAGE,
    LOAD_CONTROL_EVENT,
    MESSAGE_TEXT_BYTES,
    PUBLISH_PRICE,
)
from smt.han.zcl import Command

MAX_ADDRESSES = 10_000  # the seed: no more than 10,000 addresses a message
DEFAULT_DEVICES_PER_METER = 5  # Oncor's non-enhanced meters (reference/han-sep1.md 12.1)
EUI64 = re.compile(r"[0-9A-F]{16}")


class Capability(StrEnum):
    PRICE = "price"
    MESSAGING = "messaging"
    LOAD_CONTROL = "load-control"


class DeviceType(StrEnum):
    IN_HOME_DISPLAY = "in-home-display"
    THERMOSTAT = "thermostat"
    LOAD_CONTROL_SWITCH = "load-control-switch"
    SMART_APPLIANCE = "smart-appliance"

    @property
    def capabilities(self) -> frozenset[Capability]:
        return _CAPABILITIES[self]


_CAPABILITIES = {
    DeviceType.IN_HOME_DISPLAY: frozenset({Capability.PRICE, Capability.MESSAGING}),
    DeviceType.THERMOSTAT: frozenset(
        {Capability.PRICE, Capability.MESSAGING, Capability.LOAD_CONTROL}
    ),
    DeviceType.LOAD_CONTROL_SWITCH: frozenset({Capability.LOAD_CONTROL}),
    DeviceType.SMART_APPLIANCE: frozenset({Capability.PRICE, Capability.LOAD_CONTROL}),
}


class DeviceState(StrEnum):
    REQUESTED = "requested"  # the head-end is joining it
    JOINED = "joined"
    FAILED = "failed"  # the head-end could not join it
    REMOVED = "removed"  # de-provisioned


# Devices that take a place under the meter's limit.
OCCUPYING = (DeviceState.REQUESTED, DeviceState.JOINED)


@dataclass(frozen=True, slots=True)
class Kind:
    command: Command
    capability: Capability
    issuer_field: str | None  # the increasing id the request carries
    cancels: str | None = None  # the field naming an earlier request's id


class MessageKind(StrEnum):
    PRICE = "price"
    LOAD_CONTROL = "load-control"
    CANCEL_LOAD_CONTROL = "cancel-load-control"
    CANCEL_ALL_LOAD_CONTROL = "cancel-all-load-control"
    TEXT = "text"
    CANCEL_TEXT = "cancel-text"

    @property
    def spec(self) -> Kind:
        return _KINDS[self]

    @property
    def family(self) -> str:
        """Kinds whose issuer ids must increase together."""
        return {
            MessageKind.PRICE: "price",
            MessageKind.LOAD_CONTROL: "event",
            MessageKind.TEXT: "message",
        }.get(self, "")


_KINDS = {
    MessageKind.PRICE: Kind(PUBLISH_PRICE, Capability.PRICE, "issuer_event_id"),
    MessageKind.LOAD_CONTROL: Kind(LOAD_CONTROL_EVENT, Capability.LOAD_CONTROL, "issuer_event_id"),
    MessageKind.CANCEL_LOAD_CONTROL: Kind(
        CANCEL_LOAD_CONTROL_EVENT, Capability.LOAD_CONTROL, None, cancels="issuer_event_id"
    ),
    MessageKind.CANCEL_ALL_LOAD_CONTROL: Kind(
        CANCEL_ALL_LOAD_CONTROL_EVENTS, Capability.LOAD_CONTROL, None
    ),
    MessageKind.TEXT: Kind(DISPLAY_MESSAGE, Capability.MESSAGING, "message_id"),
    MessageKind.CANCEL_TEXT: Kind(CANCEL_MESSAGE, Capability.MESSAGING, None, cancels="message_id"),
}


@dataclass(frozen=True, slots=True)
class Address:
    """An ESIID/meter (every capable device behind it) or one device on it."""

    esiid: str
    meter_number: str = ""
    device_eui64: str = ""

    @property
    def label(self) -> str:
        parts = [self.esiid, self.meter_number, self.device_eui64]
        return "/".join(p for p in parts if p) or "(empty)"


@dataclass(frozen=True, slots=True)
class HanLimits:
    """A TDSP's head-end limits, set by its administrator."""

    max_devices_per_meter: int = DEFAULT_DEVICES_PER_METER
    max_text_bytes: int = MESSAGE_TEXT_BYTES


class HanRefusal(ValueError):
    """A request refused as a whole, with the reason to show the requester."""


def normalized_eui64(text: str) -> str:
    compact = re.sub(r"[\s:-]", "", text).upper()
    if not EUI64.fullmatch(compact):
        raise HanRefusal("a device EUI-64 is 16 hexadecimal digits")
    return compact
