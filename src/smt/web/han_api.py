"""HAN in the hub's JSON API (`/api/v1/han/...`): provision and de-provision devices, send
price signals, load control (and cancellations) and text messages, follow every delivery.
Times are Central prevailing time with an explicit offset (`2026-07-15T16:00-05:00`), a plain
local time only where it names one instant, or `now`."""

# No `from __future__ import annotations`: FastAPI reads the endpoints' annotations.

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from smt.access.policy import Principal
from smt.composition import Hub
from smt.han import log
from smt.han.devices import Device, DeviceOrder
from smt.han.messaging import MessageRequest
from smt.han.model import Address, HanLimits, HanRefusal, MessageKind
from smt.han.utc_time import InvalidLocalTime, parse_central, to_utc_time


class DeviceBody(BaseModel):
    esiid: str = Field(max_length=40)
    meter_number: str = Field(max_length=40)
    eui64: str = Field(max_length=40)
    install_code: str = Field(max_length=80)
    device_type: str = Field(max_length=40)


class AddressBody(BaseModel):
    esiid: str = Field(max_length=40)
    meter_number: str = Field(default="", max_length=40)
    device: str = Field(default="", max_length=40, description="one device's EUI-64")


class MessageBody(BaseModel):
    kind: MessageKind
    duns: str = Field(max_length=13, description="the DUNS the REP acts for")
    fields: dict[str, int | str] = Field(
        description="Smart Energy fields; *_time fields as Central ISO 8601 or 'now'"
    )
    addresses: list[AddressBody]
    callback_uri: str | None = Field(default=None, max_length=2000)
    priority: Literal["H", "L"] = "L"


class LimitsBody(BaseModel):
    max_devices_per_meter: int
    max_text_bytes: int


def se_fields(fields: dict[str, int | str]) -> dict[str, int | str]:
    """Times in Central wall clock to Smart Energy UTCTime; `now` to 0."""
    out: dict[str, int | str] = {}
    for name, value in fields.items():
        if name.endswith("_time") and isinstance(value, str):
            if value.strip().lower() == "now":
                out[name] = 0
                continue
            try:
                out[name] = to_utc_time(parse_central(value))
            except InvalidLocalTime as error:
                raise HanRefusal(f"{name}: {error}") from None
        else:
            out[name] = value
    return out


def device_json(device: Device) -> dict[str, Any]:
    return {
        "id": device.id,
        "esiid": device.esiid,
        "meter_number": device.meter_number,
        "eui64": device.eui64,
        "device_type": device.device_type.value,
        "state": device.state.value,
        "reason": device.reason,
        "requested_at": device.requested_at.isoformat(),
        "changes_at": device.changes_at.isoformat() if device.changes_at else None,
    }


def add_han_routes(api: FastAPI, hub: Hub, caller: Callable[..., Principal]) -> None:
    Caller = Annotated[Principal, Depends(caller)]  # noqa: N806 - a type alias

    def refused(error: HanRefusal) -> HTTPException:
        return HTTPException(422, str(error))

    def now() -> datetime:
        return hub.clock.now()

    @api.post("/han/devices", status_code=201, tags=["han"])
    def provision(body: DeviceBody, principal: Caller) -> JSONResponse:
        """Provision one device behind an ESIID's meter (its link key goes to the head-end)."""
        try:
            with hub.engine.begin() as conn:
                device = hub.han.devices.provision(
                    conn, principal, DeviceOrder(**body.model_dump()), now=now()
                )
        except HanRefusal as error:
            raise refused(error) from None
        return JSONResponse(device_json(device), status_code=201)

    @api.get("/han/devices", tags=["han"])
    def devices(esiid: str, principal: Caller) -> JSONResponse:
        with hub.engine.connect() as conn:
            found = hub.han.devices.on_esiid(conn, principal, esiid.strip(), now=now())
        return JSONResponse({"devices": [device_json(d) for d in found]})

    @api.delete("/han/devices/{device_id}", tags=["han"])
    def deprovision(device_id: int, principal: Caller) -> JSONResponse:
        try:
            with hub.engine.begin() as conn:
                device = hub.han.devices.deprovision(conn, principal, device_id, now=now())
        except HanRefusal as error:
            raise HTTPException(404, str(error)) from None
        return JSONResponse(device_json(device))

    @api.put("/han/limits", tags=["han"])
    def limits(body: LimitsBody, principal: Caller) -> JSONResponse:
        """A TDSP administrator sets its head-end's device and text limits."""
        try:
            with hub.engine.begin() as conn:
                hub.han.devices.set_limits(
                    conn,
                    principal,
                    HanLimits(body.max_devices_per_meter, body.max_text_bytes),
                    now=now(),
                )
        except HanRefusal as error:
            raise refused(error) from None
        return JSONResponse(body.model_dump())

    @api.post("/han/messages", tags=["han"])
    def send(body: MessageBody, principal: Caller) -> JSONResponse:
        """Acknowledged at once: accepted addresses, refused ones with their reasons."""
        try:
            request = MessageRequest(
                body.kind,
                body.duns.strip(),
                se_fields(body.fields),
                [
                    Address(a.esiid.strip(), a.meter_number.strip(), a.device.strip())
                    for a in body.addresses
                ],
                body.callback_uri,
                body.priority,
            )
            ack = hub.han.send(hub.engine, principal, request, now=now())
        except HanRefusal as error:
            raise refused(error) from None
        return JSONResponse(
            {
                "request_id": ack.request_id or None,
                "accepted": ack.accepted,
                "refused": [{"address": a, "reason": r} for a, r in ack.refused],
            }
        )

    @api.get("/han/messages", tags=["han"])
    def messages(principal: Caller) -> JSONResponse:
        """The HAN messaging log: the newest requests of the caller's DUNS."""
        with hub.engine.connect() as conn:
            found = log.requests(conn, principal)
        return JSONResponse(
            {
                "requests": [
                    {
                        "request_id": r.request_id,
                        "kind": r.kind,
                        "duns": r.duns,
                        "requested_by": r.requested_by,
                        "requested_at": r.requested_at.isoformat(),
                        "accepted": r.accepted,
                        "refused": len(r.refused),
                    }
                    for r in found
                ]
            }
        )

    @api.get("/han/messages/{request_id}", tags=["han"])
    def message(request_id: str, principal: Caller, *, deliveries: bool = True) -> JSONResponse:
        """Where the request stands; `deliveries=false` leaves out the per-device list."""
        with hub.engine.connect() as conn:
            view = log.request(conn, principal, request_id, now=now())
        if view is None:
            raise HTTPException(404, "no such request")
        return JSONResponse(
            {
                "request_id": view.request_id,
                "kind": view.kind,
                "duns": view.duns,
                "fields": view.fields,
                "accepted": view.accepted,
                "refused": view.refused,
                "final": view.final,
                "counts": view.counts,
                "callback": view.callback_state,
                "deliveries": [
                    {
                        "id": d.delivery_id,
                        "address": d.address,
                        "esiid": d.esiid,
                        "device": d.eui64,
                        "status": d.status,
                        "detail": d.detail,
                        "at": d.at.isoformat() if d.at else None,
                        "final": d.final,
                    }
                    for d in (view.deliveries if deliveries else [])
                ],
            }
        )

    @api.get("/han/messages/{request_id}/deliveries/{delivery_id}", tags=["han"])
    def delivery(request_id: str, delivery_id: int, principal: Caller) -> JSONResponse:
        with hub.engine.connect() as conn:
            events = log.history(conn, principal, request_id, delivery_id, now=now())
        if not events:
            raise HTTPException(404, "no such delivery")
        return JSONResponse(
            {
                "events": [
                    {"at": at.isoformat(), "status": status, "detail": detail}
                    for at, status, detail in events
                ]
            }
        )
