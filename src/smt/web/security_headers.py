"""Security headers on every answer, as a plain ASGI middleware: it only looks at the start of
the response. (Starlette's `@app.middleware("http")` runs each request in a task of its own and
streams the body through a memory channel: a tenth of a cheap request's cost.)"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

Headers = tuple[tuple[bytes, bytes], ...]

_ALWAYS: Headers = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)
_HTML: Headers = (
    (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'; form-action 'self'"),
    (b"cache-control", b"no-store"),
)
_HTTPS: Headers = ((b"strict-transport-security", b"max-age=31536000"),)


class SecurityHeaders:
    """Adds each header the endpoint did not set itself: always nosniff, DENY framing and a
    same-origin referrer; on HTML a content security policy and no-store; over HTTPS, HSTS."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                wanted = _ALWAYS
                if content_type.startswith(b"text/html"):
                    wanted += _HTML
                if https:
                    wanted += _HTTPS
                headers += [(n, v) for n, v in wanted if n not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
