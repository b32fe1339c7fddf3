"""A head-end that plays Zigbee Smart Energy devices: latency through the mesh, sleeping devices
that answer only when they poll, unreachable ones retried and then expired, load-control events
received, started and completed (or opted out of), texts displayed and confirmed by a person (or
not), cancellations ending what they cancel. Deterministic by request and device, so tests know
what will happen; with zero latency and no failures everything is final at once."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from smt.han.utc_time import from_utc_time
from smt.headend.han import HanEvent, HanOrder, HanTarget, JoinAnswer

# Event Status codes of ReportEventStatus (SE 1.x DRLC).
RECEIVED, STARTED, COMPLETED, OPTED_OUT, CANCELLED, REJECTED_EXPIRED = (
    "received (0x01)",
    "started (0x02)",
    "completed (0x03)",
    "opted out (0x04)",
    "cancelled (0x06)",
    "rejected after expiry (0xFB)",
)


class SimulatedHanHeadEnd:
    def __init__(
        self,
        *,
        latency_seconds: tuple[float, float] = (2.0, 20.0),
        sleeping_share: float = 0.1,
        sleep_seconds: float = 450.0,  # a sleepy end device polls its parent every 7.5 min
        unreachable_share: float = 0.02,
        retry_seconds: float = 300.0,
        attempts: int = 3,
        opt_out_share: float = 0.1,
        confirm_share: float = 0.7,
        join_failure_share: float = 0.05,
    ) -> None:
        self._latency = latency_seconds
        self._sleeping = sleeping_share
        self._sleep = sleep_seconds
        self._unreachable = unreachable_share
        self._retry = retry_seconds
        self._attempts = attempts
        self._opt_out = opt_out_share
        self._confirm = confirm_share
        self._join_failure = join_failure_share

    def join(
        self, *, eui64: str, link_key: bytes, esiid: str, meter_number: str, requested_at: datetime
    ) -> JoinAnswer:
        draws = _draws(f"join:{eui64}:{esiid}:{meter_number}")
        at = requested_at + timedelta(seconds=self._between(draws[1]) * 6)
        if len(link_key) != 16:  # the device could never authenticate with it
            return JoinAnswer(at, joined=False, reason="the link key is not 128 bits")
        if draws[0] < self._join_failure:
            return JoinAnswer(at, joined=False, reason="the device did not join: no response")
        return JoinAnswer(at, joined=True)

    def leave(self, *, eui64: str, esiid: str, requested_at: datetime) -> datetime:
        return requested_at + timedelta(seconds=self._between(_draws(f"leave:{eui64}:{esiid}")[0]))

    def deliver(self, order: HanOrder) -> Sequence[HanEvent]:
        events: list[HanEvent] = []
        for target in order.targets:
            events.extend(self._one(order, target))
        return events

    def _between(self, draw: float) -> float:
        low, high = self._latency
        return low + (high - low) * draw

    def _one(self, order: HanOrder, target: HanTarget) -> list[HanEvent]:
        d = _draws(f"{order.request_id}:{target.delivery_id}:{target.eui64}")
        sent = order.sent_at
        out: list[HanEvent] = []
        if d[0] < self._unreachable:
            for attempt in range(1, self._attempts):
                at = sent + timedelta(seconds=self._retry * attempt)
                out.append(HanEvent(target.delivery_id, at, "retrying", f"attempt {attempt + 1}"))
            expired = sent + timedelta(seconds=self._retry * self._attempts)
            out.append(
                HanEvent(target.delivery_id, expired, "expired", "device unreachable", final=True)
            )
            return out
        latency = self._between(d[1]) + (self._sleep * d[2] if d[3] < self._sleeping else 0.0)
        arrived = sent + timedelta(seconds=latency)
        out.extend(self._behaviour(order, target, arrived, d))
        return out

    def _behaviour(
        self, order: HanOrder, target: HanTarget, arrived: datetime, d: Sequence[float]
    ) -> list[HanEvent]:
        one = target.delivery_id
        kind, fields = order.kind, order.fields
        if kind == "load-control":
            start = _start(fields, arrived)
            end = start + timedelta(minutes=int(fields["duration_minutes"]))
            if arrived >= end:
                return [HanEvent(one, arrived, REJECTED_EXPIRED, final=True)]
            started = max(start, arrived)
            out = [HanEvent(one, arrived, RECEIVED), HanEvent(one, started, STARTED)]
            if d[4] < self._opt_out:
                left = started + (end - started) * d[5]
                return [*out, HanEvent(one, left, OPTED_OUT, "the customer opted out", final=True)]
            return [*out, HanEvent(one, end, COMPLETED, final=True)]
        if kind in ("cancel-load-control", "cancel-all-load-control", "cancel-text"):
            cancelled = [
                HanEvent(
                    c.delivery_id, arrived, CANCELLED, order.request_id, final=True, supersedes=True
                )
                for c in order.cancelled
                if c.eui64 == target.eui64
            ]
            return [HanEvent(one, arrived, "delivered", final=True), *cancelled]
        if kind == "text":
            if not int(fields["message_control"]) & 0x80:
                return [HanEvent(one, arrived, "displayed", final=True)]
            shown = HanEvent(one, arrived, "displayed", "awaiting the customer's confirmation")
            if d[4] < self._confirm:
                at = arrived + timedelta(seconds=30 + 600 * d[5])
                return [shown, HanEvent(one, at, "confirmed", final=True)]
            minutes = int(fields["duration_minutes"])
            ends = _start(fields, arrived) + timedelta(
                minutes=1440 if minutes == 0xFFFF else minutes
            )
            return [shown, HanEvent(one, max(ends, arrived), "not confirmed", final=True)]
        if kind == "price" and int(fields.get("price_control", 0)) & 0x01:
            return [HanEvent(one, arrived, "acknowledged", "PriceAcknowledgement", final=True)]
        return [HanEvent(one, arrived, "delivered", final=True)]


class SilentHanHeadEnd:
    """Accepts everything at once and reports nothing: the floor the benchmark compares with."""

    def join(
        self, *, eui64: str, link_key: bytes, esiid: str, meter_number: str, requested_at: datetime
    ) -> JoinAnswer:
        del eui64, link_key, esiid, meter_number  # the port's signature; nothing to do
        return JoinAnswer(requested_at, joined=True)

    def leave(self, *, eui64: str, esiid: str, requested_at: datetime) -> datetime:
        del eui64, esiid
        return requested_at

    def deliver(self, order: HanOrder) -> Sequence[HanEvent]:
        del order
        return ()


def _start(fields: Mapping[str, int | str], arrived: datetime) -> datetime:
    value = int(fields.get("start_time", 0))
    return arrived if value == 0 else from_utc_time(value)


def _draws(key: str) -> list[float]:
    digest = hashlib.sha256(key.encode()).digest()
    return [int.from_bytes(digest[i : i + 4], "big") / 2**32 for i in range(0, 32, 4)]
