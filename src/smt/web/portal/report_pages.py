"""Portal ad hoc reports (IF1030/IF1040 by hand): ask for intervals, daily reads or bills of
up to 1,000 ESIIDs, see one's requests and their status, download the finished files. The
same service as the APIs: the seed's sizes, the policy on every read, small requests answered
at once, large ones queued. Another person's request, or its file, is a page not found."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from smt.accounts.model import WorkflowError
from smt.domain.central_time import today_in_central
from smt.reports.adhoc import MAX_ESIIDS, AdHocRequest, RequestStatus
from smt.reports.writers import ReportFormat
from smt.web.portal.context import FormFields, Portal, Visit


def report_router(portal: Portal) -> APIRouter:
    router = APIRouter()
    hub = portal.hub

    def page(visit: Visit, *, status_code: int = 200, error: str = "", **form: str) -> Response:
        assert visit.session is not None  # noqa: S101 - callers checked
        with hub.engine.connect() as conn:
            requests = hub.adhoc.recent(conn, visit.session.principal)
        yesterday = today_in_central(hub.clock.now()) - timedelta(days=1)
        defaults = {
            "kind": "interval",
            "fmt": "csv",
            "esiids": "",
            "first": (yesterday - timedelta(days=6)).isoformat(),
            "last": yesterday.isoformat(),
            "revisions": "latest",
        }
        return portal.render(
            visit,
            "reports.html",
            status_code=status_code,
            requests=requests,
            error=error,
            form=defaults | form,
            max_esiids=MAX_ESIIDS,
        )

    @router.get("/reports", response_class=HTMLResponse)
    def reports_page(request: Request) -> Response:
        visit = portal.visit(request)
        if visit.session is None:
            return RedirectResponse("/login", status_code=303)
        return page(visit)

    @router.post("/reports", response_class=HTMLResponse)
    def request_report(request: Request, form: FormFields) -> Response:
        visit = portal.visit(request)
        if visit.session is None:
            return RedirectResponse("/login", status_code=303)
        if not portal.csrf_ok(visit, form.get("csrf_token")):
            return portal.render(
                visit, "message.html", status_code=403, title="403", text="form_expired"
            )
        fields = {
            name: form.get(name, "")[:20_000]
            for name in ("kind", "fmt", "esiids", "first", "last", "revisions")
        }
        principal = visit.session.principal
        try:
            wanted = AdHocRequest(
                fields["kind"],
                ReportFormat(fields["fmt"]),
                [e for e in re.split(r"[\s,;]+", fields["esiids"]) if e],
                date.fromisoformat(fields["first"]),
                date.fromisoformat(fields["last"]),
                fields["revisions"] == "all",
            )
            with hub.engine.begin() as conn:
                answer = hub.adhoc.submit(conn, principal, wanted, now=hub.clock.now())
        except WorkflowError as refusal:  # before ValueError: it is one
            return page(visit, status_code=400, error=str(refusal), **fields)
        except ValueError:
            return page(visit, status_code=400, error="bad_report_form", **fields)
        if answer.status is RequestStatus.QUEUED:
            hub.jobs.enqueue_adhoc(answer.correlation_id, principal.user_id)
        return RedirectResponse("/reports", status_code=303)

    @router.get("/reports/{correlation_id}/file")
    def report_file(request: Request, correlation_id: str) -> Response:
        visit = portal.visit(request)
        if visit.session is None:
            return portal.not_found(visit)
        principal = visit.session.principal
        with hub.engine.connect() as conn:
            answer = hub.adhoc.status(conn, principal, correlation_id[:64])
        path = hub.adhoc.file_path(principal, answer) if answer is not None else None
        if path is None:
            return portal.not_found(visit)
        media = ReportFormat(path.suffix.lstrip(".")).media_type
        return FileResponse(path, media_type=media, filename=path.name)

    return router
