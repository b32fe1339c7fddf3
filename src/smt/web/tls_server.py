"""The embedded server's side of mutual TLS. uvicorn verifies a client certificate when asked
(`ssl.CERT_REQUIRED` against the trusted CA) but does not hand it to the application. This
protocol subclass does, in the ASGI TLS extension's shape (`client_cert_chain`, leaf only),
and also records the socket's peer address before any proxy-header rewriting, so that the
trusted-proxy check (web/client_tls.py) looks at who really connected.

It relies on three uvicorn internals, all present in the h11 and httptools protocols since
0.2x: `connection_made(transport)`, `connection_lost(exc)` and `self.app` read per request.
tests/e2e cover it."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from smt.web.client_tls import PEER
from smt.web.connection_share import ConnectionShare, shedding

Scope = MutableMapping[str, Any]
# The kernel doubles it, and caps it at net.core.wmem_max.
SEND_BUFFER_BYTES = 512 * 1024
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


def protocol_class(share: ConnectionShare | None = None) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol (httptools when installed, else h11), telling the app about
    the TLS client certificate and the real peer; with `share`, counting this process's open
    connections and shedding one when it holds more than its share (web/connection_share.py)."""
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
            sock = transport.get_extra_info("socket")
            if sock is not None:
                # Room for a whole usage answer: a partial write waits for the loop's next turn
                # for I/O, which with answers computed on the loop is a whole round of
                # requests later (the 40-day query's worst cases fell from 0.9 s to 0.3 s).
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
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
            app = _with_connection(
                self.config.loaded_app, tls, transport.get_extra_info("peername")
            )
            if share is not None:
                share.opened()
                app = shedding(app, share)
            self.app = app

        def connection_lost(self, exc: Exception | None) -> None:
            super().connection_lost(exc)
            if share is not None:
                share.closed()

    return ClientCertificateProtocol
