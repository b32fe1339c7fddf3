"""The portal's HAN compose form: which inputs each message kind has and how they become the
Smart Energy fields the messaging service validates.

Every kind's inputs sit in one form, named `<prefix>-<field>` so the groups never collide:
without script every group shows and only the chosen kind's inputs are read. Values go to the
service as typed (no range checks here): the service's refusal names the field and its range,
and the page shows exactly that."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from smt.han.messaging import MessageRequest
from smt.han.model import Address, HanRefusal, MessageKind
from smt.han.utc_time import to_utc_time
from smt.web.han_api import se_fields
from smt.web.portal.context import Fields

PREFIX = {
    MessageKind.PRICE: "price",
    MessageKind.LOAD_CONTROL: "lc",
    MessageKind.CANCEL_LOAD_CONTROL: "cancel-lc",
    MessageKind.CANCEL_ALL_LOAD_CONTROL: "cancel-all",
    MessageKind.TEXT: "text",
    MessageKind.CANCEL_TEXT: "cancel-text",
}
# The offsets a Central wall-clock time may carry: the fall-back hour happens twice, once in
# daylight time (-05:00) and once in standard time (-06:00); "" leaves it to the service,
# which refuses a time that is ambiguous or does not exist.
OFFSETS = ("", "-05:00", "-06:00")
MAX_ADDRESS_TEXT = 1_000_000  # 10,000 addresses of ESIID/meter/EUI-64 fit with room to spare
MAX_INPUT = 200


@dataclass(frozen=True, slots=True)
class Input:
    """One Smart Energy field and the way the form gives it.

    how: "int" (a number), "text", "time" (a Central date-time, empty for now, plus an offset
    select), "bits" (checkboxes and selects whose values are OR-ed together; none given leaves
    the field out), "nibbles" (two inputs 0-15 packed high and low into one byte)."""

    field: str
    how: str
    parts: tuple[str, str] = ("", "")  # nibbles: the input names of the high and low halves


KINDS: dict[MessageKind, tuple[Input, ...]] = {
    MessageKind.PRICE: (
        Input("provider_id", "int"),
        Input("rate_label", "text"),
        Input("issuer_event_id", "int"),
        Input("price_trailing_digit_and_tier", "nibbles", ("digits", "tier")),
        Input("number_of_tiers_and_register_tier", "nibbles", ("tiers", "register_tier")),
        Input("start_time", "time"),
        Input("duration_minutes", "int"),
        Input("price", "int"),
        Input("price_control", "bits"),
    ),
    MessageKind.LOAD_CONTROL: (
        Input("issuer_event_id", "int"),
        Input("device_class", "bits"),
        Input("utility_enrollment_group", "int"),
        Input("start_time", "time"),
        Input("duration_minutes", "int"),
        Input("criticality_level", "int"),
        Input("cooling_temperature_offset", "int"),
        Input("heating_temperature_offset", "int"),
        Input("cooling_temperature_set_point", "int"),
        Input("heating_temperature_set_point", "int"),
        Input("average_load_adjustment_percentage", "int"),
        Input("duty_cycle", "int"),
        Input("event_control", "bits"),
    ),
    MessageKind.CANCEL_LOAD_CONTROL: (
        Input("issuer_event_id", "int"),
        Input("device_class", "bits"),
        Input("utility_enrollment_group", "int"),
        Input("cancel_control", "bits"),
    ),
    MessageKind.CANCEL_ALL_LOAD_CONTROL: (Input("cancel_control", "bits"),),
    MessageKind.TEXT: (
        Input("message_id", "int"),
        Input("message_control", "bits"),
        Input("start_time", "time"),
        Input("duration_minutes", "int"),
        Input("message", "text"),
    ),
    MessageKind.CANCEL_TEXT: (Input("message_id", "int"),),
}


def name(kind: MessageKind, field: str) -> str:
    return f"{PREFIX[kind]}-{field}"


def defaults(duns: Sequence[str], now: datetime) -> Fields:
    """What the empty form shows. Issuer ids must increase per DUNS, so the suggestion is the
    Smart Energy time of the moment (seconds since 2000): it grows by itself and fits 32 bits."""
    issuer = str(to_utc_time(now))
    return Fields(
        [
            ("kind", MessageKind.LOAD_CONTROL.value),
            ("duns", duns[0] if duns else ""),
            ("priority", "L"),
            ("price-issuer_event_id", issuer),
            ("price-digits", "5"),
            ("price-tier", "1"),
            ("price-tiers", "1"),
            ("price-register_tier", "1"),
            ("price-duration_minutes", "60"),
            ("lc-issuer_event_id", issuer),
            ("lc-device_class", "1"),
            ("lc-utility_enrollment_group", "0"),
            ("lc-duration_minutes", "60"),
            ("lc-criticality_level", "3"),
            ("cancel-lc-device_class", "1"),
            ("cancel-lc-utility_enrollment_group", "0"),
            ("text-message_id", issuer),
            ("text-message_control", "0"),
            ("text-duration_minutes", "60"),
        ]
    )


def kept(form: Fields) -> Fields:
    """The submitted values to show again: bounded, and without the CSRF token."""
    limit = {"addresses": MAX_ADDRESS_TEXT}
    return Fields(
        [(k, v[: limit.get(k, MAX_INPUT)]) for k, v in form.items() if k != "csrf_token"][:500]
    )


def message_request(form: Fields) -> MessageRequest:
    """The service's request from the submitted form, or HanRefusal naming what is wrong."""
    try:
        kind = MessageKind(form.get("kind"))
    except ValueError:
        raise HanRefusal("choose the kind of message") from None
    fields: dict[str, int | str] = {}
    for item in KINDS[kind]:
        key = name(kind, item.field)
        if item.how == "bits":
            given = [v for v in form.getlist(key) if v.strip()]
            if given:
                fields[item.field] = _bits(item.field, given)
            continue
        if item.how == "nibbles":
            high, low = (_nibble(item.field, form.get(name(kind, part))) for part in item.parts)
            if high is not None and low is not None:
                fields[item.field] = high << 4 | low
            continue
        text = form.get(key).strip()
        if item.how == "time":
            fields[item.field] = _time(text, form.get(f"{key}-offset"))
        elif item.how == "text":
            # Texts are sent as written (spaces are part of a message); empty ones are left
            # out so the service says which required field is missing.
            raw = form.get(key)
            if raw:
                fields[item.field] = raw
        elif text:
            fields[item.field] = _integer(item.field, text)
    if kind is MessageKind.PRICE:
        fields["current_time"] = "now"  # the time of sending, which is what "now" means
    return MessageRequest(
        kind,
        form.get("duns").strip(),
        se_fields(fields),
        addresses(form.get("addresses")),
        form.get("callback_uri").strip() or None,
        form.get("priority", "L"),
    )


def addresses(text: str) -> list[Address]:
    """One address a line: `ESIID`, `ESIID/meter` or `ESIID/meter/EUI-64`; blank lines skipped."""
    if len(text) > MAX_ADDRESS_TEXT:
        raise HanRefusal("the address list is too long: at most 10,000 addresses a message")
    found: list[Address] = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = [part.strip() for part in line.split("/")]
        if not any(parts):
            continue
        if len(parts) > 3:
            raise HanRefusal(
                f"address line {number}: write ESIID, ESIID/meter or ESIID/meter/EUI-64"
            )
        found.append(Address(*parts))
    return found


def _integer(field: str, text: str) -> int:
    try:
        return int(text, 10)
    except ValueError:
        raise HanRefusal(f"{field} must be a whole number") from None


def _bits(field: str, values: list[str]) -> int:
    combined = 0
    for value in values:
        combined |= _integer(field, value.strip())
    return combined


def _nibble(field: str, text: str) -> int | None:
    """Half of a byte; an empty half leaves the field out, for the service to call it missing."""
    if not text.strip():
        return None
    value = _integer(field, text.strip())
    if not 0 <= value <= 15:
        raise HanRefusal(f"{field}: each of its two numbers is between 0 and 15")
    return value


def _time(text: str, offset: str) -> str:
    if not text:
        return "now"
    if offset not in OFFSETS:
        raise HanRefusal("the offset is -05:00 (CDT), -06:00 (CST) or none")
    return text + offset
