"""Portal "File delivery" pages (docs/files.md).

A REP's or TDSP's administrators manage their company's delivery at `/files`: the PGP public
key (pasted or picked as a file; the service checks strength and expiry and says why it
refuses), the deliveries waiting for a usable key and why, FTPS/SFTP logins (issue, new
password, revoke, SSH keys, client certificate), and for REPs the daily extract's formats,
its state per DUNS and an extract on demand. Operators get the list of every REP and TDSP
company, each company's page at `/files/<id>`, and an extract of every DUNS at once.

A new password is shown once, on the answer to the form that made it: it is never stored in
clear, logged or redirected through a URL. Everyone else, and another company's page or
action, gets the not-found page; the services decide (the access policy) and audit every
change, operators' included.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection
from starlette.datastructures import UploadFile

from smt.access.policy import Principal
from smt.accounts.model import CompanyKind, NotYours, Role, WorkflowError
from smt.files import delivery, extract_status, overview
from smt.files.extract import FORMATS
from smt.files.keys import upload_key
from smt.files.pgp import MAX_KEY_BYTES, KeyRefused
from smt.files.service import DELIVER_JOB
from smt.web.portal.context import FormFields, Portal, Visit

FILE_ROLES = (Role.REP_ADMIN, Role.TDSP_ADMIN, Role.OPERATOR)
LOGIN_CHANGES = ("reset", "revoke", "ssh-key", "certificate")
# What a redirect after a change may ask the page to say (a query parameter: only these).
NOTICES = ("key_accepted", "formats_saved", "extract_queued")
OVERVIEW_NOTICES = ("extract_all_queued",)
Shown = dict[str, Any] | None  # what the answer shows once (a new password, a notice)
Change = Callable[[Connection, Principal, int], Shown]  # with the company's id


def number(text: str) -> int | None:
    """A path's id, or None: anything else is a page not found."""
    return int(text) if text.isdigit() and len(text) <= 9 else None


async def key_text(request: Request) -> str:
    """The armoured key of the upload form: the picked file if any, else the pasted text. A
    byte over the limit is enough for the service to refuse it as too large."""
    form = await request.form()
    picked = form.get("key_file")
    if isinstance(picked, UploadFile):
        data = await picked.read(MAX_KEY_BYTES + 1)
        if data:
            return data.decode("utf-8", errors="replace")
    pasted = form.get("armored")
    return pasted[: MAX_KEY_BYTES + 1] if isinstance(pasted, str) else ""


KeyText = Annotated[str, Depends(key_text)]


def file_router(portal: Portal) -> APIRouter:
    router = APIRouter()
    hub = portal.hub
    files = hub.files

    def member(request: Request) -> Visit | None:
        visit = portal.visit(request)
        return visit if visit.session is not None and visit.role in FILE_ROLES else None

    def home(visit: Visit, company_id: int) -> str:
        assert visit.session is not None  # noqa: S101 - callers checked
        own = visit.session.principal.company_id == company_id
        return "/files" if own else f"/files/{company_id}"

    def company_page(
        visit: Visit, company_id: int, status_code: int = 200, **shown: Any
    ) -> Response:
        assert visit.session is not None  # noqa: S101 - callers checked
        principal = visit.session.principal
        now = hub.clock.now()
        try:
            with hub.engine.connect() as conn:
                state = overview.of_company(conn, principal, company_id, now)
                rep = state.kind is CompanyKind.REP
                context = {
                    "company": state,
                    "waiting": delivery.waiting(conn, company_id),
                    "logins": files.logins.listing(conn, principal, company_id),
                    "extracts": extract_status.for_company(conn, company_id) if rep else None,
                    "formats": extract_status.formats_of(conn, company_id),
                }
        except NotYours:
            return portal.not_found(visit)
        return portal.render(
            visit,
            "files.html",
            status_code=status_code,
            home=home(visit, company_id),
            settings=hub.settings,
            format_choices=FORMATS,
            **(context | shown),
        )

    def act(
        request: Request,
        form_token: str,
        company_text: str,
        change: Change,
        after: Callable[[int], object] | None = None,
    ) -> Response:
        """Check the visitor and the form, run `change` in one transaction, run `after`
        (queueing jobs) once it committed; answer with the page when it shows a new password,
        else redirect to it (so that reloading repeats nothing)."""
        visit = member(request)
        company_id = number(company_text)
        if visit is None or visit.session is None or company_id is None:
            return portal.not_found(portal.visit(request))
        if not portal.csrf_ok(visit, form_token):
            return portal.render(
                visit, "message.html", status_code=403, title="403", text="form_expired"
            )
        principal = visit.session.principal
        try:
            with hub.engine.begin() as conn:
                # Every change is about this company: someone who does not manage it finds
                # nothing, whatever the form says.
                overview.of_company(conn, principal, company_id, hub.clock.now())
                shown = change(conn, principal, company_id)
        except NotYours:
            return portal.not_found(visit)
        except (WorkflowError, KeyRefused) as refusal:
            return company_page(visit, company_id, 400, error=str(refusal))
        if after is not None:
            after(company_id)
        if shown is not None and "new_password" in shown:
            # Shown once, in this answer only (never in a URL a redirect would carry).
            return company_page(visit, company_id, **shown)
        target = home(visit, company_id)
        if shown is not None and shown.get("notice") in NOTICES:
            target += f"?notice={shown['notice']}"
        return RedirectResponse(target, status_code=303)

    @router.get("/files", response_class=HTMLResponse)
    def files_home(request: Request) -> Response:
        visit = member(request)
        if visit is None or visit.session is None:
            return portal.not_found(portal.visit(request))
        principal = visit.session.principal
        notice = request.query_params.get("notice", "")
        if principal.role is Role.OPERATOR or principal.company_id is None:
            return operator_page(visit, notice=notice if notice in OVERVIEW_NOTICES else "")
        return company_page(visit, principal.company_id, notice=notice if notice in NOTICES else "")

    def operator_page(visit: Visit, notice: str = "") -> Response:
        assert visit.session is not None  # noqa: S101 - callers checked
        try:
            with hub.engine.connect() as conn:
                companies = overview.every_company(conn, visit.session.principal, hub.clock.now())
        except NotYours:
            return portal.not_found(visit)
        return portal.render(
            visit, "files_overview.html", companies=companies, notice=notice, settings=hub.settings
        )

    @router.get("/files/{company_text}", response_class=HTMLResponse)
    def files_of(request: Request, company_text: str) -> Response:
        visit = member(request)
        company_id = number(company_text)
        if visit is None or company_id is None:
            return portal.not_found(portal.visit(request))
        notice = request.query_params.get("notice", "")
        return company_page(visit, company_id, notice=notice if notice in NOTICES else "")

    @router.post("/files/extract-all", response_class=HTMLResponse)
    def extract_all(request: Request, form: FormFields) -> Response:
        visit = member(request)
        if visit is None or visit.session is None:
            return portal.not_found(portal.visit(request))
        if not portal.csrf_ok(visit, form.get("csrf_token")):
            return portal.render(
                visit, "message.html", status_code=403, title="403", text="form_expired"
            )
        try:
            with hub.engine.begin() as conn:
                extract_status.request_all(conn, visit.session.principal, now=hub.clock.now())
        except NotYours:
            return portal.not_found(visit)
        hub.jobs.enqueue_extract(None)
        return RedirectResponse("/files?notice=extract_all_queued", status_code=303)

    @router.post("/files/{company_text}/key", response_class=HTMLResponse)
    def key(request: Request, company_text: str, form: FormFields, armored: KeyText) -> Response:
        def change(conn: Connection, principal: Principal, company_id: int) -> Shown:
            upload_key(conn, files.encryptor, principal, company_id, armored, now=hub.clock.now())
            return {"notice": "key_accepted"}

        # What waited for a key goes out from the job queue, not in this request.
        return act(
            request,
            form.get("csrf_token"),
            company_text,
            change,
            lambda company_id: hub.jobs.enqueue(DELIVER_JOB, company_id),
        )

    @router.post("/files/{company_text}/logins", response_class=HTMLResponse)
    def issue(request: Request, company_text: str, form: FormFields) -> Response:
        name = form.get("login")[:80]

        def change(conn: Connection, principal: Principal, company_id: int) -> Shown:
            password = files.logins.issue(conn, principal, company_id, name, now=hub.clock.now())
            return {"new_login": name.strip(), "new_password": password}

        return act(request, form.get("csrf_token"), company_text, change)

    @router.post("/files/{company_text}/logins/{login_text}/{what}", response_class=HTMLResponse)
    def login_change(
        request: Request, company_text: str, login_text: str, what: str, form: FormFields
    ) -> Response:
        login_id = number(login_text)
        if login_id is None or what not in LOGIN_CHANGES:
            return portal.not_found(portal.visit(request))
        text = form.get("text")[:20_000]
        logins = files.logins

        def change(conn: Connection, principal: Principal, company_id: int) -> Shown:
            mine = {s.id: s.login for s in logins.listing(conn, principal, company_id)}
            if login_id not in mine:
                raise NotYours("no such login")  # another company's login, even for operators
            now = hub.clock.now()
            if what == "reset":
                password = logins.reset_password(conn, principal, login_id, now=now)
                return {"new_login": mine[login_id], "new_password": password}
            if what == "revoke":
                logins.revoke(conn, principal, login_id, now=now)
            elif what == "ssh-key":
                logins.add_ssh_key(conn, principal, login_id, text, now=now)
            else:
                logins.set_certificate(conn, principal, login_id, text, now=now)
            return None

        return act(request, form.get("csrf_token"), company_text, change)

    @router.post(
        "/files/{company_text}/logins/{login_text}/ssh-keys/{ssh_key_text}/remove",
        response_class=HTMLResponse,
    )
    def remove_ssh_key(
        request: Request, company_text: str, login_text: str, ssh_key_text: str, form: FormFields
    ) -> Response:
        login_id, key_id = number(login_text), number(ssh_key_text)
        if login_id is None or key_id is None:
            return portal.not_found(portal.visit(request))

        def change(conn: Connection, principal: Principal, company_id: int) -> Shown:
            if login_id not in {s.id for s in files.logins.listing(conn, principal, company_id)}:
                raise NotYours("no such login")
            files.logins.remove_ssh_key(conn, principal, login_id, key_id, now=hub.clock.now())
            return None

        return act(request, form.get("csrf_token"), company_text, change)

    @router.post("/files/{company_text}/formats", response_class=HTMLResponse)
    def formats(request: Request, company_text: str, form: FormFields) -> Response:
        chosen = form.get("formats")[:10]

        def change(conn: Connection, principal: Principal, company_id: int) -> Shown:
            extract_status.set_formats(conn, principal, company_id, chosen, now=hub.clock.now())
            return {"notice": "formats_saved"}

        return act(request, form.get("csrf_token"), company_text, change)

    @router.post("/files/{company_text}/extract", response_class=HTMLResponse)
    def extract_now(request: Request, company_text: str, form: FormFields) -> Response:
        def change(conn: Connection, principal: Principal, company_id: int) -> Shown:
            extract_status.request_now(conn, principal, company_id, now=hub.clock.now())
            return {"notice": "extract_queued"}

        # The extract runs on the job queue once the audited request committed; the page
        # shows each DUNS's last extract when it is done.
        return act(request, form.get("csrf_token"), company_text, change, hub.jobs.enqueue_extract)

    return router
