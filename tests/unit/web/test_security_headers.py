"""The security headers every answer carries, and those an endpoint set itself kept as set."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from smt.web.security_headers import SecurityHeaders


def _json(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def _page(_request: Request) -> Response:
    return HTMLResponse("<p>usage</p>")


def _framed_page(_request: Request) -> Response:
    return HTMLResponse(
        "<p>chart</p>", headers={"Cache-Control": "max-age=60", "X-Frame-Options": "SAMEORIGIN"}
    )


APP = SecurityHeaders(
    Starlette(routes=[Route("/json", _json), Route("/page", _page), Route("/framed", _framed_page)])
)


def test_every_answer_refuses_sniffing_framing_and_foreign_referrers() -> None:
    answer = TestClient(APP).get("/json")
    assert answer.json() == {"status": "ok"}
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "same-origin"
    assert "content-security-policy" not in answer.headers, "a policy for pages only"
    assert "strict-transport-security" not in answer.headers, "HSTS only over HTTPS"


def test_pages_get_a_content_security_policy_and_are_not_stored() -> None:
    answer = TestClient(APP).get("/page")
    assert answer.headers["content-security-policy"] == (
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'"
    )
    assert answer.headers["cache-control"] == "no-store"


def test_a_header_the_endpoint_set_is_kept_and_not_doubled() -> None:
    answer = TestClient(APP).get("/framed")
    assert answer.headers.get_list("cache-control") == ["max-age=60"]
    assert answer.headers.get_list("x-frame-options") == ["SAMEORIGIN"]
    assert answer.headers["content-security-policy"].startswith("default-src 'self'")


def test_https_answers_ask_for_https_from_then_on() -> None:
    answer = TestClient(APP, base_url="https://hub.example").get("/json")
    assert answer.headers["strict-transport-security"] == "max-age=31536000"
