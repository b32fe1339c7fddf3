"""Smart Energy 1.x commands the hub sends and receives, declared as data (field order and types
from Ember's ami.xml, semantics from the SE specification; see reference/han-sep1.md): Price
0x0700, Demand Response and Load Control 0x0701, Messaging 0x0703."""

from __future__ import annotations

from smt.han.zcl import Command, Direction, Field, Kind

PRICE = 0x0700
DRLC = 0x0701
MESSAGING = 0x0703

UTC_NOW = 0  # Start Time 0 = now
UNTIL_CHANGED = 0xFFFF  # Duration 0xFFFF (Price, Messaging)
MESSAGE_TEXT_BYTES = 59  # room left in an unfragmented, secured DisplayMessage
RATE_LABEL_BYTES = 12
SIGNATURE_BYTES = 42  # ECDSA r||s on sect163k1, no length prefix


def _u32(name: str, **kw: object) -> Field:
    return Field(name, Kind.U32, **kw)  # type: ignore[arg-type]


def _time(name: str, **kw: object) -> Field:
    # 0xFFFFFFFF is "invalid" in SE: never a valid time to send.
    return Field(name, Kind.UTC_TIME, maximum=0xFFFFFFFE, **kw)  # type: ignore[arg-type]


PUBLISH_PRICE = Command(
    "PublishPrice",
    PRICE,
    0x00,
    Direction.TO_DEVICE,
    (
        _u32("provider_id"),
        Field("rate_label", Kind.TEXT, max_bytes=RATE_LABEL_BYTES),
        _u32("issuer_event_id"),
        _time("current_time"),
        Field("unit_of_measure", Kind.U8, default=0x00),  # 0x00 kWh
        Field("currency", Kind.U16, maximum=999, default=840),  # ISO 4217 numeric; 840 USD
        # high nibble: digits after the decimal point; low nibble: the current tier
        Field("price_trailing_digit_and_tier", Kind.U8),
        # high nibble: number of tiers; low nibble: register tier
        Field("number_of_tiers_and_register_tier", Kind.U8),
        _time("start_time"),
        Field("duration_minutes", Kind.U16, minimum=1),  # 0xFFFF until changed
        _u32("price"),
        Field("price_ratio", Kind.U8, minimum=1, maximum=254, unused=0xFF, optional=True),
        _u32("generation_price", unused=0xFFFFFFFF, optional=True),
        Field(
            "generation_price_ratio", Kind.U8, minimum=1, maximum=254, unused=0xFF, optional=True
        ),
        _u32("alternate_cost_delivered", unused=0xFFFFFFFF, optional=True),
        Field("alternate_cost_unit", Kind.U8, unused=0xFF, optional=True),  # 0x01 kg CO2
        Field("alternate_cost_trailing_digit", Kind.U8, unused=0xFF, optional=True),
        Field("number_of_block_thresholds", Kind.U8, unused=0xFF, optional=True),
        Field("price_control", Kind.U8, optional=True),  # bit 0: acknowledgement required
    ),
)

LOAD_CONTROL_EVENT = Command(
    "LoadControlEvent",
    DRLC,
    0x00,
    Direction.TO_DEVICE,
    (
        _u32("issuer_event_id"),
        Field("device_class", Kind.U16, minimum=1, maximum=0x0FFF),  # bits 12-15 reserved
        Field("utility_enrollment_group", Kind.U8, default=0),  # 0 = all groups
        _time("start_time"),
        Field("duration_minutes", Kind.U16, minimum=1, maximum=1440),
        # 1 Green, 2-6 Levels 1-5, 7 Emergency, 8 Planned Outage, 9 Service Disconnect,
        # 10-15 Utility Defined 1-6; 0 reserved
        Field("criticality_level", Kind.U8, minimum=1, maximum=15),
        Field("cooling_temperature_offset", Kind.U8, maximum=254, unused=0xFF, default=0xFF),
        Field("heating_temperature_offset", Kind.U8, maximum=254, unused=0xFF, default=0xFF),
        Field(
            "cooling_temperature_set_point",
            Kind.I16,
            minimum=-27315,
            unused=-0x8000,
            default=-0x8000,
        ),
        Field(
            "heating_temperature_set_point",
            Kind.I16,
            minimum=-27315,
            unused=-0x8000,
            default=-0x8000,
        ),
        Field(
            "average_load_adjustment_percentage",
            Kind.I8,
            minimum=-100,
            maximum=100,
            unused=-0x80,
            default=-0x80,
        ),
        Field("duty_cycle", Kind.U8, maximum=100, unused=0xFF, default=0xFF),
        Field("event_control", Kind.U8, maximum=0x03, default=0),  # randomize start / end
    ),
)

CANCEL_LOAD_CONTROL_EVENT = Command(
    "CancelLoadControlEvent",
    DRLC,
    0x01,
    Direction.TO_DEVICE,
    (
        _u32("issuer_event_id"),
        Field("device_class", Kind.U16, minimum=1, maximum=0x0FFF),
        Field("utility_enrollment_group", Kind.U8, default=0),
        Field("cancel_control", Kind.U8, maximum=0x01, default=0),  # 1: with randomization
        _time("effective_time", default=UTC_NOW),  # SE 1.2: always now
    ),
)

CANCEL_ALL_LOAD_CONTROL_EVENTS = Command(
    "CancelAllLoadControlEvents",
    DRLC,
    0x02,
    Direction.TO_DEVICE,
    (Field("cancel_control", Kind.U8, maximum=0x01, default=0),),
)

REPORT_EVENT_STATUS = Command(
    "ReportEventStatus",
    DRLC,
    0x00,
    Direction.TO_METER,
    (
        _u32("issuer_event_id"),
        Field("event_status", Kind.U8, minimum=1),
        _time("event_status_time", minimum=1),
        Field("criticality_level_applied", Kind.U8),
        Field("cooling_temperature_set_point_applied", Kind.I16, unused=-0x8000),
        Field("heating_temperature_set_point_applied", Kind.I16, unused=-0x8000),
        Field("average_load_adjustment_percentage_applied", Kind.I8, unused=-0x80),
        Field("duty_cycle_applied", Kind.U8, unused=0xFF),
        Field("event_control", Kind.U8),
        Field("signature_type", Kind.U8, maximum=0x01),  # 0 none, 1 ECDSA
        Field("signature", Kind.FIXED, size=SIGNATURE_BYTES, present_if="signature_type"),
    ),
)

DISPLAY_MESSAGE = Command(
    "DisplayMessage",
    MESSAGING,
    0x00,
    Direction.TO_DEVICE,
    (
        _u32("message_id"),
        # bits 0-1 transmission, 2-3 importance, 5 enhanced confirmation, 7 confirmation
        Field("message_control", Kind.U8),
        _time("start_time"),
        Field("duration_minutes", Kind.U16, minimum=1),  # 0xFFFF until changed
        Field("message", Kind.TEXT, max_bytes=MESSAGE_TEXT_BYTES),
        Field("extended_message_control", Kind.U8, optional=True),
    ),
)

CANCEL_MESSAGE = Command(
    "CancelMessage",
    MESSAGING,
    0x01,
    Direction.TO_DEVICE,
    (_u32("message_id"), Field("message_control", Kind.U8, default=0)),
)

MESSAGE_CONFIRMATION = Command(
    "MessageConfirmation",
    MESSAGING,
    0x01,
    Direction.TO_METER,
    (
        _u32("message_id"),
        _time("confirmation_time"),
        Field("confirmation_control", Kind.U8, optional=True),  # 1.2: bit0 NO, bit1 YES
        Field("response", Kind.OCTETS, max_bytes=20, optional=True),
    ),
)

COMMANDS = (
    PUBLISH_PRICE,
    LOAD_CONTROL_EVENT,
    CANCEL_LOAD_CONTROL_EVENT,
    CANCEL_ALL_LOAD_CONTROL_EVENTS,
    REPORT_EVENT_STATUS,
    DISPLAY_MESSAGE,
    CANCEL_MESSAGE,
    MESSAGE_CONFIRMATION,
)
BY_KEY = {(c.cluster, c.direction, c.command_id): c for c in COMMANDS}
