"""The REP's callback: when every delivery of a request is final, the hub POSTs the request's
log to the callback URI, retrying with exponential backoff, then gives up; run by the real
SQLite job queue of a served hub."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from han_market import PASSWORD, A, esiid, joined_devices, seed_han_market
from smt.clock import FixedClock
from smt.composition import Hub
from smt.han.model import DeviceType
from smt.store.han_tables import han_request
from smt.web.app import create_app

from conftest import make_hub

INSTANT = {
    "han_latency_seconds": (0.0, 0.0),
    "han_sleeping_share": 0.0,
    "han_unreachable_share": 0.0,
}


class Receiver:
    """A REP's callback endpoint that fails its first `failures` calls."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.calls.append(json.loads(body))
                failing = len(outer.calls) <= outer.failures
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *_: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.uri = f"http://127.0.0.1:{self.server.server_address[1]}/han-callback"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def served(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock, inbox: Path
) -> Iterator[Hub]:
    hub = make_hub(
        "sqlite",
        tmp_path,
        clock,
        request,
        jobs_immediate=False,
        han_callback_attempts=3,
        han_callback_backoff_seconds=0.2,
        **INSTANT,
    )
    joined_devices(hub, seed_han_market(hub, inbox, meters=3), DeviceType.IN_HOME_DISPLAY)
    yield hub
    hub.close()


def text_to_two(client: TestClient, uri: str) -> str:
    token = client.post("/api/v1/token", json={"username": "lsp.admin", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    ack = client.post(
        "/api/v1/han/messages",
        json={
            "kind": "text",
            "duns": A,
            "fields": {
                "message_id": 1,
                "message_control": 0,
                "start_time": "now",
                "duration_minutes": 30,
                "message": "Peak prices 4-7 pm",
            },
            "addresses": [{"esiid": esiid(1)}, {"esiid": esiid(2)}],
            "callback_uri": uri,
        },
        headers=headers,
    ).json()
    assert len(ack["accepted"]) == 2, ack
    return str(ack["request_id"])


def callback_state(hub: Hub, request_id: str) -> str | None:
    with hub.engine.connect() as conn:
        return conn.execute(
            select(han_request.c.callback_state).where(han_request.c.request_id == request_id)
        ).scalar_one()


def until(check: Any, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_the_callback_is_retried_until_the_rep_takes_it(served: Hub) -> None:
    receiver = Receiver(failures=2)
    try:
        with TestClient(create_app(served), base_url="https://hub.test") as client:
            request_id = text_to_two(client, receiver.uri)
            until(lambda: callback_state(served, request_id) == "delivered")
    finally:
        receiver.close()
    assert callback_state(served, request_id) == "delivered"
    assert len(receiver.calls) == 3, "two failures, then taken"
    last = receiver.calls[-1]
    assert (last["requestId"], last["final"], last["counts"]) == (
        request_id,
        2,
        {"displayed": 2},
    )
    assert sorted(d["esiid"] for d in last["deliveries"]) == [esiid(1), esiid(2)]


def test_the_hub_gives_up_after_its_attempts(served: Hub) -> None:
    receiver = Receiver(failures=99)
    try:
        with TestClient(create_app(served), base_url="https://hub.test") as client:
            request_id = text_to_two(client, receiver.uri)
            until(lambda: callback_state(served, request_id) == "gave-up")
    finally:
        receiver.close()
    assert (callback_state(served, request_id), len(receiver.calls)) == ("gave-up", 3)


def test_a_callback_in_clear_to_another_host_is_refused(served: Hub) -> None:
    with TestClient(create_app(served), base_url="https://hub.test") as client:
        token = client.post("/api/v1/token", json={"username": "lsp.admin", "password": PASSWORD})
        answer = client.post(
            "/api/v1/han/messages",
            json={
                "kind": "text",
                "duns": A,
                "fields": {
                    "message_id": 5,
                    "message_control": 0,
                    "start_time": "now",
                    "duration_minutes": 5,
                    "message": "x",
                },
                "addresses": [{"esiid": esiid(1)}],
                "callback_uri": "http://rep.example.com/cb",
            },
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )
    assert (answer.status_code, answer.json()["detail"]) == (
        422,
        "the callback URI must be https://",
    )
