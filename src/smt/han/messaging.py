"""HAN message requests (price signals, load control and its cancellations, text messages):
validated field by field at the boundary, addressed to up to 10,000 ESIIDs/meters or single
devices, and acknowledged at once with the accepted addresses and the refused ones with their
reasons. A REP may address only ESIIDs whose REP of Record it is today, and only their
devices; an ESIID that is not the REP's answers exactly like one that does not exist."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import Connection, func, insert, select

from smt.access.facts import reps_of_record_on
from smt.access.policy import Principal, may_message_han
from smt.domain.central_time import today_in_central
from smt.domain.esiid import Esiid, InvalidEsiid
from smt.domain.tdsp import tdsp_for_esiid
from smt.han.devices import HanDevices, _state
from smt.han.model import (
    MAX_ADDRESSES,
    Address,
    DeviceState,
    DeviceType,
    HanRefusal,
    MessageKind,
    normalized_eui64,
)
from smt.han.utc_time import to_utc_time
from smt.han.zcl import InvalidField, checked
from smt.store.han_tables import han_delivery, han_device, han_request
from smt.store.schema import meter

NOT_YOURS = "not an ESIID you serve today"
CHUNK = 900  # bound parameters per query, under SQLite's limit


@dataclass(frozen=True, slots=True)
class MessageRequest:
    kind: MessageKind
    duns: str  # the requester's authentication id: the DUNS it acts for
    fields: Mapping[str, int | str]  # Smart Energy fields; times already as UTCTime
    addresses: Sequence[Address]
    callback_uri: str | None = None
    priority: str = "L"


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    request_id: str
    accepted: list[str]
    refused: list[tuple[str, str]] = field(default_factory=list)
    tdsps: list[str] = field(default_factory=list)  # the head-ends to fan out to


@dataclass(slots=True)
class _Joined:
    id: int
    eui64: str
    device_type: DeviceType


class HanMessaging:
    def __init__(self, devices: HanDevices) -> None:
        self._devices = devices

    def submit(
        self, conn: Connection, principal: Principal, request: MessageRequest, *, now: datetime
    ) -> Acknowledgement:
        spec = request.kind.spec
        if request.duns not in principal.duns:
            raise HanRefusal("the requester authentication id is not a DUNS of yours")
        if not request.addresses:
            raise HanRefusal("at least one address")
        if len(request.addresses) > MAX_ADDRESSES:
            raise HanRefusal(
                f"at most {MAX_ADDRESSES} addresses a message; this has {len(request.addresses)}"
            )
        if request.priority not in ("H", "L"):
            raise HanRefusal("the request priority is H or L")
        callback = _callback(request.callback_uri)
        fields = dict(request.fields)
        if "current_time" in {f.name for f in spec.command.fields} and not fields.get(
            "current_time"
        ):
            # PublishPrice's Current Time is the sender's clock, never "now" (0).
            fields["current_time"] = to_utc_time(now)
        try:
            values = checked(spec.command, fields)
        except InvalidField as error:
            raise HanRefusal(str(error)) from None
        issuer_id = int(values[spec.issuer_field]) if spec.issuer_field else None
        if issuer_id is not None:
            self._check_increasing(conn, request, issuer_id)
        if spec.cancels is not None:
            self._check_cancelled_exists(conn, request, int(values[spec.cancels]))
        accepted, refused, targets = self._resolve(conn, principal, request, now)
        if not targets:
            return Acknowledgement("", [], refused)
        request_id = "HAN" + secrets.token_hex(12).upper()
        row_id = conn.execute(
            insert(han_request).values(
                request_id=request_id,
                kind=request.kind.value,
                requested_by=principal.user_id,
                duns=request.duns,
                # for a cancellation, the id of what it cancels
                issuer_id=issuer_id
                if issuer_id is not None
                else (int(values[spec.cancels]) if spec.cancels else None),
                fields=values,
                priority=request.priority,
                callback_uri=callback,
                callback_state="pending" if callback else None,
                accepted=len(accepted),
                refused=[{"address": a, "reason": r} for a, r in refused],
                requested_at=now,
            )
        ).inserted_primary_key
        assert row_id is not None  # noqa: S101
        rows = [
            {
                "request_id": row_id[0],
                "address": label,
                "esiid": esiid,
                "tdsp": tdsp,
                "device_id": device.id,
                "issuer_id": issuer_id,
            }
            for label, esiid, tdsp, device in targets
        ]
        for start in range(0, len(rows), 5000):
            conn.execute(insert(han_delivery), rows[start : start + 5000])
        tdsps = sorted({tdsp for _, _, tdsp, _ in targets})
        return Acknowledgement(request_id, accepted, refused, tdsps)

    def _check_increasing(self, conn: Connection, request: MessageRequest, issuer_id: int) -> None:
        family = [k.value for k in MessageKind if k.family == request.kind.family]
        previous = conn.execute(
            select(func.max(han_request.c.issuer_id)).where(
                han_request.c.duns == request.duns, han_request.c.kind.in_(family)
            )
        ).scalar_one()
        field_name = request.kind.spec.issuer_field
        if previous is not None and issuer_id <= previous:
            raise HanRefusal(
                f"{field_name} must be greater than {previous}, the last this DUNS sent"
            )

    def _check_cancelled_exists(
        self, conn: Connection, request: MessageRequest, cancelled: int
    ) -> None:
        original = (
            MessageKind.LOAD_CONTROL
            if request.kind is MessageKind.CANCEL_LOAD_CONTROL
            else MessageKind.TEXT
        )
        found = conn.execute(
            select(han_request.c.id).where(
                han_request.c.duns == request.duns,
                han_request.c.kind == original.value,
                han_request.c.issuer_id == cancelled,
            )
        ).first()
        if found is None:
            raise HanRefusal(f"no {original.value} {cancelled} was sent by this DUNS")

    def _resolve(
        self, conn: Connection, principal: Principal, request: MessageRequest, now: datetime
    ) -> tuple[list[str], list[tuple[str, str]], list[tuple[str, str, str, _Joined]]]:
        capability = request.kind.spec.capability
        parsed: list[tuple[Address, str | None]] = []
        for address in request.addresses:
            try:
                parsed.append((address, Esiid.parse(address.esiid).value))
            except InvalidEsiid:
                parsed.append((address, None))
        esiids = sorted({e for _, e in parsed if e})
        today = today_in_central(now)
        serving = reps_of_record_on(conn, esiids, today)
        meters = _meters_in_service(conn, esiids)
        devices = _joined_devices(conn, esiids, now)
        text = request.fields.get("message")
        text_bytes = len(str(text).encode("utf-8")) if text is not None else 0
        limits: dict[str, int] = {}
        accepted: list[str] = []
        refused: list[tuple[str, str]] = []
        targets: list[tuple[str, str, str, _Joined]] = []
        seen: set[int] = set()
        for address, esiid in parsed:
            label = address.label
            tdsp = tdsp_for_esiid(esiid) if esiid else None
            if (
                esiid is None
                or tdsp is None
                or not may_message_han(
                    principal, duns=request.duns, duns_today=serving.get(esiid, frozenset())
                )
            ):
                refused.append((label, NOT_YOURS))
                continue
            if address.meter_number and address.meter_number.strip() not in meters.get(esiid, ()):
                refused.append((label, "the meter number is not this ESIID's meter in service"))
                continue
            if text_bytes:
                if tdsp.code not in limits:
                    limits[tdsp.code] = self._devices.limits(conn, tdsp.code).max_text_bytes
                if text_bytes > limits[tdsp.code]:
                    most = limits[tdsp.code]
                    refused.append(
                        (label, f"the text is {text_bytes} bytes; {tdsp.name} takes {most}")
                    )
                    continue
            reachable = devices.get(esiid, [])
            if address.device_eui64:
                try:
                    eui = normalized_eui64(address.device_eui64)
                except HanRefusal as error:
                    refused.append((label, str(error)))
                    continue
                reachable = [d for d in reachable if d.eui64 == eui]
                if not reachable:
                    refused.append((label, "no joined device with that EUI-64 on this ESIID"))
                    continue
            capable = [d for d in reachable if capability in d.device_type.capabilities]
            if not capable:
                refused.append((label, f"no joined device there takes {capability} messages"))
                continue
            fresh = [d for d in capable if d.id not in seen]
            seen.update(d.id for d in fresh)
            accepted.append(label)
            targets.extend((label, esiid, tdsp.code, d) for d in fresh)
        return accepted, refused, targets


def _callback(uri: str | None) -> str | None:
    """HTTPS only, except plain HTTP to this host's loopback (development and tests): a
    callback must not turn the hub into a way into other people's networks in clear."""
    if not uri:
        return None
    parts = urlsplit(uri)
    if parts.scheme == "https" and parts.hostname:
        return uri
    if parts.scheme == "http" and parts.hostname:
        try:
            if ipaddress.ip_address(parts.hostname).is_loopback:
                return uri
        except ValueError:
            pass
    raise HanRefusal("the callback URI must be https://")


def _meters_in_service(conn: Connection, esiids: list[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for start in range(0, len(esiids), CHUNK):
        rows = conn.execute(
            select(meter.c.esiid, meter.c.meter_number).where(
                meter.c.esiid.in_(esiids[start : start + CHUNK]), meter.c.removed_on.is_(None)
            )
        )
        for esiid, number in rows:
            found.setdefault(esiid, set()).add(number)
    return found


def _joined_devices(conn: Connection, esiids: list[str], now: datetime) -> dict[str, list[_Joined]]:
    d = han_device.c
    found: dict[str, list[_Joined]] = {}
    for start in range(0, len(esiids), CHUNK):
        rows = conn.execute(
            select(d.id, d.esiid, d.eui64, d.device_type, d.state, d.outcome, d.outcome_at).where(
                d.esiid.in_(esiids[start : start + CHUNK]),
                d.state.in_((DeviceState.REQUESTED.value, DeviceState.JOINED.value)),
            )
        )
        for row in rows:
            if _state(row.state, row.outcome, row.outcome_at, now) is DeviceState.JOINED:
                found.setdefault(row.esiid, []).append(
                    _Joined(row.id, row.eui64, DeviceType(row.device_type))
                )
    return found
