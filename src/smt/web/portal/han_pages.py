"""Portal HAN pages: the devices on an ESIID (provision, de-provision, a TDSP's limits), composing
price signals, load control, texts and their cancellations, and following every delivery.

The HAN services decide everything (who may touch which ESIID, ranges, limits); these pages
only translate forms and show the services' refusals word for word. An ESIID, device or
request the visitor may not see answers exactly as one that does not exist. The install code
is a secret: it goes to the service and nowhere else (never back into the page, never logged).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from smt.access.policy import REP_ROLES
from smt.accounts.model import Role
from smt.domain.central_time import CENTRAL
from smt.domain.esiid import Esiid, InvalidEsiid
from smt.han import log
from smt.han.devices import DeviceOrder
from smt.han.model import DeviceType, HanLimits, HanRefusal, MessageKind
from smt.han.utc_time import from_utc_time
from smt.web.portal import han_forms
from smt.web.portal.context import Fields, FormFields, Portal, Visit

DEVICE_ROLES = (*REP_ROLES, Role.TDSP_ADMIN, Role.TDSP_USER, Role.OPERATOR)
DELIVERIES_PER_PAGE = 200
REFUSALS_SHOWN = 200  # of up to 10,000; the JSON API has them all
DEVICE_INPUTS = ("esiid", "meter_number", "eui64", "device_type")  # never the install code


def central(instant: datetime | None) -> str:
    """An instant as Central clocks read it, with CDT or CST (the fall-back hour twice)."""
    if instant is None:
        return ""
    return instant.astimezone(CENTRAL).strftime("%Y-%m-%d %H:%M:%S %Z")


def shown_fields(fields: dict[str, object]) -> list[tuple[str, str]]:
    """A request's Smart Energy fields for people: times in Central, 0 as now."""
    out = []
    for field, value in fields.items():
        if field.endswith("_time") and isinstance(value, int):
            out.append((field, "now" if value == 0 else central(from_utc_time(value))))
        else:
            out.append((field, str(value)))
    return out


def invalid_input(kind: MessageKind | None, message: str) -> str:
    """The input a refusal is about (the service's messages start with the field's name), so
    the page can mark it; "" when the refusal is about the request as a whole."""
    if kind is None:
        return ""
    first = message.split(" ", 1)[0].rstrip(":")
    fields = {i.field for i in han_forms.KINDS[kind]}
    return han_forms.name(kind, first) if first in fields else ""


def han_router(portal: Portal) -> APIRouter:
    router = APIRouter()
    hub = portal.hub
    devices = hub.han.devices

    def member(request: Request, roles: tuple[Role, ...]) -> Visit | None:
        visit = portal.visit(request)
        return visit if visit.session is not None and visit.role in roles else None

    def refused_csrf(visit: Visit) -> HTMLResponse:
        return portal.render(
            visit, "message.html", status_code=403, title="403", text="form_expired"
        )

    def render(visit: Visit, template: str, status_code: int = 200, **context: Any) -> Response:
        return portal.render(visit, template, status_code, central=central, **context)

    # --- devices --------------------------------------------------------------------------

    def devices_page(
        visit: Visit,
        esiid: str,
        *,
        status_code: int = 200,
        error: str = "",
        limits_error: str = "",
        values: dict[str, str] | None = None,
    ) -> Response:
        assert visit.session is not None  # noqa: S101 - callers checked
        principal = visit.session.principal
        now = hub.clock.now()
        try:
            number = Esiid.parse(esiid).value if esiid else ""
        except InvalidEsiid:
            number = ""  # listed as empty, exactly like an ESIID that is not the visitor's
        with hub.engine.connect() as conn:
            found = devices.on_esiid(conn, principal, number, now=now) if number else []
            limits = (
                devices.limits(conn, principal.tdsp_code)
                if principal.role is Role.TDSP_ADMIN and principal.tdsp_code
                else None
            )
        return render(
            visit,
            "han_devices.html",
            status_code,
            esiid=esiid,
            devices=found,
            device_types=[t.value for t in DeviceType],
            values={"esiid": esiid} | (values or {}),
            error=error,
            limits=limits,
            limits_error=limits_error,
            tdsp=principal.tdsp_code,
        )

    @router.get("/han/devices", response_class=HTMLResponse)
    def devices_list(request: Request, esiid: str = "") -> Response:
        visit = portal.visit(request)
        if visit.session is None:
            return RedirectResponse("/login", status_code=303)
        if visit.role not in DEVICE_ROLES:
            return portal.not_found(visit)
        return devices_page(visit, esiid.strip()[:40])

    @router.post("/han/devices", response_class=HTMLResponse)
    def provision(request: Request, form: FormFields) -> Response:
        visit = member(request, DEVICE_ROLES)
        if visit is None or visit.session is None:
            return portal.not_found(portal.visit(request))
        if not portal.csrf_ok(visit, form.get("csrf_token")):
            return refused_csrf(visit)
        values = {name: form.get(name).strip()[:40] for name in DEVICE_INPUTS}
        order = DeviceOrder(
            values["esiid"],
            values["meter_number"],
            values["eui64"],
            form.get("install_code")[:80],
            values["device_type"],
        )
        try:
            with hub.engine.begin() as conn:
                device = devices.provision(
                    conn, visit.session.principal, order, now=hub.clock.now()
                )
        except HanRefusal as refusal:
            return devices_page(
                visit, values["esiid"], status_code=400, error=str(refusal), values=values
            )
        return RedirectResponse(f"/han/devices?esiid={device.esiid}", status_code=303)

    @router.post("/han/devices/{device_id}/deprovision")
    def deprovision(request: Request, device_id: int, form: FormFields) -> Response:
        visit = member(request, DEVICE_ROLES)
        if visit is None or visit.session is None:
            return portal.not_found(portal.visit(request))
        if not portal.csrf_ok(visit, form.get("csrf_token")):
            return refused_csrf(visit)
        try:
            with hub.engine.begin() as conn:
                device = devices.deprovision(
                    conn, visit.session.principal, device_id, now=hub.clock.now()
                )
        except HanRefusal:
            return portal.not_found(visit)  # another's device, or none: the same page
        return RedirectResponse(f"/han/devices?esiid={device.esiid}", status_code=303)

    @router.post("/han/limits")
    def set_limits(request: Request, form: FormFields) -> Response:
        visit = member(request, (Role.TDSP_ADMIN,))
        if visit is None or visit.session is None:
            return portal.not_found(portal.visit(request))
        if not portal.csrf_ok(visit, form.get("csrf_token")):
            return refused_csrf(visit)
        try:
            limits = HanLimits(
                int(form.get("max_devices_per_meter").strip()),
                int(form.get("max_text_bytes").strip()),
            )
            with hub.engine.begin() as conn:
                devices.set_limits(conn, visit.session.principal, limits, now=hub.clock.now())
        except ValueError as refusal:  # HanRefusal is one; int() raises a bare one
            message = str(refusal) if isinstance(refusal, HanRefusal) else "whole numbers only"
            return devices_page(visit, "", status_code=400, limits_error=message)
        return RedirectResponse("/han/devices", status_code=303)

    # --- messages -------------------------------------------------------------------------

    def messages_page(
        visit: Visit,
        *,
        form: Fields | None = None,
        status_code: int = 200,
        error: str = "",
        sent: str = "",
        refused: list[tuple[str, str]] | None = None,
    ) -> Response:
        assert visit.session is not None  # noqa: S101 - callers checked
        principal = visit.session.principal
        now = hub.clock.now()
        duns = sorted(principal.duns)
        with hub.engine.connect() as conn:
            requests = log.requests(conn, principal)
            ack = log.request(conn, principal, sent, now=now) if sent else None
        if ack is not None:
            refused = [(r["address"], r["reason"]) for r in ack.refused]
        shown = form if form is not None else han_forms.defaults(duns, now)
        try:
            kind: MessageKind | None = MessageKind(shown.get("kind"))
        except ValueError:
            kind = None
        return render(
            visit,
            "han_messages.html",
            status_code,
            form=shown,
            duns=duns,
            kinds=[k.value for k in MessageKind],
            offsets=han_forms.OFFSETS,
            error=error,
            invalid=invalid_input(kind, error),
            ack=ack,
            answered=refused is not None,
            refused=(refused or [])[:REFUSALS_SHOWN],
            refused_count=len(refused or []),
            requests=requests,
        )

    @router.get("/han/messages", response_class=HTMLResponse)
    def messages(request: Request, sent: str = "") -> Response:
        visit = portal.visit(request)
        if visit.session is None:
            return RedirectResponse("/login", status_code=303)
        if visit.role not in REP_ROLES:
            return portal.not_found(visit)
        return messages_page(visit, sent=sent.strip()[:32])

    @router.post("/han/messages", response_class=HTMLResponse)
    def send(request: Request, form: FormFields) -> Response:
        visit = member(request, REP_ROLES)
        if visit is None or visit.session is None:
            return portal.not_found(portal.visit(request))
        if not portal.csrf_ok(visit, form.get("csrf_token")):
            return refused_csrf(visit)
        kept = han_forms.kept(form)
        try:
            wanted = han_forms.message_request(form)
            ack = hub.han.send(hub.engine, visit.session.principal, wanted, now=hub.clock.now())
        except HanRefusal as refusal:
            return messages_page(visit, form=kept, status_code=400, error=str(refusal))
        if not ack.request_id:
            # Every address refused: nothing was recorded, so the answer is this page, with
            # the form as it was to correct and send again.
            return messages_page(visit, form=kept, refused=ack.refused)
        return RedirectResponse(f"/han/messages?sent={ack.request_id}", status_code=303)

    @router.get("/han/messages/{request_id}", response_class=HTMLResponse)
    def request_page(request: Request, request_id: str, page: int = 1) -> Response:
        visit = member(request, REP_ROLES)
        if visit is None or visit.session is None:
            return portal.not_found(portal.visit(request))
        with hub.engine.connect() as conn:
            view = log.request(conn, visit.session.principal, request_id, now=hub.clock.now())
        if view is None:
            return portal.not_found(visit)
        total = len(view.deliveries)
        pages = max(1, -(-total // DELIVERIES_PER_PAGE))
        page = min(max(page, 1), pages)
        first = (page - 1) * DELIVERIES_PER_PAGE
        return render(
            visit,
            "han_request.html",
            view=view,
            fields=shown_fields(view.fields),
            counts=Counter(view.counts).most_common(),
            total=total,
            rows=view.deliveries[first : first + DELIVERIES_PER_PAGE],
            first=first,
            page=page,
            pages=pages,
            refused=view.refused[:REFUSALS_SHOWN],
        )

    @router.get("/han/messages/{request_id}/deliveries/{delivery_id}", response_class=HTMLResponse)
    def delivery_page(request: Request, request_id: str, delivery_id: int) -> Response:
        visit = member(request, REP_ROLES)
        if visit is None or visit.session is None:
            return portal.not_found(portal.visit(request))
        principal, now = visit.session.principal, hub.clock.now()
        with hub.engine.connect() as conn:
            view = log.request(conn, principal, request_id, now=now)
            found = [d for d in view.deliveries if d.delivery_id == delivery_id] if view else []
            # A delivery not yet handed to the head-end has no event: its page says so.
            events = log.history(conn, principal, request_id, delivery_id, now=now) if found else []
        if not found or view is None:
            return portal.not_found(visit)
        return render(visit, "han_delivery.html", view=view, delivery=found[0], events=events)

    return router
