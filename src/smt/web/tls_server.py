"""The embedded server's side of mutual TLS. uvicorn verifies a client certificate when asked
(`ssl.CERT_REQUIRED` against the trusted CA) but does not hand it to the application. This
protocol subclass does, in the ASGI TLS extension's shape (`client_cert_chain`, leaf only),
and also records the socket's peer address before any proxy-header rewriting, so that the
trusted-proxy check (web/client_tls.py) looks at who really connected.

It relies on two uvicorn internals, both present in the h11 and httptools protocols since
0.2x: `connection_made(transport)` and `self.app` read per request. tests/e2e cover it."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from smt.web.client_tls import PEER

Scope = MutableMapping[str, Any]
Asgi = Callable[[Scope, Any, Any], Awaitable[None]]


def _with_connection(app: Asgi, tls: dict[str, Any] | None, peer: Any) -> Asgi:
    async def wrapped(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            extensions = dict(scope.get("extensions") or {})
            extensions[PEER] = peer
            if tls is not None:
                extensions["tls"] = tls
            scope["extensions"] = extensions
        await app(scope, receive, send)

    return wrapped


def protocol_class() -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol (httptools when installed, else h11), telling the app about
    the TLS client certificate and the real peer."""
    base: Any
    try:
        from uvicorn.protocols.http.httptools_impl import (  # noqa: PLC0415
            HttpToolsProtocol as base,  # noqa: N813
        )
    except ImportError:  # pragma: no cover - depends on uvicorn's extras
        from uvicorn.protocols.http.h11_impl import H11Protocol as base  # noqa: PLC0415, N813

    class ClientCertificateProtocol(base):  # type: ignore[misc]
        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            tls = None
            ssl_object = transport.get_extra_info("ssl_object")
            if ssl_object is not None:
                der = ssl_object.getpeercert(binary_form=True)
                tls = {
                    "client_cert_chain": [ssl.DER_cert_to_PEM_cert(der)] if der else [],
                    "client_cert_error": None,
                    "tls_version": None,
                    "cipher_suite": None,
                }
            self.app = _with_connection(
                self.config.loaded_app, tls, transport.get_extra_info("peername")
            )

    return ClientCertificateProtocol
