"""SMT's official API (`services.smartmetertexas.net`, reference/smt-interfaces.md section 4),
so that a client written for the real `/v2/` API works against this hub given only the host
name. docs/smt-official-api.md lists the endpoints and the decisions taken where SMT's guide is
silent.

- `POST /v2/token/` logs a system account ("service ID") in and answers an access token: the
  hub's own opaque session token (SMT issues a JWT; clients only echo it back as a bearer
  token), valid 3600 s from issue, never extended.
- Every other endpoint needs that token, and checks the identity fields of the body against
  it: `requestorID` is the service ID, `requesterType` its company's kind,
  `requesterAuthenticationID` the DUNS it acts for. The token's principal is a user of its
  company's kind holding just that DUNS, so the access policy limits it like that user.
- A small JSON request (one ESIID; intervals up to 40 days, register reads and bills up to
  1,200) is answered in the response. Anything else (FTP delivery, CSV or LSE, several
  ESIIDs, a longer range) becomes an ad hoc request answered with a correlation id; its file
  lands in the company's mailbox and `/reportrequeststatus/` follows it.
- An ESIID the caller may not see answers exactly like one without data. Every answer is JSON:
  transport errors as SMT's gateway words them (`{"error": …}`), business errors as
  `{"trans_id", "errorCode", "errorMessage"}`.
"""

# No `from __future__ import annotations` in this module: FastAPI reads the annotations of the
# endpoints below, whose dependency aliases are local to the router factory.

import json
import logging
from collections.abc import Callable, Coroutine
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy import select
from starlette.exceptions import HTTPException

from smt.accounts.model import WorkflowError
from smt.accounts.sessions import LoginRefusal, SystemLogin
from smt.composition import Hub
from smt.domain.central_time import today_in_central
from smt.formats.lse import format_kwh
from smt.reports.adhoc import AdHocRequest, RequestStatus
from smt.reports.writers import ReportFormat
from smt.store.schema import meter
from smt.usage.odr import OdrRefusal, OdrStatus
from smt.usage.service import UsageService
from smt.web.smt_official_request import (
    READING_TYPES,
    Call,
    Code,
    credentials,
    identify,
)
from smt.web.smt_reference_shapes import meter_data, premise_data
from smt.web.smt_shapes import (
    ODR_REASONS,
    ApiError,
    ExponentJSONResponse,
    central_stamp,
    exponent_kwh,
    hundred_slots,
    us_day,
)

log = logging.getLogger(__name__)

SUBMITTED = "Request submitted successfully for further processing"
SYNC_INTERVAL_DAYS = 40
SYNC_DAILY_DAYS = 1200
# The names of SMT's resources; each answers with and without /v2 and a trailing slash.
RESOURCES = (
    "token",
    "15minintervalreads",
    "dailyreads",
    "monthlybillingInformation",
    "odr",
    "odrstatus",
    "meterInfo",
    "premiseInfo",
    "premise",
    "reportrequeststatus",
)
# SMT's gateway texts (section 4.5); the locked and the token texts are the hub's own.
NEED_USERNAME = "Please provide username."
NEED_PASSWORD = "Please provide password."  # noqa: S105 - a message, not a password
BAD_CREDENTIALS = "Incorrect username or password."
LOCKED = "Too many failed logins: the service ID is locked. Please try again later."
BAD_TOKEN = "The access token is missing, invalid or expired."  # noqa: S105 - a message
BROKEN = "Something went wrong. Please try again later."


def official_path(path: str) -> bool:
    """Whether a request path (without its leading slash) is one of this API's namespace."""
    first = path.lstrip("/").split("/", 1)[0].casefold()
    return first == "v2" or first in {r.casefold() for r in RESOURCES}


def official_error(status: int) -> JSONResponse:
    """A wrong path, method or request in this API's namespace, in JSON like every answer."""
    words = {404: "Not Found", 405: "Method Not Allowed"}.get(status, "Bad Request")
    return JSONResponse({"error": words}, status_code=status if status in (404, 405) else 400)


class _JsonEvenWhenBroken(APIRoute):
    """SMT answers 500 with a JSON body; so does this API, whatever broke (and logs it)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except (ApiError, HTTPException, RequestValidationError):
                raise  # answered by the app's handlers, in JSON too
            except Exception:  # the answer must stay JSON; the log keeps what broke
                log.exception("official API: %s failed", request.url.path)
                return JSONResponse({"error": BROKEN}, status_code=500)

        return guarded


def _odr_body(status: OdrStatus) -> dict[str, Any]:
    """`/odrstatus/`'s words and reading; SMT's "retreived" is kept as SMT spells it."""
    match status.status:
        case "PENDING":
            code, reason, read = "PEN", "Request Submitted by API", None
        case "COMPLETED":
            code, reason, read = "0", "ODR retreived successfully", status.read_wh
        case "T-FAILED":
            code, reason, read = "1", "The meter did not answer in time. Please try again.", None
        case _:
            code, reason, read = "1", "Your ODR request was unable to be processed.", None
    return {
        "statusCode": code,
        "statusReason": reason,
        "odrRead": {"registeredRead": exponent_kwh(read), "readDate": central_stamp(status.at)},
    }


def _report_status(status: RequestStatus) -> str:
    if status is RequestStatus.COMPLETED:
        return "0"
    return "1" if status is RequestStatus.FAILED else "PEN"


def smt_official_router(hub: Hub) -> APIRouter:
    router = APIRouter(route_class=_JsonEvenWhenBroken)
    usage = UsageService()

    async def body(request: Request) -> dict[str, Any]:
        try:
            parsed = json.loads(await request.body() or b"{}")
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise ApiError(
                400, {"errorCode": Code.OPTION, "errorMessage": "the body is not a JSON object"}
            )
        return parsed

    Body = Annotated[dict[str, Any], Depends(body)]  # noqa: N806 - a type alias

    def caller(request: Request, payload: Body) -> Call:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        principal = None
        if scheme.lower() == "bearer" and token.strip():
            with hub.engine.begin() as conn:
                principal = hub.sessions.resolve_system(conn, token.strip(), now=hub.clock.now())
        if principal is None:
            raise ApiError(401, {"error": BAD_TOKEN})
        trans_id = payload.get("trans_id")
        return Call(principal, payload, "" if trans_id is None else str(trans_id)[:64])

    Caller = Annotated[Call, Depends(caller)]  # noqa: N806 - a type alias

    def routes(name: str, endpoint: Callable[..., Any]) -> None:
        spellings = {name, name.lower()}
        for spelling in sorted(spellings):
            for prefix in ("/v2", ""):
                for slash in ("/", ""):
                    router.add_api_route(
                        f"{prefix}/{spelling}{slash}",
                        endpoint,
                        methods=["POST"],
                        include_in_schema=False,
                    )

    def token(request: Request, payload: Body) -> JSONResponse:
        username, password = credentials(request, payload)
        if not username.strip():
            raise ApiError(400, {"error": NEED_USERNAME})
        if not password:
            raise ApiError(400, {"error": NEED_PASSWORD})
        with hub.engine.begin() as conn:
            outcome = hub.sessions.login_system(
                conn, name=username, password=password, now=hub.clock.now()
            )
        if outcome is LoginRefusal.LOCKED:
            raise ApiError(403, {"error": LOCKED})
        if not isinstance(outcome, SystemLogin):
            raise ApiError(401, {"error": BAD_CREDENTIALS})
        lifetime = outcome.expires_at - outcome.issued_at
        return JSONResponse(
            {
                "statusCode": "200",
                "accessToken": outcome.token,
                "tokenType": "Bearer",
                "expiresIn": str(int(lifetime.total_seconds())),
                "issuedAt": central_stamp(outcome.issued_at),
                "expiresAt": central_stamp(outcome.expires_at),
            }
        )

    def queued(call: Call, kind: str, fmt: str, first: date, last: date) -> JSONResponse:
        """An ad hoc request (IF1030) in SMT's words: a correlation id, the file later."""
        wanted = AdHocRequest(
            kind,
            ReportFormat(fmt.lower()),
            call.esiids(),
            first,
            last,
            call.option("version", ("L", "A"), "L") == "A",
        )
        try:
            with hub.engine.begin() as conn:
                answer = hub.adhoc.submit(conn, call.principal, wanted, now=hub.clock.now())
        except WorkflowError as refusal:
            raise call.refuse(Code.REFUSED, str(refusal)) from None
        if answer.status is RequestStatus.QUEUED:
            # After the commit: the worker reads the request's row.
            hub.jobs.enqueue_adhoc(answer.correlation_id, call.principal.user_id)
        return call.answer(
            {"correlationId": answer.correlation_id, "statusCode": "0", "statusReason": SUBMITTED}
        )

    def as_file(call: Call, first: date, last: date, limit: int) -> str | None:
        """The report format when the request becomes an ad hoc request (a file); None when
        the data itself is the answer: JSON by API for one ESIID within the limit."""
        fmt = call.option("reportFormat", ("JSON", "CSV", "LSE"), "JSON")
        mode = call.option("deliveryMode", ("API", "FTP"), "API")
        days = (last - first).days + 1
        at_once = mode == "API" and fmt == "JSON" and len(call.esiids()) == 1 and days <= limit
        return None if at_once else fmt

    def intervals(call: Caller) -> JSONResponse:
        identify(call, need_type=True, need_duns=True)
        first, last = call.dates()
        channels = READING_TYPES[call.option("readingType", tuple(READING_TYPES), "A")]
        every = call.option("version", ("L", "A"), "L") == "A"
        fmt = as_file(call, first, last, SYNC_INTERVAL_DAYS)
        if fmt is not None:
            return queued(call, "interval", fmt, first, last)
        esiid = call.one_esiid()
        with hub.engine.begin() as conn:
            versions = (
                list(
                    usage.intervals(
                        conn,
                        call.principal,
                        [esiid],
                        first,
                        last,
                        now=hub.clock.now(),
                        all_revisions=every,
                        channels=channels,
                    )
                )
                if esiid
                else []
            )
        if not versions:
            return call.no_data()
        energy = [
            {
                "DT": us_day(v.day),
                "RevTS": central_stamp(v.revised_at),
                "RT": v.channel.value,
                "RD": ",".join(hundred_slots(v)),
            }
            for v in versions
        ]
        return call.answer({"esiid": esiid, "energyData": energy})

    def daily(call: Caller) -> JSONResponse:
        identify(call, need_type=True, need_duns=True)
        first, last = call.dates()
        # Register reads are the consumption register's: generation alone has none.
        reading = call.option("readingType", tuple(READING_TYPES), "A")
        every = call.option("version", ("L", "A"), "L") == "A"
        fmt = as_file(call, first, last, SYNC_DAILY_DAYS)
        if fmt is not None:
            return queued(call, "daily", fmt, first, last)
        esiid = call.one_esiid()
        with hub.engine.begin() as conn:
            reads = (
                list(
                    usage.register_reads(
                        conn,
                        call.principal,
                        [esiid],
                        first,
                        last,
                        now=hub.clock.now(),
                        all_revisions=every,
                    )
                )
                if esiid and reading != "G"
                else []
            )
        if not reads:
            return call.no_data()
        registered = [
            {
                "readDate": us_day(r.day),
                "revisionDate": central_stamp(r.revised_at),
                "startReading": format_kwh(r.start_wh),
                "endReading": format_kwh(r.end_wh),
                "energyDataKwh": format_kwh(r.end_wh - r.start_wh),
            }
            for r in reads
        ]
        return call.answer({"esiid": esiid, "registeredReads": registered})

    def monthly(call: Caller) -> JSONResponse:
        identify(call, need_type=True, need_duns=True)
        first, last = call.dates()
        every = call.option("version", ("L", "A"), "L") == "A"
        fmt = as_file(call, first, last, SYNC_DAILY_DAYS)
        if fmt is not None:
            return queued(call, "monthly", fmt, first, last)
        esiid = call.one_esiid()
        with hub.engine.begin() as conn:
            bills = (
                list(
                    usage.monthly(
                        conn,
                        call.principal,
                        [esiid],
                        first,
                        last,
                        now=hub.clock.now(),
                        all_revisions=every,
                    )
                )
                if esiid
                else []
            )
        if not bills:
            return call.no_data()
        billing = [
            {
                "startDate": us_day(b.period_start),
                "endDate": us_day(b.period_end),
                "meterNumber": b.meter_number,
                "actualkWh": format_kwh(b.usage_wh),
                "meteredkW": "" if b.demand_w is None else format_kwh(b.demand_w),
                "readQuality": b.quality,
                "revisionDate": central_stamp(b.revised_at),
            }
            for b in bills
        ]
        return call.answer({"esiid": esiid, "billingData": billing})

    def on_demand_read(call: Caller) -> JSONResponse:
        identify(call, need_type=True, need_duns=False)
        esiid = call.one_esiid()
        number = str(call.payload.get("MeterNumber") or "").strip()
        now = hub.clock.now()
        with hub.engine.begin() as conn:
            if not number and esiid:
                # SMT's guide sends no meter number: the ESIID's meter in service is meant.
                found = conn.execute(
                    select(meter.c.meter_number).where(
                        meter.c.esiid == esiid, meter.c.removed_on.is_(None)
                    )
                ).scalar()
                number = found or ""
            outcome = hub.reads.request(
                conn, call.principal, esiid=esiid, meter_number=number, now=now
            )
        if isinstance(outcome, OdrRefusal):
            return call.answer(
                {
                    "correlationId": "",
                    "statusCode": outcome.value,
                    "statusReason": ODR_REASONS[outcome],
                }
            )
        return call.answer({"correlationId": outcome, "statusCode": "0", "statusReason": SUBMITTED})

    def on_demand_status(call: Caller) -> JSONResponse:
        identify(call, need_type=False, need_duns=False)
        correlation = str(call.payload.get("correlationId") or "")
        with hub.engine.begin() as conn:
            status = hub.reads.by_correlation(
                conn, call.principal, correlation, now=hub.clock.now()
            )
        if status is None:
            raise call.refuse(
                Code.UNKNOWN_REQUEST, "No on-demand read with that correlationId", status=200
            )
        return ExponentJSONResponse(
            {"trans_id": call.trans_id, "correlationId": correlation, **_odr_body(status)}
        )

    def visible_today(call: Call, esiid: str) -> bool:
        now = hub.clock.now()
        today = today_in_central(now)
        with hub.engine.begin() as conn:
            return bool(esiid) and bool(
                usage.visible(conn, call.principal, esiid, today, today, now=now)
            )

    def meter_info(call: Caller) -> JSONResponse:
        identify(call, need_type=True, need_duns=True)
        call.option("version", ("L", "A"), "L")  # the hub keeps a meter's current attributes
        esiid = call.one_esiid()
        data = None
        if visible_today(call, esiid):
            with hub.engine.connect() as conn:
                data = meter_data(conn, esiid)
        if data is None:
            return call.no_data()
        return call.answer({"esiid": esiid, "MeterData": data})

    def premise_info(call: Caller) -> JSONResponse:
        identify(call, need_type=True, need_duns=True)
        esiid = call.one_esiid()
        data = None
        if visible_today(call, esiid):
            with hub.engine.connect() as conn:
                data = premise_data(conn, esiid)
        if data is None:
            return call.no_data()
        return call.answer({"esiid": esiid, "PremiseData": data})

    def report_status(call: Caller) -> JSONResponse:
        identify(call, need_type=False, need_duns=False)
        correlation = str(call.payload.get("correlationId") or "")
        with hub.engine.connect() as conn:
            answer = hub.adhoc.status(conn, call.principal, correlation)
        if answer is None:  # unknown, or someone else's: alike
            raise call.refuse(Code.UNKNOWN_REQUEST, "No request with that correlationId", 200)
        return call.answer(
            {
                "correlationId": answer.correlation_id,
                "statusCode": _report_status(answer.status),
                "statusReason": answer.message,
                "requestStatus": answer.status.value.upper(),
                "fileName": answer.file_name or "",
                "recordCount": "" if answer.records is None else str(answer.records),
            }
        )

    routes("token", token)
    routes("15minintervalreads", intervals)
    routes("dailyreads", daily)
    routes("monthlybillingInformation", monthly)
    routes("odr", on_demand_read)
    routes("odrstatus", on_demand_status)
    routes("meterInfo", meter_info)
    routes("premiseInfo", premise_info)
    routes("premise", premise_info)
    routes("reportrequeststatus", report_status)
    return router
