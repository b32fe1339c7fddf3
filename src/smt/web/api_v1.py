"""The hub's own JSON API, `/api/v1` (OpenAPI at `/api/v1/openapi.json`): bearer tokens with a
sliding idle timeout, the ESIIDs a caller may see, their intervals, register reads, bills and
version reports. Every read goes through the access policy; what the caller may not see is
absent, and an ESIID with nothing visible answers 404 like one that does not exist."""

# No `from __future__ import annotations`: FastAPI reads the endpoints' annotations, which
# name dependencies local to create_api.

import io
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, HTTPException, Query
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Connection, select
from starlette.concurrency import run_in_threadpool

from smt import __version__
from smt.access.facts import attached_esiids
from smt.access.policy import Principal
from smt.accounts.model import Role, WorkflowError
from smt.accounts.sessions import IDLE, Login, LoginRefusal, SessionKind
from smt.composition import Hub
from smt.domain.esiid import Esiid, InvalidEsiid
from smt.reports.adhoc import MAX_ESIIDS as MAX_ADHOC_ESIIDS
from smt.reports.adhoc import AdHocRequest, RequestStatus
from smt.reports.adhoc import Answer as AdHocAnswer
from smt.reports.writers import (
    ReportFormat,
    write_daily_report,
    write_interval_report,
    write_monthly_report,
)
from smt.store.schema import rep_of_record
from smt.usage.service import UsageService
from smt.web.files_api import add_files_routes
from smt.web.han_api import add_han_routes

SYNC_INTERVAL_DAYS = 40
SYNC_DAILY_DAYS = 1200
MAX_LISTED = 1000


class TokenRequest(BaseModel):
    username: str = Field(max_length=200)
    password: str = Field(max_length=512)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme's name, not a secret
    idle_timeout_seconds: int


class AdHocBody(BaseModel):
    kind: Literal["interval", "daily", "monthly"]
    fmt: Literal["csv", "lse", "json"] = Field(default="csv", alias="format")
    esiids: list[str] = Field(min_length=1, max_length=MAX_ADHOC_ESIIDS)
    first: date = Field(alias="from")
    last: date = Field(alias="to")
    revisions: Literal["latest", "all"] = "latest"


class EsiidList(BaseModel):
    esiids: list[str]
    truncated: bool


def create_api(hub: Hub) -> FastAPI:
    api = FastAPI(
        title="Smart Meter Texas hub API",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    usage = UsageService()

    def unauthorized() -> HTTPException:
        return HTTPException(
            401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"}
        )

    async def bearer(authorization: Annotated[str | None, Header()] = None) -> str:
        """The bearer token, read without touching the database (so without a thread)."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
        raise unauthorized()

    def authenticated(conn: Connection, token: str) -> Principal:
        alive = hub.sessions.resolve(conn, token, kind=SessionKind.API, now=hub.clock.now())
        if alive is None:
            raise unauthorized()
        return alive.principal

    def caller(token: Annotated[str, Depends(bearer)]) -> Principal:
        with hub.engine.begin() as conn:
            return authenticated(conn, token)

    def esiid_of(text: str) -> str:
        try:
            return Esiid.parse(text).value
        except InvalidEsiid:
            raise HTTPException(404, "no such ESIID") from None

    def span(first: date, last: date, limit: int) -> None:
        if last < first:
            raise HTTPException(422, "'to' is before 'from'")
        if (last - first).days + 1 > limit:
            raise HTTPException(
                422, f"at most {limit} days in one answer; larger ranges are ad hoc requests"
            )

    @api.post("/token", response_model=TokenResponse)
    def token(request: TokenRequest) -> Any:
        with hub.engine.begin() as conn:
            outcome = hub.sessions.login(
                conn,
                user_id=request.username,
                password=request.password,
                kind=SessionKind.API,
                now=hub.clock.now(),
            )
        if outcome is LoginRefusal.LOCKED:
            raise HTTPException(403, "too many failed logins; try again later")
        if not isinstance(outcome, Login):
            raise HTTPException(401, "user ID or password not accepted")
        return TokenResponse(
            access_token=outcome.token,
            idle_timeout_seconds=int(IDLE[SessionKind.API].total_seconds()),
        )

    @api.get("/esiids", response_model=EsiidList)
    def esiids(principal: Annotated[Principal, Depends(caller)]) -> Any:
        with hub.engine.connect() as conn:
            if principal.role in (Role.REP_ADMIN, Role.REP_USER):
                found = list(
                    conn.execute(
                        select(rep_of_record.c.esiid)
                        .where(rep_of_record.c.duns.in_(sorted(principal.duns)))
                        .distinct()
                        .order_by(rep_of_record.c.esiid)
                        .limit(MAX_LISTED + 1)
                    ).scalars()
                )
            else:
                found = [e for e, _ in attached_esiids(conn, principal)]
        return EsiidList(esiids=found[:MAX_LISTED], truncated=len(found) > MAX_LISTED)

    # The usage reads are the API's hot path: each runs whole in one call and one transaction
    # (the token, the policy's facts and the data seen alike). Their size is bounded (one
    # ESIID, 40 days of intervals or 1,200 of reads: 2-4 ms of CPU), so by default they run on
    # the event loop itself: handing one to a thread cost about 2 ms of CPU more in
    # interpreter-lock handoffs (measured on SQLite, and PostgreSQL on the same host was faster
    # inline too). With a distant database, SMT_INLINE_USAGE_READS=false waits in a thread.
    Report = Callable[[Connection, Principal, str, io.StringIO], int]  # noqa: N806 - a type alias

    async def usage_answer(
        report: Report, *, token: str, esiid: str, first: date, last: date, limit: int, fmt: str
    ) -> Response:
        def read() -> Response:
            with hub.engine.begin() as conn:
                principal = authenticated(conn, token)
                span(first, last, limit)
                number = esiid_of(esiid)
                out = io.StringIO()
                if report(conn, principal, number, out) == 0:
                    raise HTTPException(404, "no such ESIID, or no data you may see in that range")
                return Response(out.getvalue(), media_type=ReportFormat(fmt).media_type)

        if hub.settings.inline_usage_reads:
            return read()
        return await run_in_threadpool(read)

    @api.get("/esiids/{esiid}/intervals")
    async def intervals(
        *,
        token: Annotated[str, Depends(bearer)],
        esiid: str,
        first: Annotated[date, Query(alias="from")],
        last: Annotated[date, Query(alias="to")],
        fmt: Annotated[str, Query(alias="format", pattern="^(json|csv|lse)$")] = "json",
        revisions: Annotated[str, Query(pattern="^(latest|all)$")] = "latest",
    ) -> Response:
        def report(conn: Connection, principal: Principal, number: str, out: io.StringIO) -> int:
            versions = usage.intervals(
                conn,
                principal,
                [number],
                first,
                last,
                now=hub.clock.now(),
                all_revisions=revisions == "all",
            )
            return write_interval_report(out, versions, ReportFormat(fmt))

        return await usage_answer(
            report,
            token=token,
            esiid=esiid,
            first=first,
            last=last,
            limit=SYNC_INTERVAL_DAYS,
            fmt=fmt,
        )

    @api.get("/esiids/{esiid}/daily")
    async def daily(
        *,
        token: Annotated[str, Depends(bearer)],
        esiid: str,
        first: Annotated[date, Query(alias="from")],
        last: Annotated[date, Query(alias="to")],
        fmt: Annotated[str, Query(alias="format", pattern="^(json|csv)$")] = "json",
    ) -> Response:
        def report(conn: Connection, principal: Principal, number: str, out: io.StringIO) -> int:
            reads = usage.register_reads(
                conn, principal, [number], first, last, now=hub.clock.now()
            )
            return write_daily_report(out, reads, ReportFormat(fmt))

        return await usage_answer(
            report, token=token, esiid=esiid, first=first, last=last, limit=SYNC_DAILY_DAYS, fmt=fmt
        )

    @api.get("/esiids/{esiid}/monthly")
    async def monthly(
        *,
        token: Annotated[str, Depends(bearer)],
        esiid: str,
        first: Annotated[date, Query(alias="from")],
        last: Annotated[date, Query(alias="to")],
        fmt: Annotated[str, Query(alias="format", pattern="^(json|csv)$")] = "json",
    ) -> Response:
        def report(conn: Connection, principal: Principal, number: str, out: io.StringIO) -> int:
            bills = usage.monthly(conn, principal, [number], first, last, now=hub.clock.now())
            return write_monthly_report(out, bills, ReportFormat(fmt))

        return await usage_answer(
            report, token=token, esiid=esiid, first=first, last=last, limit=SYNC_DAILY_DAYS, fmt=fmt
        )

    @api.get("/esiids/{esiid}/versions")
    def versions(
        principal: Annotated[Principal, Depends(caller)], esiid: str, day: date
    ) -> JSONResponse:
        """The version report of one day: every revision, when it arrived, what changed."""
        number = esiid_of(esiid)
        with hub.engine.begin() as conn:
            found = list(
                usage.intervals(
                    conn, principal, [number], day, day, now=hub.clock.now(), all_revisions=True
                )
            )
        if not found:
            raise HTTPException(404, "no such ESIID, or no data you may see on that day")
        report = []
        for channel in sorted({v.channel for v in found}):
            chain = sorted((v for v in found if v.channel is channel), key=lambda v: v.revision)
            before = None
            for v in chain:
                changed = (
                    len(v.values_wh)
                    if before is None
                    else sum(
                        1
                        for a, b, qa, qb in zip(
                            v.values_wh,
                            before.values_wh,
                            v.qualities,
                            before.qualities,
                            strict=True,
                        )
                        if a != b or qa != qb
                    )
                )
                report.append(
                    {
                        "channel": channel.value,
                        "revision": v.revision,
                        "latest": v.latest,
                        "revised_at": v.revised_at.isoformat(),
                        "received_at": v.received_at.isoformat(),
                        "total_kwh": f"{sum(v.values_wh) / 1000:.3f}",
                        "intervals_changed": changed,
                        "estimated": v.qualities.count("E"),
                        "missing": v.qualities.count("M"),
                    }
                )
                before = v
        return JSONResponse({"esiid": number, "date": day.isoformat(), "versions": report})

    def described(answer: AdHocAnswer) -> dict[str, Any]:
        return {
            "correlation_id": answer.correlation_id,
            "status": answer.status.value,
            "message": answer.message,
            "file": (f"/api/v1/adhoc/{answer.correlation_id}/file" if answer.file_name else None),
            "file_name": answer.file_name,
            "records": answer.records,
        }

    @api.post("/adhoc")
    def adhoc_submit(
        request: AdHocBody,
        principal: Annotated[Principal, Depends(caller)],
    ) -> JSONResponse:
        """IF1030/IF1040: one ESIID up to 40 days is answered at once; larger requests are
        queued and answered with a correlation id."""
        wanted = AdHocRequest(
            request.kind,
            ReportFormat(request.fmt),
            request.esiids,
            request.first,
            request.last,
            request.revisions == "all",
        )
        try:
            with hub.engine.begin() as conn:
                answer = hub.adhoc.submit(conn, principal, wanted, now=hub.clock.now())
        except WorkflowError as refusal:
            raise HTTPException(422, str(refusal)) from None
        if answer.status is RequestStatus.QUEUED:
            hub.jobs.enqueue_adhoc(answer.correlation_id, principal.user_id)
            return JSONResponse(described(answer), status_code=202)
        return JSONResponse(described(answer))

    @api.get("/adhoc/{correlation_id}")
    def adhoc_status(
        correlation_id: str, principal: Annotated[Principal, Depends(caller)]
    ) -> JSONResponse:
        with hub.engine.connect() as conn:
            answer = hub.adhoc.status(conn, principal, correlation_id)
        if answer is None:
            raise HTTPException(404, "no such request")
        return JSONResponse(described(answer))

    @api.get("/adhoc/{correlation_id}/file")
    def adhoc_file(
        correlation_id: str, principal: Annotated[Principal, Depends(caller)]
    ) -> FileResponse:
        with hub.engine.connect() as conn:
            answer = hub.adhoc.status(conn, principal, correlation_id)
        path = hub.adhoc.file_path(principal, answer) if answer is not None else None
        if path is None:
            raise HTTPException(404, "no such file")
        media = ReportFormat(path.suffix.lstrip(".")).media_type
        return FileResponse(path, media_type=media, filename=path.name)

    add_han_routes(api, hub, caller)
    add_files_routes(api, hub, caller)
    return api
