"""HAN through the JSON API: provisioning, a load-control event to 10,000 addresses then its
cancellation with every address reaching a final state in the log, Central times refused when
they do not name one instant, and the log private to the REP's DUNS."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from han_market import (
    INSTALL_CODE,
    PASSWORD,
    A,
    esiid,
    joined_devices,
    meter_number,
    seed_han_market,
)
from smt.clock import FixedClock
from smt.composition import Hub
from smt.domain.central_time import CENTRAL
from smt.han.utc_time import to_utc_time
from smt.web.app import create_app

from builders import NOW
from conftest import make_hub

INSTANT = {
    "han_latency_seconds": (0.0, 0.0),
    "han_sleeping_share": 0.0,
    "han_unreachable_share": 0.0,
    "han_opt_out_share": 0.0,
    "han_confirm_share": 1.0,
    "han_join_failure_share": 0.0,
}
MANY = 10_000


def bearer(client: TestClient, user: str) -> dict[str, str]:
    response = client.post("/api/v1/token", json={"username": user, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def small(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock, inbox: Path
) -> Iterator[tuple[Hub, TestClient]]:
    hub = make_hub("sqlite", tmp_path, clock, request, **INSTANT)
    seed_han_market(hub, inbox, meters=3)
    yield hub, TestClient(create_app(hub), base_url="https://hub.test")
    hub.close()


def lce(issuer: int, start: str = "now", minutes: int = 60) -> dict[str, Any]:
    return {
        "issuer_event_id": issuer,
        "device_class": 1,
        "start_time": start,
        "duration_minutes": minutes,
        "criticality_level": 3,
        "duty_cycle": 50,
    }


def test_provision_list_and_deprovision_a_device(small: tuple[Hub, TestClient]) -> None:
    _, client = small
    rep = bearer(client, "lsp.admin")
    body = {
        "esiid": esiid(1),
        "meter_number": meter_number(1),
        "eui64": "00:12:4B:00:01:02:03:04",
        "install_code": INSTALL_CODE,
        "device_type": "in-home-display",
    }
    made = client.post("/api/v1/han/devices", json=body, headers=rep)
    assert made.status_code == 201, made.text
    device = made.json()
    assert (device["eui64"], device["state"]) == ("00124B0001020304", "joined")
    assert INSTALL_CODE not in made.text
    listed = client.get(f"/api/v1/han/devices?esiid={esiid(1)}", headers=rep).json()
    assert [d["id"] for d in listed["devices"]] == [device["id"]]
    bad = client.post(
        "/api/v1/han/devices", json=body | {"install_code": INSTALL_CODE[:-1] + "0"}, headers=rep
    )
    assert (bad.status_code, bad.json()["detail"]) == (
        422,
        "the install code's CRC does not match: check the digits",
    )
    other = bearer(client, "bb.admin")
    assert client.delete(f"/api/v1/han/devices/{device['id']}", headers=other).status_code == 404
    gone = client.delete(f"/api/v1/han/devices/{device['id']}", headers=rep)
    assert gone.json()["state"] == "removed"


@pytest.mark.parametrize(
    ("start", "reason"),
    [
        ("2027-03-14T02:30", "does not exist in Central time"),
        ("2026-11-01T01:30", "happens twice in Central time"),
        ("2026-07-15T16:00-06:00", "is not a Central time"),
    ],
)
def test_central_times_that_are_not_one_instant_are_refused(
    small: tuple[Hub, TestClient], start: str, reason: str
) -> None:
    hub, client = small
    joined_devices(hub, [esiid(1)])
    answer = client.post(
        "/api/v1/han/messages",
        json={
            "kind": "load-control",
            "duns": A,
            "fields": lce(1, start),
            "addresses": [{"esiid": esiid(1)}],
        },
        headers=bearer(client, "lsp.admin"),
    )
    assert answer.status_code == 422
    assert reason in answer.json()["detail"]


def test_a_price_signal_and_the_log_is_private(small: tuple[Hub, TestClient]) -> None:
    hub, client = small
    joined_devices(hub, [esiid(1), esiid(2)])
    rep = bearer(client, "lsp.admin")
    price = {
        "provider_id": 1,
        "rate_label": "TOU-PEAK",
        "issuer_event_id": 7,
        "current_time": "now",
        "price_trailing_digit_and_tier": 0x52,
        "number_of_tiers_and_register_tier": 0x32,
        "start_time": "2026-11-27T15:00-06:00",
        "duration_minutes": 180,
        "price": 25000,
        "price_control": 1,
    }
    ack = client.post(
        "/api/v1/han/messages",
        json={
            "kind": "price",
            "duns": A,
            "fields": price,
            "addresses": [{"esiid": esiid(1)}, {"esiid": esiid(2), "meter_number": "WRONG"}],
        },
        headers=rep,
    ).json()
    assert ack["accepted"] == [esiid(1)]
    assert ack["refused"] == [
        {
            "address": f"{esiid(2)}/WRONG",
            "reason": "the meter number is not this ESIID's meter in service",
        }
    ]
    status = client.get(f"/api/v1/han/messages/{ack['request_id']}", headers=rep).json()
    assert status["counts"] == {"acknowledged": 1}
    assert status["fields"]["current_time"] == to_utc_time(NOW), "the sender's clock, not 0"
    assert [
        r["request_id"] for r in client.get("/api/v1/han/messages", headers=rep).json()["requests"]
    ] == [ack["request_id"]]
    other = bearer(client, "bb.admin")
    assert client.get(f"/api/v1/han/messages/{ack['request_id']}", headers=other).status_code == 404
    assert client.get("/api/v1/han/messages", headers=other).json()["requests"] == []


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def big(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock, inbox: Path
) -> Iterator[tuple[Hub, TestClient, list[str]]]:
    hub = make_hub(request.param, tmp_path, clock, request, **INSTANT)
    esiids = seed_han_market(hub, inbox, meters=MANY + 1)[:MANY]
    joined_devices(hub, esiids)
    yield hub, TestClient(create_app(hub), base_url="https://hub.test"), esiids
    hub.close()


def test_ten_thousand_addresses_then_a_cancellation_all_end_final(
    big: tuple[Hub, TestClient, list[str]],
) -> None:
    hub, client, esiids = big
    rep = bearer(client, "lsp.admin")
    addresses = [{"esiid": e} for e in esiids]
    start = (NOW + timedelta(hours=1)).astimezone(CENTRAL).isoformat(timespec="minutes")
    event = client.post(
        "/api/v1/han/messages",
        json={
            "kind": "load-control",
            "duns": A,
            "fields": lce(1001, start, 240),
            "addresses": addresses,
            "priority": "H",
        },
        headers=rep,
    ).json()
    assert (len(event["accepted"]), event["refused"]) == (MANY, [])
    cancel = client.post(
        "/api/v1/han/messages",
        json={
            "kind": "cancel-load-control",
            "duns": A,
            "fields": {"issuer_event_id": 1001, "device_class": 1},
            "addresses": addresses,
        },
        headers=rep,
    ).json()
    assert len(cancel["accepted"]) == MANY
    assert isinstance(hub.clock, FixedClock)
    hub.clock.set(NOW + timedelta(hours=6))
    rep = bearer(client, "lsp.admin")  # the first token idled out meanwhile
    ended = client.get(f"/api/v1/han/messages/{event['request_id']}", headers=rep).json()
    assert ended["final"] == MANY
    assert ended["counts"] == {"cancelled (0x06)": MANY}
    assert Counter(d["final"] for d in ended["deliveries"]) == {True: MANY}
    done = client.get(f"/api/v1/han/messages/{cancel['request_id']}", headers=rep).json()
    assert done["counts"] == {"delivered": MANY}
