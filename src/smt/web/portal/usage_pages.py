"""Portal usage pages: choose an ESIID and a range, see the days (a chart where the browser has
script, a table always), download SMT's CSV, read a day's version report. Every read goes
through the usage service (the policy); an ESIID the visitor may not see is a page not found."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Select, func, select

from smt.access.facts import attached_esiids
from smt.access.policy import Principal
from smt.accounts.model import Role
from smt.domain.central_time import slot_start, today_in_central
from smt.domain.channel import Channel
from smt.domain.esiid import Esiid, InvalidEsiid
from smt.reports.smt_csv import write_intervals
from smt.store.schema import premise, rep_of_record
from smt.usage.service import IntervalVersion, UsageService
from smt.web.portal.context import Portal, Visit

MAX_DAYS = 40


@dataclass(slots=True)
class DaySummary:
    day: date
    consumption_wh: int = 0
    generation_wh: int = 0
    estimated: int = 0
    peak_wh: int = 0


LISTED = 200


def searchable(principal: Principal) -> tuple[Select[Any], Any] | None:
    """The ESIIDs a REP (its current customers) or a TDSP (its territory) may search, and the
    column holding the ESIID."""
    if principal.role in (Role.REP_ADMIN, Role.REP_USER):
        # Outer join: an ESIID whose premise record has not arrived yet is still a customer.
        return (
            select(rep_of_record.c.esiid)
            .outerjoin(premise, premise.c.esiid == rep_of_record.c.esiid)
            .where(
                rep_of_record.c.duns.in_(sorted(principal.duns)),
                rep_of_record.c.end_date.is_(None),
            )
            .distinct()
        ), rep_of_record.c.esiid
    if principal.role in (Role.TDSP_ADMIN, Role.TDSP_USER) and principal.tdsp_code:
        territory = select(premise.c.esiid).where(
            premise.c.tdsp == principal.tdsp_code, premise.c.ended_on.is_(None)
        )
        return territory, premise.c.esiid
    return None


def usage_router(portal: Portal) -> APIRouter:
    router = APIRouter()
    hub = portal.hub
    usage = UsageService()

    def member(request: Request) -> Visit | None:
        visit = portal.visit(request)
        return visit if visit.session is not None else None

    def parse(esiid: str, first: str, last: str) -> tuple[str, date, date] | None:
        try:
            number = Esiid.parse(esiid).value
            start, end = date.fromisoformat(first), date.fromisoformat(last)
        except (InvalidEsiid, ValueError):
            return None
        if end < start or (end - start).days + 1 > MAX_DAYS:
            return None
        return number, start, end

    def read(
        visit: Visit, esiid: str, start: date, end: date, *, all_revisions: bool = False
    ) -> list[IntervalVersion]:
        assert visit.session is not None  # noqa: S101
        with hub.engine.begin() as conn:
            return list(
                usage.intervals(
                    conn,
                    visit.session.principal,
                    [esiid],
                    start,
                    end,
                    now=hub.clock.now(),
                    all_revisions=all_revisions,
                )
            )

    @router.get("/usage", response_class=HTMLResponse)
    def choose(request: Request, q: str = "") -> Response:
        """Customers pick among their ESIIDs; REPs and TDSPs, who have thousands, search theirs
        by the start of the ESIID or a piece of the service address."""
        visit = member(request)
        if visit is None or visit.session is None:
            return RedirectResponse("/login", status_code=303)
        principal = visit.session.principal
        wanted = q.strip()[:60]
        with hub.engine.connect() as conn:
            search = searchable(principal)
            if search is None:
                esiids = [e for e, _ in attached_esiids(conn, principal)]
            else:
                found, esiid_column = search
                if wanted.isdigit():
                    found = found.where(esiid_column.startswith(wanted, autoescape=True))
                elif wanted:
                    found = found.where(
                        func.lower(premise.c.address1).contains(wanted.lower(), autoescape=True)
                    )
                esiids = list(
                    conn.execute(found.order_by(esiid_column).limit(LISTED + 1)).scalars()
                )
        yesterday = today_in_central(hub.clock.now()) - timedelta(days=1)
        return portal.render(
            visit,
            "usage_choose.html",
            esiids=esiids[:LISTED],
            more=len(esiids) > LISTED,
            searchable=search is not None,
            q=wanted,
            first=(yesterday - timedelta(days=6)).isoformat(),
            last=yesterday.isoformat(),
        )

    @router.get("/usage/view", response_class=HTMLResponse)
    def view(request: Request, esiid: str = "", first: str = "", last: str = "") -> Response:
        visit = member(request)
        parsed = parse(esiid, first, last)
        if visit is None or parsed is None:
            return portal.not_found(portal.visit(request))
        number, start, end = parsed
        versions = read(visit, number, start, end)
        if not versions:
            return portal.not_found(visit)
        days: dict[date, DaySummary] = {}
        xs: list[float] = []
        consumption: list[float | None] = []
        for v in versions:
            day = days.setdefault(v.day, DaySummary(v.day))
            day.estimated += v.qualities.count("E")
            if v.channel is Channel.SURPLUS_GENERATION:
                day.generation_wh += sum(v.values_wh)
                continue
            day.consumption_wh += sum(v.values_wh)
            day.peak_wh = max(day.peak_wh, *v.values_wh)
            for slot, wh in enumerate(v.values_wh):
                xs.append(slot_start(v.day, slot).timestamp())
                consumption.append(None if v.qualities[slot] == "M" else wh / 1000)
        chart = json.dumps({"x": xs, "consumption": consumption})
        return portal.render(
            visit,
            "usage_view.html",
            esiid=number,
            first=start.isoformat(),
            last=end.isoformat(),
            days=[days[d] for d in sorted(days)],
            chart=chart,
        )

    @router.get("/usage/intervals.csv")
    def download(request: Request, esiid: str = "", first: str = "", last: str = "") -> Response:
        visit = member(request)
        parsed = parse(esiid, first, last)
        if visit is None or parsed is None:
            return portal.not_found(portal.visit(request))
        number, start, end = parsed
        versions = read(visit, number, start, end)
        if not versions:
            return portal.not_found(visit)
        out = io.StringIO()
        write_intervals(out, versions)
        name = f"IntervalMeterUsage_{number}_{start:%Y%m%d}_{end:%Y%m%d}.csv"
        return Response(
            out.getvalue(),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @router.get("/usage/versions", response_class=HTMLResponse)
    def versions(request: Request, esiid: str = "", day: str = "") -> Response:
        visit = member(request)
        parsed = parse(esiid, day, day)
        if visit is None or parsed is None:
            return portal.not_found(portal.visit(request))
        number, start, _ = parsed
        found = read(visit, number, start, start, all_revisions=True)
        if not found:
            return portal.not_found(visit)
        rows = sorted(found, key=lambda v: (v.channel.value, v.revision))
        return portal.render(visit, "usage_versions.html", esiid=number, day=start, rows=rows)

    return router
