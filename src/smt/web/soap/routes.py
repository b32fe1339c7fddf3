"""The HTTP side of the SOAP services: `POST <path>` runs an operation, `GET <path>?wsdl` and
`GET <path>?xsd` describe the service. A message goes, cheapest check first: body size (from
Content-Length before reading, then while reading), hardened parse, envelope shape, operation,
sender (security.py), XSD, handler. Every refusal is a SOAP fault; the work runs on a worker
thread so a slow message never holds the event loop."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from smt.composition import Hub
from smt.web.client_tls import Transport, proxy_networks, transport_of
from smt.web.soap.envelope import (
    CLIENT,
    SOAP_CONTENT_TYPE,
    SoapFault,
    answer,
    client_fault,
    fault,
    read_envelope,
    server_fault,
    too_large,
)
from smt.web.soap.security import WsSecurity
from smt.web.soap.service import Call, Service
from smt.web.soap.xml import XmlLimits, XmlRefused, parse_xml

log = logging.getLogger(__name__)


def _fault_response(error: SoapFault) -> Response:
    return Response(fault(error), status_code=error.http_status, media_type=SOAP_CONTENT_TYPE)


def base_url(hub: Hub, request: Request, transport: Transport) -> str:
    """Where the caller reached us: the configured public URL, else the Host it used, with
    https when the message came over TLS (directly or through the trusted proxy)."""
    if hub.settings.public_url:
        return hub.settings.public_url.rstrip("/")
    scheme = "https" if transport.over_tls else request.url.scheme
    host = request.headers.get("host") or request.url.netloc
    return f"{scheme}://{host}"


class SoapEndpoint:
    def __init__(self, hub: Hub, service: Service, security: WsSecurity) -> None:
        self._hub = hub
        self._service = service
        self._security = security
        s = hub.settings
        self.limits = service.limits or XmlLimits(
            max_bytes=s.soap_max_body_bytes,
            max_depth=s.soap_max_depth,
            max_elements=s.soap_max_elements,
        )
        self._proxies = proxy_networks(s.trusted_proxies)

    def transport(self, request: Request) -> Transport:
        return transport_of(request.scope, self._proxies)

    async def post(self, request: Request) -> Response:
        try:
            body = await self._read(request)
        except SoapFault as error:
            return _fault_response(error)
        transport = self.transport(request)
        base = base_url(self._hub, request, transport)
        return await run_in_threadpool(self.process, body, transport, base)

    async def _read(self, request: Request) -> bytes:
        limit = self.limits.max_bytes
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            raise too_large(limit)
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large(limit)
            chunks.append(chunk)
        return b"".join(chunks)

    def process(self, body: bytes, transport: Transport, base: str) -> Response:
        service = self._service
        try:
            try:
                root = parse_xml(body, self.limits)
            except XmlRefused as refused:
                raise SoapFault(
                    CLIENT, str(refused), http_status=413 if refused.too_large else 500
                ) from None
            message = read_envelope(root)
            operation = service.operation_for(message.payload)
            now = self._hub.clock.now()
            caller = self._security.authenticate(message, transport, now)
            service.validate(message.payload)
            result = operation.handler(Call(caller, now, base), message.payload)
        except SoapFault as error:
            return _fault_response(error)
        except Exception:  # a bug must not leak a traceback to the caller
            log.exception("SOAP %s failed", service.name)
            return _fault_response(server_fault("the service failed; the error is logged"))
        return Response(answer(result), media_type=SOAP_CONTENT_TYPE)

    def describe(self, request: Request) -> Response:
        query = request.url.query.lower()
        if query == "wsdl":
            address = f"{base_url(self._hub, request, self.transport(request))}{self._service.path}"
            return Response(self._service.wsdl(address), media_type="text/xml; charset=utf-8")
        if query == "xsd":
            return Response(self._service.xsd(), media_type="text/xml; charset=utf-8")
        return _fault_response(client_fault(f"ask {self._service.path}?wsdl for the description"))


def soap_router(hub: Hub, services: Sequence[Service], security: WsSecurity) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    for service in services:
        endpoint = SoapEndpoint(hub, service, security)
        router.add_route(service.path, endpoint.post, methods=["POST"])
        router.add_route(service.path, endpoint.describe, methods=["GET"])
    return router
