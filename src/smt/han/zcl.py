"""A small ZCL codec: Smart Energy commands are declared as data (`Command` of `Field`s, see
`smt.han.se_commands`) and this module turns them into frames and back. Every field carries its
range and its "unused" sentinel, so the same declaration validates a request at the API
boundary and encodes it on the wire. Multi-byte integers are little-endian; strings are ZCL
character strings whose 1-byte length counts UTF-8 *bytes* (zigpy counts characters and
corrupts non-ASCII text)."""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum, IntEnum

# Frame control: bits 0-1 frame type (01 cluster-specific), bit 2 manufacturer-specific,
# bit 3 direction (1 = server to client), bit 4 disable default response.
CLUSTER_SPECIFIC = 0x01
MANUFACTURER_SPECIFIC = 0x04
SERVER_TO_CLIENT = 0x08
DISABLE_DEFAULT_RESPONSE = 0x10

Value = int | str | bytes


class Direction(IntEnum):
    """Server = the meter's ESI (the head-end speaks through it); client = the HAN device."""

    TO_DEVICE = SERVER_TO_CLIENT
    TO_METER = 0


@dataclass(frozen=True, slots=True)
class _Layout:
    label: str  # keeps every member distinct: equal layouts would make Enum aliases
    fmt: str = ""
    size: int = 0
    signed: bool = False


class Kind(Enum):
    U8 = _Layout("uint8", "<B", 1)
    U16 = _Layout("uint16", "<H", 2)
    U32 = _Layout("uint32", "<I", 4)
    I8 = _Layout("int8", "<b", 1, signed=True)
    I16 = _Layout("int16", "<h", 2, signed=True)
    UTC_TIME = _Layout("UTCTime", "<I", 4)  # seconds since 2000-01-01T00:00Z; 0 = now
    TEXT = _Layout("character string")  # UTF-8, 1-byte length in bytes
    OCTETS = _Layout("octet string")  # 1-byte length
    FIXED = _Layout("fixed octets")  # `Field.size` raw bytes, no length prefix

    @property
    def integer(self) -> bool:
        return self.value.size > 0

    @property
    def bounds(self) -> tuple[int, int]:
        bits = self.value.size * 8
        if self.value.signed:
            return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        return 0, (1 << bits) - 1


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: Kind
    minimum: int | None = None  # integers: the valid range, inclusive
    maximum: int | None = None
    unused: int | None = None  # the sentinel meaning "not used", valid whatever the range
    max_bytes: int | None = None  # strings: the longest value, in bytes
    size: int = 0  # FIXED: exact length
    optional: bool = False  # may be absent at the end of the frame (a later revision's field)
    present_if: str | None = None  # on the wire only when that earlier field is non-zero
    default: Value | None = None

    def check(self, value: Value) -> Value:
        """The value if valid for this field, else InvalidField saying precisely why."""
        if self.kind.integer:
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidField(self.name, "must be a whole number")
            if self.unused is not None and value == self.unused:
                return value
            low, high = self.kind.bounds
            low = low if self.minimum is None else self.minimum
            high = high if self.maximum is None else self.maximum
            if not low <= value <= high:
                unused = "" if self.unused is None else f", or {self.unused} for unused"
                raise InvalidField(self.name, f"must be between {low} and {high}{unused}")
            return value
        if self.kind is Kind.TEXT:
            if not isinstance(value, str):
                raise InvalidField(self.name, "must be text")
            size = len(value.encode("utf-8"))
            if size > (self.max_bytes or 254):
                raise InvalidField(
                    self.name,
                    f"is {size} bytes of UTF-8; at most {self.max_bytes or 254} bytes",
                )
            return value
        if not isinstance(value, bytes):
            raise InvalidField(self.name, "must be bytes")
        if self.kind is Kind.FIXED and len(value) != self.size:
            raise InvalidField(self.name, f"must be exactly {self.size} bytes")
        if self.kind is Kind.OCTETS and len(value) > (self.max_bytes or 254):
            raise InvalidField(self.name, f"at most {self.max_bytes or 254} bytes")
        return value


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    cluster: int
    command_id: int
    direction: Direction
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


class InvalidField(ValueError):
    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field} {problem}")
        self.field = field
        self.problem = problem


class MalformedFrame(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Frame:
    command: Command
    sequence: int  # the ZCL transaction sequence number
    values: Mapping[str, Value]
    default_response: bool = False  # ask the receiver for a ZCL Default Response


def checked(command: Command, values: Mapping[str, Value]) -> dict[str, Value]:
    """Every field validated; defaults filled. Optional trailing fields may be left out; one
    left out before a later one that is given is sent as its "unused" marker (the wire has no
    gaps), and is refused if it has none."""
    unknown = set(values) - {f.name for f in command.fields}
    if unknown:
        raise InvalidField(sorted(unknown)[0], f"is not a field of {command.name}")
    last_given = max(
        (i for i, f in enumerate(command.fields) if values.get(f.name, f.default) is not None),
        default=-1,
    )
    out: dict[str, Value] = {}
    for index, f in enumerate(command.fields):
        if f.present_if is not None and not out.get(f.present_if):
            if f.name in values:
                raise InvalidField(f.name, f"only goes with a non-zero {f.present_if}")
            continue
        value = values.get(f.name, f.default)
        if value is None:
            if not f.optional:
                raise InvalidField(f.name, "is required")
            if index > last_given:
                continue
            if f.unused is None:
                later = command.fields[last_given].name
                raise InvalidField(later, f"cannot be given without {f.name}")
            value = f.unused
        out[f.name] = f.check(value)
    return out


def encode(frame: Frame) -> bytes:
    command = frame.command
    values = checked(command, frame.values)
    control = CLUSTER_SPECIFIC | command.direction.value
    if not frame.default_response:
        control |= DISABLE_DEFAULT_RESPONSE
    if not 0 <= frame.sequence <= 0xFF:
        raise InvalidField("sequence", "must be between 0 and 255")
    out = bytearray((control, frame.sequence, command.command_id))
    for f in command.fields:
        if f.name not in values:
            continue
        value = values[f.name]
        if f.kind.integer:
            assert isinstance(value, int)  # noqa: S101 - checked above
            out += struct.pack(f.kind.value.fmt, value)
        elif f.kind is Kind.TEXT:
            assert isinstance(value, str)  # noqa: S101
            data = value.encode("utf-8")
            out += bytes((len(data),)) + data
        elif f.kind is Kind.OCTETS:
            assert isinstance(value, bytes)  # noqa: S101
            out += bytes((len(value),)) + value
        else:
            assert isinstance(value, bytes)  # noqa: S101
            out += value
    return bytes(out)


def decode(
    data: bytes, commands: Mapping[tuple[int, Direction, int], Command], cluster: int
) -> Frame:
    """A frame received on `cluster`, by its header's direction and command id."""
    if len(data) < 3:
        raise MalformedFrame("a ZCL frame has at least 3 header bytes")
    control = data[0]
    if control & 0x03 != CLUSTER_SPECIFIC:
        raise MalformedFrame(f"frame control 0x{control:02x} is not cluster-specific")
    position = 1
    if control & MANUFACTURER_SPECIFIC:
        raise MalformedFrame("manufacturer-specific frames are not Smart Energy commands")
    direction = Direction(control & SERVER_TO_CLIENT)
    sequence, command_id = data[position], data[position + 1]
    position += 2
    command = commands.get((cluster, direction, command_id))
    if command is None:
        raise MalformedFrame(
            f"no command 0x{command_id:02x} from the {direction.name} side of 0x{cluster:04x}"
        )
    values: dict[str, Value] = {}
    for f in command.fields:
        if f.present_if is not None and not values.get(f.present_if):
            continue
        if position == len(data) and f.optional:
            break
        value, position = _read(f, data, position)
        values[f.name] = value
    if position != len(data):
        raise MalformedFrame(f"{len(data) - position} bytes after the last field of {command.name}")
    return Frame(command, sequence, values, default_response=not control & DISABLE_DEFAULT_RESPONSE)


def _read(f: Field, data: bytes, position: int) -> tuple[Value, int]:
    if f.kind.integer:
        layout = f.kind.value
        if position + layout.size > len(data):
            raise MalformedFrame(f"{f.name} is cut short")
        return struct.unpack_from(layout.fmt, data, position)[0], position + layout.size
    if f.kind is Kind.FIXED:
        if position + f.size > len(data):
            raise MalformedFrame(f"{f.name} is cut short")
        return bytes(data[position : position + f.size]), position + f.size
    if position >= len(data):
        raise MalformedFrame(f"{f.name} is cut short")
    length = data[position]
    start, end = position + 1, position + 1 + length
    if length == 0xFF or end > len(data):
        raise MalformedFrame(f"{f.name} has a bad length")
    raw = bytes(data[start:end])
    if f.kind is Kind.OCTETS:
        return raw, end
    try:
        return raw.decode("utf-8"), end
    except UnicodeDecodeError:
        raise MalformedFrame(f"{f.name} is not UTF-8") from None
