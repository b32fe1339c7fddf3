"""SMT's portal API, so that a client written for the real Smart Meter Texas works against this
hub given only the host name (reference/smt-interfaces.md section 3).

Every answer is JSON, errors included (clients call `.json()` on every response). Bad
credentials answer 400 with SMT's error text, a locked account 403, and a bearer token 401 only
once it has been idle longer than its sliding timeout (30 minutes; SMT clients assume 15 and
retry a 401 at once). An ESIID the caller may not see answers exactly like one without data.
"""

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Connection, select

from smt.access.facts import attached_esiids
from smt.access.policy import Principal
from smt.accounts.model import Role
from smt.accounts.sessions import Login, LoginRefusal, SessionKind
from smt.composition import Hub
from smt.domain.central_time import CENTRAL, slot_start
from smt.domain.channel import Channel
from smt.formats.lse import format_kwh
from smt.store.schema import meter, premise
from smt.usage.odr import OdrRefusal
from smt.usage.service import IntervalVersion, UsageService
from smt.web.smt_shapes import (
    ODR_REASONS,
    ApiError,
    central_stamp,
    esiid_or_empty,
    hundred_slots,
    us_date,
    us_day,
)

NO_DATA = "No Energy Data received from the respective TDSP"
SYNC_DAYS = 40
SYNC_MONTHLY_DAYS = 1200
USER_TYPES = {
    Role.CUSTOMER: "RES",
    Role.NRC_ADMIN: "BUS",
    Role.NRC_USER: "BUS",
    Role.REP_ADMIN: "REP",
    Role.REP_USER: "REP",
    Role.TDSP_ADMIN: "TDSP",
    Role.TDSP_USER: "TDSP",
    Role.OPERATOR: "SMT",
}


# No `from __future__ import annotations` in this module: FastAPI reads the annotations of the
# endpoints below, whose dependency aliases are local to this function.
def smt_portal_router(hub: Hub) -> APIRouter:
    router = APIRouter()
    usage = UsageService()

    async def body(request: Request) -> dict[str, Any]:
        try:
            parsed = json.loads(await request.body() or b"{}")
        except ValueError:
            raise ApiError(400, {"errormessage": "ERR-INVALID-JSON"}) from None
        if not isinstance(parsed, dict):
            raise ApiError(400, {"errormessage": "ERR-INVALID-JSON"})
        return parsed

    Body = Annotated[dict[str, Any], Depends(body)]  # noqa: N806 - a type alias

    def caller(request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token:
            with hub.engine.begin() as conn:
                alive = hub.sessions.resolve(
                    conn, token.strip(), kind=SessionKind.API, now=hub.clock.now()
                )
            if alive is not None:
                return alive.principal
        raise ApiError(401, {"message": "Invalid Token"})

    Caller = Annotated[Principal, Depends(caller)]  # noqa: N806 - a type alias

    def authenticate(payload: Body) -> JSONResponse:
        # A stale Authorization header on a login is ignored, as SMT does.
        username, password = payload.get("username"), payload.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            raise ApiError(400, {"errormessage": "ERR-USR-INVALIDPASSWORDERROR"})
        with hub.engine.begin() as conn:
            outcome = hub.sessions.login(
                conn, user_id=username, password=password, kind=SessionKind.API, now=hub.clock.now()
            )
        if outcome is LoginRefusal.LOCKED:
            raise ApiError(403, {"errormessage": "ERR-USR-LOCKED"})
        if not isinstance(outcome, Login):
            raise ApiError(400, {"errormessage": "ERR-USR-INVALIDPASSWORDERROR"})
        principal = outcome.principal
        return JSONResponse(
            {
                "usr_id": principal.user_id,
                "is_rgstrd": "Y",
                "usr_type": USER_TYPES[principal.role],
                "lang_pref": outcome.language,
                "ai": "N",
                "smtStatus": "active",
                "smtStatuskey": "SMTPR_smtStatus",
                "token": outcome.token,
            }
        )

    for path in (
        "/commonapi/user/authenticate",
        "//commonapi/user/authenticate",
        "/api/user/authenticate",
    ):
        router.add_api_route(path, authenticate, methods=["POST"], include_in_schema=False)

    @router.post("/api/meter", include_in_schema=False)
    def meters(principal: Caller, payload: Body) -> JSONResponse:
        wanted = str(payload.get("esiid", "*"))
        with hub.engine.connect() as conn:
            esiids = [e for e, _ in attached_esiids(conn, principal)]
            if wanted != "*":
                esiids = [e for e in esiids if e == esiid_or_empty(wanted)]
            return JSONResponse({"data": [_meter_entry(conn, e) for e in esiids]})

    @router.post("/api/adhoc/intervalsynch", include_in_schema=False)
    def interval_synch(principal: Caller, payload: Body) -> JSONResponse:
        first, last = _dates(payload)
        requested = payload.get("ESIID") or payload.get("esiid") or []
        esiid = esiid_or_empty(
            requested[0] if isinstance(requested, list) and requested else str(requested)
        )
        with hub.engine.begin() as conn:
            versions = (
                list(usage.intervals(conn, principal, [esiid], first, last, now=hub.clock.now()))
                if esiid
                else []
            )
        if not versions:
            return JSONResponse({"data": {"errorCode": "1", "errorMessage": NO_DATA}})
        energy = [
            {
                "DT": us_day(v.day),
                "RevTS": central_stamp(v.revised_at),
                "RT": v.channel.value,
                "RD": ",".join(hundred_slots(v)),
            }
            for v in versions
        ]
        return JSONResponse(
            {
                "data": {
                    "trans_id": str(payload.get("trans_id", "1")),
                    "esiid": esiid,
                    "energyData": energy,
                }
            }
        )

    @router.post("/api/usage/interval", include_in_schema=False)
    def usage_interval(principal: Caller, payload: Body) -> JSONResponse:
        first, last = _dates(payload)
        esiid = esiid_or_empty(str(payload.get("esiid", "")))
        with hub.engine.begin() as conn:
            versions = (
                list(usage.intervals(conn, principal, [esiid], first, last, now=hub.clock.now()))
                if esiid
                else []
            )
        return JSONResponse({"intervaldata": list(_interval_rows(versions))})

    @router.post("/api/usage/daily", include_in_schema=False)
    def usage_daily(principal: Caller, payload: Body) -> JSONResponse:
        first, last = _dates(payload, limit=1200)
        esiid = esiid_or_empty(str(payload.get("esiid", "")))
        with hub.engine.begin() as conn:
            reads = (
                list(
                    usage.register_reads(conn, principal, [esiid], first, last, now=hub.clock.now())
                )
                if esiid
                else []
            )
        return JSONResponse(
            {
                "dailyData": [
                    {
                        "date": us_day(r.day),
                        "starttime": "00:00:00",
                        "startreading": format_kwh(r.start_wh),
                        "endreading": format_kwh(r.end_wh),
                        "reading": format_kwh(r.end_wh - r.start_wh),
                    }
                    for r in reads
                ]
            }
        )

    @router.post("/api/usage/monthly", include_in_schema=False)
    def usage_monthly(principal: Caller, payload: Body) -> JSONResponse:
        # SMT's answer here is not documented; this follows /api/usage/daily's shape.
        first, last = _dates(payload, limit=SYNC_MONTHLY_DAYS)
        esiid = esiid_or_empty(str(payload.get("esiid", "")))
        with hub.engine.begin() as conn:
            bills = (
                list(usage.monthly(conn, principal, [esiid], first, last, now=hub.clock.now()))
                if esiid
                else []
            )
        return JSONResponse(
            {
                "monthlyData": [
                    {
                        "startdate": us_day(b.period_start),
                        "enddate": us_day(b.period_end),
                        "actl_kwh_usg": format_kwh(b.usage_wh),
                        "mtrd_kwh_usg": format_kwh(b.usage_wh),
                        "mtrd_kw_usg": None if b.demand_w is None else format_kwh(b.demand_w),
                        "estimated": b.quality == "E",
                    }
                    for b in bills
                ]
            }
        )

    @router.post("/api/ondemandread", include_in_schema=False)
    def on_demand_read(principal: Caller, payload: Body) -> JSONResponse:
        with hub.engine.begin() as conn:
            outcome = hub.reads.request(
                conn,
                principal,
                esiid=str(payload.get("ESIID", "")),
                meter_number=str(payload.get("MeterNumber", "")),
                now=hub.clock.now(),
            )
        trans_id = str(payload.get("trans_id", "1"))
        if isinstance(outcome, OdrRefusal):
            return JSONResponse(
                {
                    "data": {
                        "trans_id": trans_id,
                        "correlationId": "",
                        "statusCode": outcome.value,
                        "statusReason": ODR_REASONS[outcome],
                    }
                }
            )
        return JSONResponse(
            {
                "data": {
                    "trans_id": trans_id,
                    "correlationId": outcome,
                    "statusCode": "0",
                    "statusReason": "Request submitted successfully for further processing",
                }
            }
        )

    @router.post("/api/usage/latestodrread", include_in_schema=False)
    def latest_read(principal: Caller, payload: Body) -> JSONResponse:
        with hub.engine.begin() as conn:
            status = hub.reads.latest(
                conn, principal, esiid=str(payload.get("ESIID", "")), now=hub.clock.now()
            )
        if status is None:
            data: dict[str, Any] = {
                "odrstatus": "",
                "odrread": None,
                "odrusage": None,
                "odrdate": None,
            }
        else:
            pending = status.status == "PENDING"
            data = {
                "odrstatus": status.status,
                "odrread": "0" if pending else _kwh_or_none(status.read_wh),
                "odrusage": "0" if pending else _kwh_or_none(status.usage_wh),
                "odrdate": central_stamp(status.at),
            }
        return JSONResponse({"data": {**data, "responseMessage": "SUCCESS"}})

    return router


def _kwh_or_none(wh: int | None) -> str | None:
    return None if wh is None else format_kwh(wh)


def _dates(payload: dict[str, Any], limit: int = SYNC_DAYS) -> tuple[date, date]:
    try:
        first = us_date(str(payload.get("startDate")))
        last = us_date(str(payload.get("endDate")))
    except ValueError:
        raise ApiError(
            400, {"errorCode": "2", "errorMessage": "startDate and endDate are MM/DD/YYYY"}
        ) from None
    if last < first or (last - first).days >= limit:
        raise ApiError(
            400, {"errorCode": "3", "errorMessage": f"a range of 1 to {limit} days, start first"}
        )
    return first, last


def _clock(moment: datetime) -> str:
    text = moment.strftime("%I:%M %p").lower().lstrip("0")
    return f" {text}"


def _interval_rows(versions: list[IntervalVersion]) -> Iterator[dict[str, Any]]:
    by_day: dict[date, dict[Channel, IntervalVersion]] = {}
    for v in versions:
        by_day.setdefault(v.day, {})[v.channel] = v
    for day, channels in sorted(by_day.items()):
        consumption = channels.get(Channel.CONSUMPTION)
        generation = channels.get(Channel.SURPLUS_GENERATION)
        count = len((consumption or generation).values_wh)  # type: ignore[union-attr]
        for slot in range(count):
            begins = slot_start(day, slot).astimezone(CENTRAL)
            ends = (slot_start(day, slot) + timedelta(minutes=15)).astimezone(CENTRAL)
            row: dict[str, Any] = {
                "starttime": _clock(begins),
                "endtime": _clock(ends),
                "date": day.isoformat(),
            }
            for name, channel in (("consumption", consumption), ("generation", generation)):
                if channel is None or channel.qualities[slot] == "M":
                    row[name], row[f"{name}_est_act"] = 0, None
                else:
                    # SMT answers numbers here; kWh has three decimals, exact in a float's text.
                    row[name] = float(format_kwh(channel.values_wh[slot]))
                    row[f"{name}_est_act"] = channel.qualities[slot]
            yield row


def _meter_entry(conn: Connection, esiid: str) -> dict[str, Any]:
    place = conn.execute(
        select(premise.c.address1, premise.c.city, premise.c.state, premise.c.zip).where(
            premise.c.esiid == esiid
        )
    ).first()
    number = conn.execute(
        select(meter.c.meter_number, meter.c.kwh_multiplier).where(
            meter.c.esiid == esiid, meter.c.removed_on.is_(None)
        )
    ).first()
    address, city, state, zip_code = place or ("", "", "TX", "")
    return {
        "customer": "",
        "email": "",
        "description": address,
        "address": address.upper(),
        "city": city.upper(),
        "state": state,
        "zip": zip_code,
        "esiid": esiid,
        "meterNumber": number[0] if number else "",
        "meterMultiplier": number[1] if number else 1,
        "fullAddress": f"{address.upper()}, {city.upper()}, {state}, {zip_code}",
        "errmsg": "Success",
        "recordStatus": "ESIID-RECORD-EXISTS",
        "statusIndicator": True,
        "dunsNumber": "NO_DUNS",
    }
