"""The HAN side of the head-end port: joining and removing devices behind a meter, and
delivering Smart Energy frames to them. A head-end reports what happened as events; a real one
reports them as they arrive, the simulator reports a device's whole future at once (as a real
device would behave), and the hub's log reads the state at any instant from the same events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class JoinAnswer:
    at: datetime
    joined: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class HanTarget:
    delivery_id: int
    eui64: str
    device_type: str


@dataclass(frozen=True, slots=True)
class HanOrder:
    request_id: str
    kind: str  # a MessageKind
    frame: bytes  # the ZCL frame, as the meter's ESI will send it
    fields: Mapping[str, int | str]
    targets: Sequence[HanTarget]
    sent_at: datetime
    # Earlier deliveries to the same devices that this request cancels.
    cancelled: Sequence[HanTarget] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class HanEvent:
    delivery_id: int
    at: datetime
    status: str
    detail: str = ""
    final: bool = False
    # Ends the delivery here: later events already reported for it are void (a cancellation).
    supersedes: bool = False


class HanHeadEnd(Protocol):
    def join(
        self, *, eui64: str, link_key: bytes, esiid: str, meter_number: str, requested_at: datetime
    ) -> JoinAnswer:
        """Hand the device's link key to the meter and let the device join its network."""
        ...

    def leave(self, *, eui64: str, esiid: str, requested_at: datetime) -> datetime:
        """Remove the device from the meter's network; when it is gone."""
        ...

    def deliver(self, order: HanOrder) -> Sequence[HanEvent]:
        """Send the frame to every target; the events known so far."""
        ...
