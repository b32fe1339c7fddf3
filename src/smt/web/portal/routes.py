"""Portal pages: login, registration, dashboards, approvals, profile, broadcasts, language.

Every form carries a CSRF token; every state change goes through the account services, which
ask the access policy; every refusal the policy makes looks like a page that does not exist.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from smt.access.facts import attached_esiids
from smt.accounts import audit, customer_service
from smt.accounts.broadcasts import Audience, Broadcast, publish
from smt.accounts.customers import attach_attempts_left
from smt.accounts.model import NotYours, Role, Status, Transition, WorkflowError
from smt.accounts.profiles import CompanyProfile, Person
from smt.accounts.sessions import Login, LoginRefusal, SessionKind
from smt.store.accounts_tables import (
    account,
    account_duns,
    company,
    company_duns,
)
from smt.web.portal.context import (
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    FormFields,
    Portal,
    Visit,
)
from smt.web.portal.i18n import LANGUAGES

ADMIN_ROLES = (Role.OPERATOR, Role.TDSP_ADMIN, Role.REP_ADMIN, Role.NRC_ADMIN)
CUSTOMER_ROLES = (Role.CUSTOMER, Role.NRC_ADMIN, Role.NRC_USER)
REGISTRATIONS = ("rep", "user", "customer", "business")


def portal_router(portal: Portal) -> APIRouter:
    router = APIRouter()
    hub = portal.hub

    def refused_csrf(visit: Visit) -> HTMLResponse:
        return portal.render(
            visit, "message.html", status_code=403, title="403", text="form_expired"
        )

    def redirect(to: str) -> RedirectResponse:
        return RedirectResponse(to, status_code=303)

    @router.get("/login", response_class=HTMLResponse)
    def login_page(request: Request) -> Response:
        visit = portal.visit(request)
        if visit.session is not None:
            return redirect("/")
        return portal.render(visit, "login.html", errors={}, values={})

    @router.post("/login", response_class=HTMLResponse)
    def login(request: Request, form: FormFields) -> Response:
        visit = portal.visit(request)
        if not portal.csrf_ok(visit, form.get("csrf_token")):
            return refused_csrf(visit)
        with hub.engine.begin() as conn:
            outcome = hub.sessions.login(
                conn,
                user_id=form.get("user_id", ""),
                password=form.get("password", ""),
                kind=SessionKind.PORTAL,
                now=hub.clock.now(),
            )
        if not isinstance(outcome, Login):
            key = {LoginRefusal.LOCKED: "locked", LoginRefusal.INACTIVE: "inactive"}.get(
                outcome, "bad_credentials"
            )
            return portal.render(
                visit,
                "login.html",
                status_code=400,
                errors={"password": key},
                values={"user_id": form.get("user_id", "")},
            )
        response = redirect("/")
        response.set_cookie(
            SESSION_COOKIE,
            outcome.token,
            httponly=True,
            samesite="lax",
            secure=portal.secure(request),
            max_age=12 * 3600,
        )
        return response

    @router.post("/logout")
    def logout(request: Request, form: FormFields) -> Response:
        visit = portal.visit(request)
        if visit.session is None or not portal.csrf_ok(visit, form.get("csrf_token")):
            return refused_csrf(visit)
        with hub.engine.begin() as conn:
            hub.sessions.logout(conn, request.cookies.get(SESSION_COOKIE, ""), now=hub.clock.now())
        response = redirect("/login")
        response.delete_cookie(SESSION_COOKIE)
        return response

    @router.get("/", response_class=HTMLResponse)
    def dashboard(request: Request) -> Response:
        visit = portal.visit(request)
        if visit.session is None:
            return redirect("/login")
        return portal.render(visit, "dashboard.html")

    @router.post("/language")
    def language(request: Request, form: FormFields) -> Response:
        visit = portal.visit(request)
        language = form.get("language")
        if language not in LANGUAGES:
            return portal.not_found(visit)
        if not portal.csrf_ok(visit, form.get("csrf_token")):
            return refused_csrf(visit)
        if visit.session is not None:
            with hub.engine.begin() as conn:
                conn.execute(
                    update(account)
                    .where(account.c.user_id == visit.session.principal.user_id)
                    .values(language=language)
                )
        # Back to the page the visitor was on, and only ever to a path of this site.
        back = form.get("back", "/")
        response = redirect(back if back.startswith("/") and not back.startswith("//") else "/")
        response.set_cookie(LANGUAGE_COOKIE, language, samesite="lax", max_age=365 * 86400)
        return response

    # --- registration -----------------------------------------------------------------------

    @router.get("/register/{kind}", response_class=HTMLResponse)
    def register_page(request: Request, kind: str) -> Response:
        visit = portal.visit(request)
        if kind not in REGISTRATIONS:
            return portal.not_found(visit)
        return portal.render(visit, f"register_{kind}.html", errors={}, values={})

    @router.post("/register/{kind}", response_class=HTMLResponse)
    def register(request: Request, kind: str, form: FormFields) -> Response:
        visit = portal.visit(request)
        if kind not in REGISTRATIONS:
            return portal.not_found(visit)
        if not portal.csrf_ok(visit, form.get("csrf_token")):
            return refused_csrf(visit)
        person = Person(
            form.get("first_name", ""),
            form.get("last_name", ""),
            form.get("email", ""),
            middle_initial=form.get("middle_initial", ""),
            suffix=form.get("suffix", ""),
            phone=form.get("phone", ""),
            language=visit.language,
        )
        # Only a REP publishes a customer-service phone and e-mail.
        service = ("service_phone", "service_email") if kind == "rep" else ()
        profile = CompanyProfile(
            form.get("company_name", ""),
            form.get("address1", ""),
            form.get("address2", ""),
            form.get("city", ""),
            form.get("state", "TX"),
            "US",
            form.get("zip", ""),
            *(form.get(field, "") for field in service),
        )
        now = hub.clock.now()
        try:
            with hub.engine.begin() as conn:
                if kind == "rep":
                    hub.accounts.register_rep_company(
                        conn,
                        now=now,
                        profile=profile,
                        duns=[d for d in form.get("duns", "").replace(",", " ").split() if d],
                        user_id=form.get("user_id", ""),
                        person=person,
                        password=form.get("password", ""),
                    )
                elif kind == "business":
                    hub.accounts.register_business(
                        conn,
                        now=now,
                        profile=profile,
                        user_id=form.get("user_id", ""),
                        person=person,
                        password=form.get("password", ""),
                    )
                elif kind == "user":
                    hub.accounts.register_account(
                        conn,
                        now=now,
                        company_name=form.get("company_name", ""),
                        administrator=form.get("role") == "admin",
                        user_id=form.get("user_id", ""),
                        person=person,
                        password=form.get("password", ""),
                    )
                else:
                    hub.customers.register_customer(
                        conn,
                        now=now,
                        user_id=form.get("user_id", ""),
                        person=person,
                        password=form.get("password", ""),
                    )
        except (WorkflowError, IntegrityError) as error:
            # IntegrityError: another registration took the same ID, name or DUNS meanwhile.
            message = (
                str(error)
                if isinstance(error, WorkflowError)
                else ("that user ID, company name or DUNS was just taken; please choose another")
            )
            values = {k: v for k, v in form.items() if k not in ("password", "csrf_token")}
            return portal.render(
                visit,
                f"register_{kind}.html",
                status_code=400,
                errors={"form": message},
                values=values,
            )
        text = "registered_active" if kind in ("customer", "business") else "registered_pending"
        return portal.render(visit, "message.html", title="registered", text=text)

    # --- customers' ESIIDs --------------------------------------------------------------------

    @router.get("/esiids", response_class=HTMLResponse)
    def esiids(request: Request) -> Response:
        visit = portal.visit(request)
        if visit.session is None or visit.role not in CUSTOMER_ROLES:
            return portal.not_found(visit)
        with hub.engine.connect() as conn:
            mine = attached_esiids(conn, visit.session.principal)
        return portal.render(visit, "esiids.html", mine=mine, errors={}, values={})

    @router.post("/esiids", response_class=HTMLResponse)
    def attach(request: Request, form: FormFields) -> Response:
        visit = portal.visit(request)
        if visit.session is None or visit.role not in (Role.CUSTOMER, Role.NRC_ADMIN):
            return portal.not_found(visit)
        if not portal.csrf_ok(visit, form.get("csrf_token")):
            return refused_csrf(visit)
        principal, now = visit.session.principal, hub.clock.now()
        try:
            with hub.engine.begin() as conn:
                if not attach_attempts_left(conn, principal.user_id, now=now):
                    raise WorkflowError("too many attempts today")
                hub.customers.attach_esiid(
                    conn,
                    principal,
                    now=now,
                    esiid=form.get("esiid", ""),
                    meter_number=form.get("meter_number", ""),
                    rep_name=form.get("rep_name", ""),
                )
        except WorkflowError:
            # One answer for a wrong meter, a wrong REP, an ESIID that does not exist and too
            # many attempts; the failure is audited (and counted) in a transaction of its own.
            with hub.engine.begin() as conn:
                audit.record(
                    conn,
                    at=now,
                    actor=principal.user_id,
                    action="attach-esiid-failed",
                    subject=f"esiid:{form.get('esiid', '')[:40]}",
                )
                mine = attached_esiids(conn, principal)
            values = {k: form.get(k, "") for k in ("esiid", "meter_number", "rep_name")}
            return portal.render(
                visit,
                "esiids.html",
                status_code=400,
                mine=mine,
                errors={"form": "no_match"},
                values=values,
            )
        return redirect("/esiids")

    @router.post("/esiids/{esiid}/detach")
    def detach(request: Request, esiid: str, form: FormFields) -> Response:
        visit = portal.visit(request)
        if visit.session is None or visit.role not in (Role.CUSTOMER, Role.NRC_ADMIN):
            return portal.not_found(visit)
        if not portal.csrf_ok(visit, form.get("csrf_token")):
            return refused_csrf(visit)
        principal = visit.session.principal
        try:
            with hub.engine.begin() as conn:
                hub.customers.detach_esiid(
                    conn, principal, user_id=principal.user_id, esiid=esiid, now=hub.clock.now()
                )
        except WorkflowError:
            return portal.not_found(visit)
        return redirect("/esiids")

    # --- administration ---------------------------------------------------------------------

    def admin_visit(request: Request) -> Visit | None:
        visit = portal.visit(request)
        if visit.session is None or visit.session.principal.role not in ADMIN_ROLES:
            return None
        return visit

    @router.get("/approvals", response_class=HTMLResponse)
    def approvals(request: Request) -> Response:
        visit = admin_visit(request)
        if visit is None or visit.session is None:
            return portal.not_found(portal.visit(request))
        principal = visit.session.principal
        with hub.engine.connect() as conn:
            companies = []
            if principal.role in (Role.TDSP_ADMIN, Role.OPERATOR):
                companies = [
                    dict(r._mapping)
                    for r in conn.execute(
                        select(company.c.id, company.c.name, company.c.city).where(
                            company.c.kind == "rep", company.c.status == Status.PENDING
                        )
                    )
                ]
                for c in companies:
                    c["duns"] = ", ".join(
                        conn.execute(
                            select(company_duns.c.duns).where(company_duns.c.company_id == c["id"])
                        ).scalars()
                    )
            pending_duns: list[tuple[str, str]] = []
            if principal.role in (Role.TDSP_ADMIN, Role.OPERATOR):
                pending_duns = [
                    (d, n)
                    for d, n in conn.execute(
                        select(company_duns.c.duns, company.c.name)
                        .join(company, company.c.id == company_duns.c.company_id)
                        .where(
                            company_duns.c.status == "pending", company.c.status == Status.ACTIVE
                        )
                    )
                ]
            assigned: dict[str, set[str]] = {}
            for uid, duns in conn.execute(
                select(account.c.user_id, account_duns.c.duns)
                .join(account_duns, account_duns.c.account_id == account.c.id)
                .where(account.c.company_id == principal.company_id)
            ):
                assigned.setdefault(uid, set()).add(duns)
            people = conn.execute(
                select(
                    account.c.user_id,
                    account.c.first_name,
                    account.c.last_name,
                    account.c.role,
                    account.c.status,
                    account.c.email,
                )
                .where(
                    account.c.company_id == principal.company_id,
                    account.c.user_id != principal.user_id,
                )
                .order_by(account.c.id)
            ).all()
        return portal.render(
            visit,
            "approvals.html",
            companies=companies,
            people=people,
            pending_duns=pending_duns,
            assigned=assigned,
            company_duns=sorted(principal.duns),
        )

    @router.post("/approvals/company/{company_id}")
    def decide_company(request: Request, company_id: str, form: FormFields) -> Response:
        visit = admin_visit(request)
        if visit is None or visit.session is None:
            return portal.not_found(portal.visit(request))
        decision = form.get("decision")
        if decision not in ("approve", "reject") or not _small_number(company_id):
            return portal.not_found(visit)
        if not portal.csrf_ok(visit, form.get("csrf_token")):
            return refused_csrf(visit)
        try:
            with hub.engine.begin() as conn:
                hub.accounts.approve_company(
                    conn,
                    visit.session.principal,
                    int(company_id),
                    now=hub.clock.now(),
                    approve=decision == "approve",
                )
        except WorkflowError:
            return portal.not_found(visit)
        return redirect("/approvals")

    @router.post("/accounts/{user_id}/{change}")
    def change_account(request: Request, user_id: str, change: str, form: FormFields) -> Response:
        visit = admin_visit(request)
        if visit is None or visit.session is None or change not in set(Transition):
            return portal.not_found(portal.visit(request))
        if not portal.csrf_ok(visit, form.get("csrf_token")):
            return refused_csrf(visit)
        try:
            with hub.engine.begin() as conn:
                hub.accounts.transition(
                    conn, visit.session.principal, user_id, Transition(change), now=hub.clock.now()
                )
        except WorkflowError:
            return portal.not_found(visit)
        return redirect("/approvals")

    # --- a REP's customer-service logins and DUNS -------------------------------------------

    @router.get("/customer-service", response_class=HTMLResponse)
    def customer_service_page(request: Request) -> Response:
        visit = portal.visit(request)
        if visit.session is None or visit.role is not Role.REP_ADMIN:
            return portal.not_found(visit)
        with hub.engine.connect() as conn:
            logins = customer_service.logins_of(conn, visit.session.principal.company_id or 0)
        return portal.render(visit, "customer_service.html", logins=logins, errors={})

    @router.post("/customer-service", response_class=HTMLResponse)
    def customer_service_password(request: Request, form: FormFields) -> Response:
        visit = portal.visit(request)
        if visit.session is None or visit.role is not Role.REP_ADMIN:
            return portal.not_found(visit)
        if not portal.csrf_ok(visit, form.get("csrf_token")):
            return refused_csrf(visit)
        principal = visit.session.principal
        try:
            with hub.engine.begin() as conn:
                customer_service.set_password(
                    conn,
                    hub.passwords,
                    principal,
                    form.get("user_id", ""),
                    form.get("password", ""),
                    now=hub.clock.now(),
                )
        except NotYours:
            return portal.not_found(visit)
        except WorkflowError as error:
            with hub.engine.connect() as conn:
                logins = customer_service.logins_of(conn, principal.company_id or 0)
            return portal.render(
                visit,
                "customer_service.html",
                status_code=400,
                logins=logins,
                errors={"form": str(error)},
            )
        return redirect("/customer-service")

    @router.post("/duns/request")
    def request_duns(request: Request, form: FormFields) -> Response:
        visit = portal.visit(request)
        if visit.session is None or visit.role is not Role.REP_ADMIN:
            return portal.not_found(visit)
        if not portal.csrf_ok(visit, form.get("csrf_token")):
            return refused_csrf(visit)
        try:
            with hub.engine.begin() as conn:
                hub.accounts.request_duns(
                    conn, visit.session.principal, form.get("duns", ""), now=hub.clock.now()
                )
        except WorkflowError as error:
            return portal.render(visit, "message_text.html", status_code=400, text=str(error))
        return redirect("/approvals")

    @router.post("/duns/{duns}/{decision}")
    def decide_duns(request: Request, duns: str, decision: str, form: FormFields) -> Response:
        visit = admin_visit(request)
        if visit is None or visit.session is None or decision not in ("approve", "reject"):
            return portal.not_found(portal.visit(request))
        if not portal.csrf_ok(visit, form.get("csrf_token")):
            return refused_csrf(visit)
        try:
            with hub.engine.begin() as conn:
                hub.accounts.decide_duns(
                    conn,
                    visit.session.principal,
                    duns,
                    now=hub.clock.now(),
                    approve=decision == "approve",
                )
        except WorkflowError:
            return portal.not_found(visit)
        return redirect("/approvals")

    @router.post("/assign-duns/{user_id}")
    def assign_duns(request: Request, user_id: str, form: FormFields) -> Response:
        visit = portal.visit(request)
        if visit.session is None or visit.role is not Role.REP_ADMIN:
            return portal.not_found(visit)
        if not portal.csrf_ok(visit, form.get("csrf_token")):
            return refused_csrf(visit)
        chosen = form.getlist("duns")
        try:
            with hub.engine.begin() as conn:
                hub.accounts.assign_duns(
                    conn, visit.session.principal, user_id, chosen, now=hub.clock.now()
                )
        except WorkflowError:
            return portal.not_found(visit)
        return redirect("/approvals")

    # --- profile and broadcasts -------------------------------------------------------------

    @router.get("/profile", response_class=HTMLResponse)
    def profile(request: Request) -> Response:
        visit = portal.visit(request)
        if visit.session is None:
            return redirect("/login")
        with hub.engine.connect() as conn:
            me = conn.execute(
                select(account).where(account.c.user_id == visit.session.principal.user_id)
            ).one()
        return portal.render(
            visit, "profile.html", me=me, errors={}, duns=sorted(visit.session.principal.duns)
        )

    @router.post("/profile", response_class=HTMLResponse)
    def update_profile(request: Request, form: FormFields) -> Response:
        visit = portal.visit(request)
        if visit.session is None:
            return redirect("/login")
        if not portal.csrf_ok(visit, form.get("csrf_token")):
            return refused_csrf(visit)
        person = Person(
            form.get("first_name", ""),
            form.get("last_name", ""),
            form.get("email", ""),
            middle_initial=form.get("middle_initial", ""),
            suffix=form.get("suffix", ""),
            phone=form.get("phone", ""),
            language=form.get("language", visit.language),
        )
        try:
            columns = person.columns()
        except WorkflowError as error:
            with hub.engine.connect() as conn:
                me = conn.execute(
                    select(account).where(account.c.user_id == visit.session.principal.user_id)
                ).one()
            return portal.render(
                visit,
                "profile.html",
                status_code=400,
                me=me,
                errors={"form": str(error)},
                duns=sorted(visit.session.principal.duns),
            )
        with hub.engine.begin() as conn:  # the DUNS are not among what a user may change
            conn.execute(
                update(account)
                .where(account.c.user_id == visit.session.principal.user_id)
                .values(**columns)
            )
        return redirect("/profile")

    @router.get("/broadcasts", response_class=HTMLResponse)
    def broadcasts_page(request: Request) -> Response:
        visit = portal.visit(request)
        if visit.role is not Role.OPERATOR:
            return portal.not_found(visit)
        return portal.render(visit, "broadcasts.html", errors={})

    @router.post("/broadcasts", response_class=HTMLResponse)
    def write_broadcast(request: Request, form: FormFields) -> Response:
        visit = portal.visit(request)
        if visit.session is None or visit.role is not Role.OPERATOR:
            return portal.not_found(visit)
        if not portal.csrf_ok(visit, form.get("csrf_token")):
            return refused_csrf(visit)
        now = hub.clock.now()
        try:
            hours = min(max(int(form.get("hours", "24")), 1), 720)
            message = Broadcast(
                Audience(form.get("audience", "everyone")),
                form.get("text_en", ""),
                form.get("text_es", ""),
                now,
                now + timedelta(hours=hours),
            )
            with hub.engine.begin() as conn:
                publish(conn, visit.session.principal, message, now=now)
        except (WorkflowError, ValueError) as error:
            return portal.render(
                visit, "broadcasts.html", status_code=400, errors={"form": str(error)}
            )
        return redirect("/")

    return router


def _small_number(text: str) -> bool:
    return text.isascii() and text.isdigit() and 0 < int(text[:12]) < 2**31 and len(text) < 12
