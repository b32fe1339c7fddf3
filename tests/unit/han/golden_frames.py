"""The golden frames F1-F11 of reference/han-sep1.md section 8: (command, ZCL sequence number,
default response wanted, field values, wire bytes)."""

from __future__ import annotations

from typing import Any

from smt.han.se_commands import (
    CANCEL_ALL_LOAD_CONTROL_EVENTS,
    CANCEL_LOAD_CONTROL_EVENT,
    CANCEL_MESSAGE,
    DISPLAY_MESSAGE,
    LOAD_CONTROL_EVENT,
    MESSAGE_CONFIRMATION,
    PUBLISH_PRICE,
    REPORT_EVENT_STATUS,
)
from smt.han.zcl import Command

UNUSED_SET_POINT = -0x8000
F1 = (
    LOAD_CONTROL_EVENT,
    0x01,
    True,
    {
        "issuer_event_id": 0x12345678,
        "device_class": 0x0014,
        "utility_enrollment_group": 0,
        "start_time": 0,
        "duration_minutes": 1,
        "criticality_level": 4,
        "cooling_temperature_offset": 0xFF,
        "heating_temperature_offset": 0xFF,
        "cooling_temperature_set_point": UNUSED_SET_POINT,
        "heating_temperature_set_point": UNUSED_SET_POINT,
        "average_load_adjustment_percentage": -0x80,
        "duty_cycle": 0xFF,
        "event_control": 0,
    },
    "09 01 00 78 56 34 12 14 00 00 00 00 00 00 01 00 04 ff ff 00 80 00 80 80 ff 00",
)
F2 = (
    LOAD_CONTROL_EVENT,
    0x10,
    False,
    F1[3]
    | {
        "issuer_event_id": 0x1001,
        "device_class": 0x0001,
        "start_time": 837464400,
        "duration_minutes": 120,
        "criticality_level": 2,
        "cooling_temperature_offset": 20,
        "duty_cycle": 50,
        "event_control": 3,
    },
    "19 10 00 01 10 00 00 01 00 00 50 b1 ea 31 78 00 02 14 ff 00 80 00 80 80 32 03",
)
F3 = (
    CANCEL_LOAD_CONTROL_EVENT,
    0x11,
    False,
    {
        "issuer_event_id": 0x1001,
        "device_class": 0x0FFF,
        "utility_enrollment_group": 0,
        "cancel_control": 0,
        "effective_time": 0,
    },
    "19 11 01 01 10 00 00 ff 0f 00 00 00 00 00 00",
)
F4 = (CANCEL_ALL_LOAD_CONTROL_EVENTS, 0x12, False, {"cancel_control": 1}, "19 12 02 01")
REPORT = {
    "issuer_event_id": 0x1001,
    "event_status": 0x02,
    "event_status_time": 837464400,
    "criticality_level_applied": 2,
    "cooling_temperature_set_point_applied": UNUSED_SET_POINT,
    "heating_temperature_set_point_applied": UNUSED_SET_POINT,
    "average_load_adjustment_percentage_applied": -0x80,
    "duty_cycle_applied": 50,
    "event_control": 3,
    "signature_type": 1,
    "signature": b"\xab" * 42,
}
F5 = (
    REPORT_EVENT_STATUS,
    0x20,
    True,
    REPORT,
    "01 20 00 01 10 00 00 02 50 b1 ea 31 02 00 80 00 80 80 32 03 01" + " ab" * 42,
)
F6 = (
    REPORT_EVENT_STATUS,
    0x24,
    True,
    {k: v for k, v in REPORT.items() if k != "signature"}
    | {
        "event_status": 3,
        "event_status_time": 837471600,
        "duty_cycle_applied": 0xFF,
        "event_control": 0,
        "signature_type": 0,
    },
    "01 24 00 01 10 00 00 03 70 cd ea 31 02 00 80 00 80 80 ff 00 00",
)
F7 = (
    DISPLAY_MESSAGE,
    0x21,
    False,
    {
        "message_id": 0x42,
        "message_control": 0x88,
        "start_time": 0,
        "duration_minutes": 60,
        "message": "Conservation alert 4-7pm",
    },
    (
        "19 21 00 42 00 00 00 88 00 00 00 00 3c 00 18 43 6f 6e 73 65 72 76 61 74 69 6f 6e 20 61 6c"
        " 65 72 74 20 34 2d 37 70 6d"
    ),
)
F8 = (
    CANCEL_MESSAGE,
    0x22,
    False,
    {"message_id": 0x42, "message_control": 0},
    "19 22 01 42 00 00 00 00",
)
F9 = (
    MESSAGE_CONFIRMATION,
    0x23,
    True,
    {"message_id": 0x42, "confirmation_time": 837464400},
    "01 23 01 42 00 00 00 50 b1 ea 31",
)
F10 = (
    PUBLISH_PRICE,
    0x30,
    False,
    {
        "provider_id": 1,
        "rate_label": "TOU-PEAK",
        "issuer_event_id": 0x2001,
        "current_time": 837460800,
        "unit_of_measure": 0,
        "currency": 840,
        "price_trailing_digit_and_tier": 0x52,
        "number_of_tiers_and_register_tier": 0x32,
        "start_time": 837464400,
        "duration_minutes": 180,
        "price": 25000,
        "price_ratio": 0xFF,
        "generation_price": 0xFFFFFFFF,
        "generation_price_ratio": 0xFF,
    },
    (
        "19 30 00 01 00 00 00 08 54 4f 55 2d 50 45 41 4b 01 20 00 00 40 a3 ea 31 00 48 03 52 32 50"
        " b1 ea 31 b4 00 a8 61 00 00 ff ff ff ff ff ff"
    ),
)
F11 = (
    PUBLISH_PRICE,
    0x31,
    False,
    {
        "provider_id": 1,
        "rate_label": "FLAT",
        "issuer_event_id": 0x2002,
        "current_time": 0x2F000000,
        "unit_of_measure": 0,
        "currency": 840,
        "price_trailing_digit_and_tier": 0x40,
        "number_of_tiers_and_register_tier": 0,
        "start_time": 0,
        "duration_minutes": 0xFFFF,
        "price": 1200,
    },
    (
        "19 31 00 01 00 00 00 04 46 4c 41 54 02 20 00 00 00 00 00 2f 00 48 03 40 00 00 00 00 00 ff"
        " ff b0 04 00 00"
    ),
)
GOLDEN: dict[str, tuple[Command, int, bool, dict[str, Any], str]] = {
    "F1": F1,
    "F2": F2,
    "F3": F3,
    "F4": F4,
    "F5": F5,
    "F6": F6,
    "F7": F7,
    "F8": F8,
    "F9": F9,
    "F10": F10,
    "F11": F11,
}
