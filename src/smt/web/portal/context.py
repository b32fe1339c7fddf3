"""What every portal page needs: the visitor's session, CSRF, language, and rendering."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment

from smt.accounts import broadcasts
from smt.accounts.model import Role
from smt.accounts.sessions import ActiveSession, SessionKind
from smt.composition import Hub
from smt.web.portal.i18n import LANGUAGES

SESSION_COOKIE = "smt_session"
CSRF_COOKIE = "smt_csrf"
LANGUAGE_COOKIE = "smt_lang"


@dataclass(slots=True)
class Visit:
    """One request's view of the visitor."""

    request: Request
    session: ActiveSession | None
    language: str
    csrf: str  # the token forms must carry back
    new_csrf_cookie: bool

    @property
    def role(self) -> Role | None:
        return self.session.principal.role if self.session else None


class Portal:
    def __init__(self, hub: Hub, envs: Mapping[str, Environment]) -> None:
        self.hub = hub
        self._envs = envs

    def visit(self, request: Request) -> Visit:
        session = None
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            with self.hub.engine.begin() as conn:
                session = self.hub.sessions.resolve(
                    conn, token, kind=SessionKind.PORTAL, now=self.hub.clock.now()
                )
        if session is not None:
            return Visit(
                request, session, session.language, session.csrf_token, new_csrf_cookie=False
            )
        language = request.cookies.get(LANGUAGE_COOKIE, "en")
        if language not in LANGUAGES:
            language = "en"
        anonymous = request.cookies.get(CSRF_COOKIE)
        if anonymous and len(anonymous) >= 32:
            return Visit(request, None, language, anonymous, new_csrf_cookie=False)
        return Visit(request, None, language, secrets.token_urlsafe(32), new_csrf_cookie=True)

    @staticmethod
    def csrf_ok(visit: Visit, submitted: str | None) -> bool:
        if not submitted or visit.new_csrf_cookie:
            return False
        return hmac.compare_digest(submitted.encode(), visit.csrf.encode())

    def render(
        self, visit: Visit, template: str, status_code: int = 200, **context: Any
    ) -> HTMLResponse:
        with self.hub.engine.connect() as conn:
            messages = broadcasts.current(conn, now=self.hub.clock.now(), role=visit.role)
        html = (
            self._envs[visit.language]
            .get_template(template)
            .render(
                visit=visit,
                session=visit.session,
                role=visit.role,
                Role=Role,
                language=visit.language,
                csrf=visit.csrf,
                broadcasts=[m.text(visit.language) for m in messages],
                **context,
            )
        )
        response = HTMLResponse(html, status_code=status_code)
        self.keep_csrf(visit, response)
        return response

    def keep_csrf(self, visit: Visit, response: Response) -> None:
        if visit.new_csrf_cookie:
            response.set_cookie(
                CSRF_COOKIE,
                visit.csrf,
                httponly=True,
                samesite="strict",
                secure=self.secure(visit.request),
            )

    def secure(self, request: Request) -> bool:
        configured = self.hub.settings.cookie_secure
        return request.url.scheme == "https" if configured is None else configured

    def not_found(self, visit: Visit) -> HTMLResponse:
        """Every denial looks like this: nothing tells what exists."""
        return self.render(visit, "not_found.html", status_code=404, back="/")


class Fields:
    """A submitted form's text fields (uploads are not part of any portal form)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs

    def get(self, name: str, default: str = "") -> str:
        for key, value in self._pairs:
            if key == name:
                return value
        return default

    def getlist(self, name: str) -> list[str]:
        return [value for key, value in self._pairs if key == name]

    def items(self) -> list[tuple[str, str]]:
        return list(self._pairs)


async def read_form(request: Request) -> Fields:
    # Reading the body is the only async part of a POST; the handler itself is synchronous and
    # runs in the thread pool, so password hashing and database work never block the loop.
    form = await request.form()
    return Fields([(k, v) for k, v in form.multi_items() if isinstance(v, str)])


FormFields = Annotated[Fields, Depends(read_form)]
