"""Golden frames F1-F11 of reference/han-sep1.md section 8: we encode each byte for byte and
decode it back to the same values; field ranges and unused markers refuse precisely."""

from __future__ import annotations

from typing import Any

import pytest

from smt.han.se_commands import (
    BY_KEY,
    DISPLAY_MESSAGE,
    LOAD_CONTROL_EVENT,
    MESSAGE_CONFIRMATION,
    PUBLISH_PRICE,
    REPORT_EVENT_STATUS,
)
from smt.han.zcl import Command, Frame, InvalidField, MalformedFrame, decode, encode
from unit.han.golden_frames import F1, F6, F7, F11, GOLDEN


@pytest.mark.parametrize("name", GOLDEN)
def test_golden_frames_encode_byte_for_byte_and_decode_back(name: str) -> None:
    command, sequence, default_response, values, wire = GOLDEN[name]
    frame = Frame(command, sequence, values, default_response=default_response)
    assert encode(frame).hex(" ") == wire
    back = decode(bytes.fromhex(wire), BY_KEY, command.cluster)
    assert back.command is command
    assert (back.sequence, back.default_response) == (sequence, default_response)
    assert dict(back.values) == values


def test_a_text_length_counts_utf8_bytes_not_characters() -> None:
    values = dict(F7[3]) | {"message": "Ahorro de energía"}
    wire = encode(Frame(DISPLAY_MESSAGE, 1, values))
    assert wire[14:].hex(" ") == "12 41 68 6f 72 72 6f 20 64 65 20 65 6e 65 72 67 c3 ad 61"


@pytest.mark.parametrize(
    ("command", "change", "message"),
    [
        (
            LOAD_CONTROL_EVENT,
            {"criticality_level": 0},
            "criticality_level must be between 1 and 15",
        ),
        (
            LOAD_CONTROL_EVENT,
            {"criticality_level": 16},
            "criticality_level must be between 1 and 15",
        ),
        (LOAD_CONTROL_EVENT, {"duty_cycle": 101}, "duty_cycle must be between 0 and 100, or 255"),
        (LOAD_CONTROL_EVENT, {"duration_minutes": 1441}, "duration_minutes must be between 1"),
        (
            LOAD_CONTROL_EVENT,
            {"average_load_adjustment_percentage": -101},
            "average_load_adjustment_percentage must be between -100 and 100",
        ),
        (LOAD_CONTROL_EVENT, {"device_class": 0x1000}, "device_class must be between 1 and 4095"),
        (LOAD_CONTROL_EVENT, {"start_time": 0xFFFFFFFF}, "start_time must be between"),
        (LOAD_CONTROL_EVENT, {"criticality_level": "4"}, "must be a whole number"),
        (DISPLAY_MESSAGE, {"message": "x" * 60}, "message is 60 bytes of UTF-8; at most 59"),
        (DISPLAY_MESSAGE, {"message": "é" * 30}, "message is 60 bytes of UTF-8; at most 59"),
        (PUBLISH_PRICE, {"rate_label": "SUPER-OFF-PEAK"}, "rate_label is 14 bytes"),
        (PUBLISH_PRICE, {"price_ratio": 0}, "price_ratio must be between 1 and 254"),
        (PUBLISH_PRICE, {"colour": 1}, "colour is not a field of PublishPrice"),
    ],
)
def test_out_of_range_fields_are_refused_precisely(
    command: Command, change: dict[str, Any], message: str
) -> None:
    base = next(g[3] for g in GOLDEN.values() if g[0] is command)
    with pytest.raises(InvalidField, match=message):
        encode(Frame(command, 1, dict(base) | change))


def test_unused_markers_are_valid_whatever_the_range() -> None:
    values = dict(F1[3]) | {"duty_cycle": 0xFF, "average_load_adjustment_percentage": -0x80}
    assert encode(Frame(LOAD_CONTROL_EVENT, 1, values))


def test_optional_fields_leave_no_gaps() -> None:
    # a later optional field fills the ones before it with their "unused" markers
    values = dict(F11[3]) | {"generation_price": 5}
    frame = decode(encode(Frame(PUBLISH_PRICE, 1, values)), BY_KEY, PUBLISH_PRICE.cluster)
    assert (frame.values["price_ratio"], frame.values["generation_price"]) == (0xFF, 5)
    confirmation = {"message_id": 1, "confirmation_time": 5, "response": b"YES"}
    with pytest.raises(InvalidField, match="response cannot be given without confirmation_control"):
        encode(Frame(MESSAGE_CONFIRMATION, 1, confirmation))


def test_a_signature_only_goes_with_a_signature_type() -> None:
    values = dict(F6[3]) | {"signature": b"\xab" * 42}
    with pytest.raises(InvalidField, match="signature only goes with a non-zero signature_type"):
        encode(Frame(REPORT_EVENT_STATUS, 1, values))


@pytest.mark.parametrize(
    ("wire", "problem"),
    [
        ("19 10", "at least 3 header bytes"),
        ("19 10 00 01 10 00", "is cut short"),
        ("19 21 00 42 00 00 00 88 00 00 00 00 3c 00 18 43", "message has a bad length"),
        ("01 23 01 42 00 00 00 50 b1 ea 31 00 05 41", "response has a bad length"),
        ("19 12 02 01 00 00", "2 bytes after the last field"),
        ("19 12 09 01", "no command 0x09"),
        ("1d 12 02 01", "manufacturer-specific"),
        ("18 12 02 01", "not cluster-specific"),
    ],
)
def test_malformed_frames_are_refused(wire: str, problem: str) -> None:
    cluster = MESSAGE_CONFIRMATION.cluster if wire.startswith(("19 21", "01 23")) else 0x0701
    with pytest.raises(MalformedFrame, match=problem):
        decode(bytes.fromhex(wire), BY_KEY, cluster)
