"""Steps one and two of the pipeline: receive a file (hash it) and detect what it is.

Nothing here holds a whole file in memory: the hash is streamed, lines are read with a length
limit, and a line over the limit is skipped to its end without being kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from smt.domain.tdsp import Tdsp, tdsp_by_duns
from smt.formats.file_names import InboundKind, InboundName, parse_inbound_name
from smt.ingest.codes import Code
from smt.ingest.faults import FileFault

SNIFF_BYTES = 8192


@dataclass(frozen=True, slots=True)
class InboundFile:
    path: Path
    name: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class DetectedFile:
    inbound: InboundFile
    name: InboundName
    tdsp: Tdsp

    @property
    def kind(self) -> InboundKind:
        return self.name.kind


def receive(path: Path) -> InboundFile:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return InboundFile(path, path.name, size, digest.hexdigest())


# Clocks differ: a file stamped this far ahead of the hub's clock is still taken.
CLOCK_SKEW = timedelta(minutes=5)


def detect(inbound: InboundFile, *, now: datetime, uploader: Tdsp | None = None) -> DetectedFile:
    """Which flow and which sender, from the name and the first bytes; a FileFault otherwise.
    A file that came through a TDSP's folder must name that TDSP as its sender."""
    name = parse_inbound_name(inbound.name)
    if name is None:
        raise FileFault(
            Code.UNRECOGNISED_FILE,
            f"file name {inbound.name!r} is not <TDSP DUNS><report><CCYYMMDDHHMMSS><nnn>.lse|csv",
        )
    tdsp = tdsp_by_duns(name.sender_duns)
    if tdsp is None:
        raise FileFault(Code.UNKNOWN_SENDER, f"sender DUNS {name.sender_duns} is not a TDSP")
    if uploader is not None and tdsp is not uploader:
        raise FileFault(
            Code.UNKNOWN_SENDER,
            f"file names {tdsp.name} as its sender but came through {uploader.name}'s folder",
        )
    if name.created_at > now + CLOCK_SKEW:
        raise FileFault(
            Code.FUTURE_FILE,
            f"file name says it was created {name.created_at.isoformat()}, after now "
            f"({now.isoformat(timespec='seconds')})",
        )
    if inbound.size == 0:
        raise FileFault(Code.EMPTY_FILE, "file is empty")
    with inbound.path.open("rb") as stream:
        head = stream.read(SNIFF_BYTES)
    if b"\x00" in head:
        raise FileFault(Code.BINARY_CONTENT, "file holds NUL bytes: binary, not a text file")
    try:
        # A multi-byte character may be cut at the sniff boundary: ignore only that tail.
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:
            raise FileFault(
                Code.BINARY_CONTENT, f"file is not UTF-8 text (byte {error.start})"
            ) from None
    return DetectedFile(inbound, name, tdsp)


@dataclass(frozen=True, slots=True)
class Line:
    number: int
    text: str
    too_long: bool = False


def read_lines(stream: BinaryIO, max_bytes: int, chunk_bytes: int = 1 << 20) -> Iterator[Line]:
    """Numbered lines without their terminators, read a chunk at a time. A line over
    `max_bytes` yields its first `max_bytes` bytes with `too_long` set and the rest of it is
    dropped as it streams past, so memory stays bounded by the chunk and the limit.
    A line that is not UTF-8 raises FileFault (binary content)."""
    number = 0
    pending = b""  # the start of a line whose end has not arrived yet
    overflow = False  # the pending line is already over the limit; its rest is skipped
    while True:
        chunk = stream.read(chunk_bytes)
        if not chunk:
            break
        parts = chunk.split(b"\n")
        parts[0] = pending + parts[0] if not overflow else pending
        pending = parts.pop()
        for index, raw in enumerate(parts):
            number += 1
            too_long = len(raw) > max_bytes or (index == 0 and overflow)
            if index == 0:
                overflow = False
            yield _line(number, raw[:max_bytes] if too_long else raw, too_long=too_long)
        if len(pending) > max_bytes:
            pending = pending[:max_bytes]
            overflow = True
    if pending or overflow:
        number += 1
        yield _line(number, pending, too_long=overflow)


def _line(number: int, raw: bytes, *, too_long: bool) -> Line:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        if not too_long:
            raise FileFault(
                Code.BINARY_CONTENT, f"line {number} is not UTF-8 text", number
            ) from error
        text = raw.decode("utf-8", errors="replace")  # cut inside a character
    if number == 1:
        text = text.removeprefix("\ufeff")  # a byte-order mark some Windows tools write
    return Line(number, text.removesuffix("\r"), too_long)
