"""zigpy (a test dependency only; its Smart Energy clusters are empty stubs) parses the frames
we produce: its ZCL header parser and its command-schema machinery, with the commands declared
here by hand from reference/han-sep1.md, independently of our own declarations."""

from __future__ import annotations

from typing import Any

import pytest

zigpy_types = pytest.importorskip("zigpy.types")
foundation = pytest.importorskip("zigpy.zcl.foundation")
t: Any = zigpy_types
TO_DEVICE = foundation.Direction.Server_to_Client
TO_METER = foundation.Direction.Client_to_Server

from smt.han.se_commands import DRLC, MESSAGING, PRICE  # noqa: E402
from smt.han.zcl import Direction, Frame, encode  # noqa: E402
from unit.han.golden_frames import GOLDEN  # noqa: E402

U8, U16, U32 = t.uint8_t, t.uint16_t, t.uint32_t
LCE_TAIL = {
    "criticality_level": U8,
    "cooling_temperature_offset": U8,
    "heating_temperature_offset": U8,
    "cooling_temperature_set_point": t.int16s,
    "heating_temperature_set_point": t.int16s,
    "average_load_adjustment_percentage": t.int8s,
    "duty_cycle": U8,
    "event_control": U8,
}
SCHEMAS: dict[tuple[int, Any, int], dict[str, Any]] = {
    (PRICE, TO_DEVICE, 0x00): {
        "provider_id": U32,
        "rate_label": t.CharacterString,
        "issuer_event_id": U32,
        "current_time": U32,
        "unit_of_measure": U8,
        "currency": U16,
        "price_trailing_digit_and_tier": U8,
        "number_of_tiers_and_register_tier": U8,
        "start_time": U32,
        "duration_minutes": U16,
        "price": U32,
        "price_ratio?": U8,
        "generation_price?": U32,
        "generation_price_ratio?": U8,
    },
    (DRLC, TO_DEVICE, 0x00): {
        "issuer_event_id": U32,
        "device_class": U16,
        "utility_enrollment_group": U8,
        "start_time": U32,
        "duration_minutes": U16,
        **LCE_TAIL,
    },
    (DRLC, TO_DEVICE, 0x01): {
        "issuer_event_id": U32,
        "device_class": U16,
        "utility_enrollment_group": U8,
        "cancel_control": U8,
        "effective_time": U32,
    },
    (DRLC, TO_DEVICE, 0x02): {"cancel_control": U8},
    (DRLC, TO_METER, 0x00): {
        "issuer_event_id": U32,
        "event_status": U8,
        "event_status_time": U32,
        "criticality_level_applied": U8,
        "cooling_temperature_set_point_applied": t.int16s,
        "heating_temperature_set_point_applied": t.int16s,
        "average_load_adjustment_percentage_applied": t.int8s,
        "duty_cycle_applied": U8,
        "event_control": U8,
        "signature_type": U8,
        "signature?": t.List[t.uint8_t],
    },
    (MESSAGING, TO_DEVICE, 0x00): {
        "message_id": U32,
        "message_control": U8,
        "start_time": U32,
        "duration_minutes": U16,
        "message": t.CharacterString,
    },
    (MESSAGING, TO_DEVICE, 0x01): {"message_id": U32, "message_control": U8},
    (MESSAGING, TO_METER, 0x01): {"message_id": U32, "confirmation_time": U32},
}


@pytest.mark.parametrize("name", GOLDEN)
def test_zigpy_parses_what_we_encode(name: str) -> None:
    command, sequence, default_response, values, _ = GOLDEN[name]
    wire = encode(Frame(command, sequence, values, default_response=default_response))
    header, payload = foundation.ZCLHeader.deserialize(wire)
    assert header.frame_control.frame_type == foundation.FrameType.CLUSTER_COMMAND
    assert header.tsn == sequence
    assert bool(header.frame_control.disable_default_response) is not default_response
    direction = TO_DEVICE if command.direction is Direction.TO_DEVICE else TO_METER
    assert header.direction == direction
    schema = SCHEMAS[(command.cluster, direction, header.command_id)]
    definition = foundation.ZCLCommandDef(
        id=header.command_id, schema=schema, direction=direction, name=command.name.lower()
    ).with_compiled_schema()
    parsed, rest = definition.schema.deserialize(payload)
    assert rest == b""
    theirs = {k: v for k, v in parsed.as_dict().items() if v is not None}
    if "signature" in theirs:
        theirs["signature"] = bytes(theirs["signature"]) or None
        theirs = {k: v for k, v in theirs.items() if v is not None}
    assert theirs == dict(values)
