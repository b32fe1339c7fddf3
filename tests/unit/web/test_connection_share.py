"""A serving process holding more connections than its share asks one client at a time to
reconnect, on an answer it sends anyway."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from smt.web.connection_share import ConnectionShare, shedding


def _answer(_request: Request) -> Response:
    return JSONResponse({"status": "ok"}, headers={"Connection": "keep-alive"})


def test_a_process_over_its_share_sheds_one_connection_at_a_time() -> None:
    counts = [0, 0]
    busy, idle = ConnectionShare(counts, 0), ConnectionShare(counts, 1)
    for _ in range(3):
        busy.opened()
    idle.opened()
    assert counts == [3, 1]
    assert busy.shed_one(), "3 against 1: one over the slack"
    assert not busy.shed_one(), "one reconnection at a time"
    busy.closed()  # that client went away (and may come back to either process)
    assert counts == [2, 1]
    assert not busy.shed_one(), "2 against 1 is within the slack"
    assert not idle.shed_one()


def test_the_answer_that_sheds_says_connection_close_and_is_otherwise_whole() -> None:
    counts = [5, 0]
    app = shedding(Starlette(routes=[Route("/", _answer)]), ConnectionShare(counts, 0))
    client = TestClient(app)
    first, second, third = client.get("/"), client.get("/"), client.get("/")
    assert first.json() == second.json() == third.json() == {"status": "ok"}
    assert first.headers.get_list("connection") == ["keep-alive"], "never on a first answer"
    assert second.headers.get_list("connection") == ["close"], "replaces the endpoint's own"
    assert third.headers.get_list("connection") == ["keep-alive"], "one at a time"
