"""`GET /soap/files/<correlation id>/<file name>`: the file a meter usage answer points to,
for the system account that asked for it and nobody else. The caller is identified by its TLS
client certificate (bound to the account); outside production mode, HTTP Basic with the
account's name and password is accepted too (a development hub may run without TLS). Any
refusal answers 404, exactly like a file that does not exist."""

from __future__ import annotations

import base64
import binascii

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from smt.access.policy import Principal
from smt.accounts.service_identity import account_for_certificate
from smt.composition import Hub
from smt.reports.writers import ReportFormat
from smt.web.client_tls import proxy_networks, transport_of
from smt.web.soap.meter_usage import FILES


def files_router(hub: Hub) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    proxies = proxy_networks(hub.settings.trusted_proxies)

    def caller(request: Request) -> Principal | None:
        transport = transport_of(request.scope, proxies)
        if transport.certificate is not None:
            with hub.engine.connect() as conn:
                name = account_for_certificate(conn, transport.certificate.sha256)
                return None if name is None else hub.accounts.system_principal(conn, name)
        if hub.settings.production:
            return None
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic" or not encoded:
            return None
        try:
            name, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        with hub.engine.begin() as conn:
            outcome = hub.sessions.authenticate_system(
                conn, name=name, password=password, now=hub.clock.now()
            )
        return outcome if isinstance(outcome, Principal) else None

    def find(request: Request, correlation_id: str, name: str) -> Response:
        principal = caller(request)
        if (
            principal is None
            and request.headers.get("authorization") is None
            and transport_of(request.scope, proxies).certificate is None
        ):
            return PlainTextResponse(
                "a client certificate is required",
                status_code=401,
                headers={"WWW-Authenticate": 'Basic realm="smt"'},
            )
        missing = PlainTextResponse("no such file", status_code=404)
        if principal is None:
            return missing
        with hub.engine.connect() as conn:
            answer = hub.adhoc.status(conn, principal, correlation_id)
        if answer is None or answer.file_name != name:
            return missing
        path = hub.adhoc.file_path(principal, answer)
        if path is None:
            return missing
        media = ReportFormat(path.suffix.lstrip(".")).media_type
        return FileResponse(path, media_type=media, filename=path.name)

    async def get(request: Request) -> Response:
        params = request.path_params
        return await run_in_threadpool(
            find, request, str(params["correlation_id"]), str(params["name"])
        )

    router.add_route(FILES + "/{correlation_id}/{name}", get, methods=["GET"])
    return router
