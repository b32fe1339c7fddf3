"""HAN in the portal: devices provisioned and de-provisioned by a REP and by a TDSP user, refusals
shown in the service's words with the install code never echoed, a TDSP administrator's
limits; a load-control event and a text composed, acknowledged and followed to their final
states; another REP's ESIID, device and request look like ones that do not exist; CSRF."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from han_market import INSTALL_CODE, A, B, esiid, joined_devices, meter_number, seed_han_market
from smt.accounts.model import Role, Transition
from smt.accounts.profiles import Person
from smt.clock import FixedClock
from smt.composition import Hub
from smt.store.han_tables import han_device, han_request
from smt.web.app import create_app

from builders import NOW
from conftest import make_hub
from portal_client import PASSWORD, csrf, session

INSTANT = {
    "han_latency_seconds": (0.0, 0.0),
    "han_sleeping_share": 0.0,
    "han_unreachable_share": 0.0,
    "han_opt_out_share": 0.0,
    "han_confirm_share": 1.0,
    "han_join_failure_share": 0.0,
}
EUI64 = "00:12:4B:00:01:02:03:04"


def open_market(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock, inbox: Path
) -> tuple[Hub, FastAPI]:
    """Three Oncor ESIIDs: 1 and 2 served by Lone Star Power (DUNS A), 3 by Bluebonnet (B)."""
    hub = make_hub(backend, tmp_path, clock, request, **INSTANT)
    seed_han_market(hub, inbox, meters=3)
    return hub, create_app(hub)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def market(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock, inbox: Path
) -> Iterator[tuple[Hub, FastAPI]]:
    hub, app = open_market(request.param, request, tmp_path, clock, inbox)
    yield hub, app
    hub.close()


@pytest.fixture
def sqlite_market(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock, inbox: Path
) -> Iterator[tuple[Hub, FastAPI]]:
    """For what only the form decides: the same on every backend."""
    hub, app = open_market("sqlite", request, tmp_path, clock, inbox)
    yield hub, app
    hub.close()


def text_of(page: str) -> str:
    return html.unescape(page)


def provision(client: TestClient, **fields: str) -> tuple[int, str]:
    form = {
        "esiid": esiid(1),
        "meter_number": meter_number(1),
        "eui64": EUI64,
        "install_code": INSTALL_CODE,
        "device_type": "thermostat",
        "csrf_token": csrf(client.get("/han/devices").text),
    } | fields
    answer = client.post("/han/devices", data=form, follow_redirects=False)
    if answer.status_code == 303:
        return 303, client.get(answer.headers["location"]).text
    return answer.status_code, answer.text


def device_rows(page: str) -> dict[str, str]:
    """EUI-64 -> state of the devices listed."""
    return dict(re.findall(r'data-eui64="([0-9A-F]{16})" data-state="([a-z]+)"', page))


def test_a_rep_provisions_and_deprovisions_a_device(market: tuple[Hub, FastAPI]) -> None:
    _, app = market
    client = session(app, "lsp.admin")
    assert "/han/devices" in client.get("/").text, "the navigation offers the page"
    status, page = provision(client)
    assert status == 303
    assert device_rows(page) == {"00124B0001020304": "joined"}, "the instant head-end joined it"
    assert INSTALL_CODE not in page
    [device_id] = re.findall(r'action="/han/devices/(\d+)/deprovision"', page)
    gone = client.post(
        f"/han/devices/{device_id}/deprovision",
        data={"csrf_token": csrf(page)},
        follow_redirects=False,
    )
    assert (gone.status_code, gone.headers["location"]) == (303, f"/han/devices?esiid={esiid(1)}")
    page = client.get(gone.headers["location"]).text
    assert device_rows(page) == {"00124B0001020304": "removed"}
    assert "/deprovision" not in page, "a removed device has nothing left to de-provision"


def test_a_pending_join_shows_when_the_head_end_answers(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock, inbox: Path
) -> None:
    hub = make_hub(
        "sqlite", tmp_path, clock, request, **INSTANT | {"han_latency_seconds": (10, 10)}
    )
    seed_han_market(hub, inbox, meters=1)
    client = session(create_app(hub), "oncor.admin")
    _, page = provision(client)
    assert device_rows(page) == {"00124B0001020304": "requested"}
    # the simulator joins in six latencies: 60 s after 12:00 CST
    assert "The head-end answers at 2026-11-27 12:01:00 CST" in page
    hub.close()


def test_a_bad_install_code_is_refused_precisely_and_never_echoed(
    market: tuple[Hub, FastAPI],
) -> None:
    hub, app = market
    client = session(app, "lsp.admin")
    wrong = INSTALL_CODE[:-1] + "0"
    status, page = provision(client, install_code=wrong, device_type="in-home-display")
    assert status == 400
    assert "the install code&#39;s CRC does not match: check the digits" in page
    assert wrong not in page and INSTALL_CODE not in page
    assert 'name="install_code" value=""' in page
    # everything else is kept to correct the code and send again
    assert f'name="meter_number" value="{meter_number(1)}"' in page
    assert f'value="{EUI64}"' in page
    assert '<option value="in-home-display" selected>' in page
    with hub.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(han_device)).scalar_one() == 0


def test_another_reps_esiid_answers_like_an_unknown_one(market: tuple[Hub, FastAPI]) -> None:
    _, app = market
    client = session(app, "bb.admin")
    answers = []
    for number in (esiid(1), esiid(9)):  # Lone Star Power's, and one that does not exist
        status, page = provision(client, esiid=number, meter_number=meter_number(int(number)))
        listed = client.get(f"/han/devices?esiid={number}").text
        answers.append((status, page.replace(number, "E").replace(meter_number(int(number)), "M")))
        assert "No device of this ESIID is visible to you." in listed
        assert "no ESIID and meter of yours with that number" in page
    assert answers[0] == answers[1]
    # its own ESIID works
    status, page = provision(client, esiid=esiid(3), meter_number=meter_number(3))
    assert status == 303 and device_rows(page) == {"00124B0001020304": "joined"}


def test_another_reps_device_cannot_be_deprovisioned(market: tuple[Hub, FastAPI]) -> None:
    _, app = market
    _, page = provision(session(app, "lsp.admin"))
    [device_id] = re.findall(r'action="/han/devices/(\d+)/deprovision"', page)
    other = session(app, "bb.admin")
    token = csrf(other.get("/han/devices").text)
    theirs = other.post(f"/han/devices/{device_id}/deprovision", data={"csrf_token": token})
    none = other.post("/han/devices/999999/deprovision", data={"csrf_token": token})
    assert theirs.status_code == none.status_code == 404
    assert theirs.text == none.text
    mine = session(app, "lsp.admin").get(f"/han/devices?esiid={esiid(1)}").text
    assert device_rows(mine) == {"00124B0001020304": "joined"}


def test_a_tdsp_user_provisions_in_its_territory(market: tuple[Hub, FastAPI]) -> None:
    hub, app = market
    now = hub.clock.now()
    with hub.engine.begin() as conn:
        hub.accounts.register_account(
            conn,
            now=now,
            company_name="Oncor Electric Delivery",
            role=Role.TDSP_USER,
            user_id="oncor.user",
            person=Person("Tom", "Diaz", "t@example.com"),
            password=PASSWORD,
        )
        admin = hub.accounts.principal(conn, "oncor.admin")
        assert admin is not None
        hub.accounts.transition(conn, admin, "oncor.user", Transition.APPROVE, now=now)
    client = session(app, "oncor.user")
    home = client.get("/").text
    assert "/han/devices" in home and "/han/messages" not in home
    # ESIID 3 is Bluebonnet's, in Oncor's territory
    status, page = provision(client, esiid=esiid(3), meter_number=meter_number(3))
    assert status == 303 and device_rows(page) == {"00124B0001020304": "joined"}
    assert "/han/limits" not in page, "the limits are the TDSP administrator's"
    assert client.get("/han/messages").status_code == 404, "messages are the REPs'"


def test_a_tdsp_administrator_sets_its_limits(market: tuple[Hub, FastAPI]) -> None:
    _, app = market
    client = session(app, "oncor.admin")
    page = client.get("/han/devices").text
    assert 'name="max_devices_per_meter" type="number" min="1" max="10" value="5"' in page
    token = csrf(page)
    refused = client.post(
        "/han/limits",
        data={"csrf_token": token, "max_devices_per_meter": "11", "max_text_bytes": "40"},
    )
    assert refused.status_code == 400
    assert "a meter takes 1 to 10 devices" in refused.text
    saved = client.post(
        "/han/limits",
        data={"csrf_token": token, "max_devices_per_meter": "1", "max_text_bytes": "40"},
    )
    assert 'value="1" required' in saved.text
    provision(client)
    status, page = provision(client, eui64="00124B0000000009")
    assert status == 400
    assert "this meter already has 1 devices: 1 is its TDSP&#39;s limit" in page
    rep = session(app, "lsp.admin")
    assert "/han/limits" not in rep.get("/han/devices").text
    denied = rep.post(
        "/han/limits",
        data={
            "csrf_token": csrf(rep.get("/han/devices").text),
            "max_devices_per_meter": "9",
            "max_text_bytes": "9",
        },
    )
    assert denied.status_code == 404


def compose(
    client: TestClient, kind: str, addresses: str, **fields: str | list[str]
) -> tuple[int, str]:
    """Send the compose form as a browser does: every group's inputs with their defaults (the
    page's own), the chosen kind, the addresses, and `fields` over them."""
    page = client.get("/han/messages").text
    number = r'<input id="[^"]+" name="([^"]+)" type="number" step="1" value="([^"]*)"'
    form: dict[str, str | list[str]] = dict(re.findall(number, page))
    form |= {
        "csrf_token": csrf(page),
        "kind": kind,
        "duns": A,
        "addresses": addresses,
        "priority": "L",
        "lc-device_class": "1",
        "lc-criticality_level": "3",
        "text-message_control": "0",
    }
    form |= fields
    answer = client.post("/han/messages", data=form, follow_redirects=False)
    if answer.status_code == 303:
        return 303, client.get(answer.headers["location"]).text
    return answer.status_code, answer.text


def compose_error(page: str) -> list[str]:
    return re.findall(r'id="compose-error">([^<]*)<', page)


def request_link(page: str) -> str:
    found = re.search(r'id="ack-request" href="(/han/messages/HAN[0-9A-F]+)"', page)
    assert found is not None, page[-2000:]
    return found.group(1)


def counts(page: str) -> dict[str, int]:
    rows = re.findall(r'data-status="([^"]+)"><td>[^<]+</td><td>(\d+)</td>', page)
    return {status: int(n) for status, n in rows}


def test_a_load_control_event_is_acknowledged_and_followed_to_its_end(
    market: tuple[Hub, FastAPI],
) -> None:
    hub, app = market
    joined_devices(hub, [esiid(1), esiid(2), esiid(3)])
    client = session(app, "lsp.admin")
    assert "/han/messages" in client.get("/").text
    addresses = f"{esiid(1)}\n\n{esiid(2)}/{meter_number(2)}\n{esiid(3)}\n{esiid(1)}/WRONG\n"
    status, page = compose(
        client,
        "load-control",
        addresses,
        **{"lc-issuer_event_id": "5001", "lc-duration_minutes": "30", "lc-duty_cycle": "50"},
    )
    assert status == 303, compose_error(page)
    text = text_of(page)
    assert "Accepted addresses: 2" in text
    assert f"{esiid(3)}</td><td>not an ESIID you serve today" in text
    assert f"{esiid(1)}/WRONG</td><td>the meter number is not this ESIID's meter in service" in text
    link = request_link(page)
    assert f'href="{link}"' in page.split("Sent messages", 1)[1], "listed in the log"
    request_page = client.get(link).text
    assert counts(request_page) == {"started (0x02)": 2}
    assert 'data-final="0" data-total="2"' in request_page
    assert "2026-11-27 12:00:00 CST" in request_page, "times in Central"
    assert isinstance(hub.clock, FixedClock)
    hub.clock.set(NOW + timedelta(minutes=31))
    client = session(app, "lsp.admin")  # the session idled out meanwhile
    ended = client.get(link).text
    assert counts(ended) == {"completed (0x03)": 2}
    assert 'data-final="2" data-total="2"' in ended
    [history] = re.findall(r'href="(/han/messages/HAN[0-9A-F]+/deliveries/\d+)"', ended)[:1]
    events = client.get(history).text
    assert re.findall(r"<td>([a-z]+ \(0x0\d\))</td>", events) == [
        "received (0x01)",
        "started (0x02)",
        "completed (0x03)",
    ]


def test_a_text_is_confirmed_by_the_customer(market: tuple[Hub, FastAPI]) -> None:
    hub, app = market
    joined_devices(hub, [esiid(1)])
    client = session(app, "lsp.admin")
    status, page = compose(
        client,
        "text",
        esiid(1),
        **{
            "text-message_id": "77",
            "text-message": "Peak prices 3-7 pm: ¡ahorre!",
            "text-message_control": ["4", "128"],  # medium importance, confirmation required
        },
    )
    assert status == 303
    link = request_link(page)
    assert counts(client.get(link).text) == {"displayed": 1}
    assert isinstance(hub.clock, FixedClock)
    hub.clock.set(NOW + timedelta(minutes=15))
    done = session(app, "lsp.admin").get(link).text
    assert counts(done) == {"confirmed": 1}
    assert "message_control</th><td>132" in done


@pytest.mark.parametrize(
    ("fields", "message", "marked"),
    [
        (
            {"lc-start_time": "2027-11-07T01:30"},
            "start_time: 2027-11-07T01:30 happens twice in Central time",
            "lc-start_time",
        ),
        (
            {"lc-start_time": "2027-03-14T02:30", "lc-start_time-offset": "-05:00"},
            "is not a Central time",
            "lc-start_time",
        ),
        (
            {"lc-criticality_level": "16"},
            "criticality_level must be between 1 and 15",
            "lc-criticality_level",
        ),
        (
            {"lc-duty_cycle": "101"},
            "duty_cycle must be between 0 and 100, or 255 for unused",
            "lc-duty_cycle",
        ),
        ({"lc-device_class": ""}, "device_class is required", "lc-device_class"),
        ({"duns": B}, "the requester authentication id is not a DUNS of yours", ""),
    ],
)
def test_refusals_name_the_field_and_keep_the_form(
    sqlite_market: tuple[Hub, FastAPI], fields: dict[str, str], message: str, marked: str
) -> None:
    hub, app = sqlite_market
    joined_devices(hub, [esiid(1)])
    client = session(app, "lsp.admin")
    status, page = compose(client, "load-control", esiid(1), **fields)
    assert status == 400
    assert message in text_of(page)
    assert esiid(1) in page.split('id="addresses"', 1)[1], "the addresses are kept"
    if marked:
        as_input = rf'name="{marked}"[^>]*aria-invalid="true"'
        as_group = (
            r'<fieldset aria-invalid="true"[^>]*>\s*<legend>[^<]+</legend>\s*'
            rf'<label><input type="checkbox" name="{marked}"'
        )
        assert re.search(as_input, page) or re.search(as_group, page)
    with hub.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(han_request)).scalar_one() == 0


def test_the_ambiguous_hour_is_sent_with_its_offset(sqlite_market: tuple[Hub, FastAPI]) -> None:
    hub, app = sqlite_market
    joined_devices(hub, [esiid(1)])
    client = session(app, "lsp.admin")
    status, page = compose(
        client,
        "load-control",
        esiid(1),
        **{"lc-start_time": "2027-11-07T01:30", "lc-start_time-offset": "-06:00"},
    )
    assert status == 303
    fields = client.get(request_link(page)).text
    assert "start_time</th><td>2027-11-07 01:30:00 CST" in fields


def test_nothing_accepted_is_answered_with_the_form_kept(
    sqlite_market: tuple[Hub, FastAPI],
) -> None:
    _, app = sqlite_market
    client = session(app, "lsp.admin")
    status, page = compose(client, "cancel-all-load-control", f"{esiid(3)}\n{esiid(1)}")
    assert status == 200
    text = text_of(page)
    assert "No address was accepted: nothing was sent" in text
    assert f"{esiid(1)}</td><td>no joined device there takes load-control messages" in text
    assert "Refused addresses: 2" in text
    assert "No messages sent yet." in text


def test_another_reps_request_is_not_found(market: tuple[Hub, FastAPI]) -> None:
    hub, app = market
    joined_devices(hub, [esiid(1)])
    mine = session(app, "lsp.admin")
    _, page = compose(mine, "load-control", esiid(1))
    link = request_link(page)
    delivery = re.findall(
        r'href="(/han/messages/HAN[0-9A-F]+/deliveries/\d+)"', mine.get(link).text
    )
    other = session(app, "bb.admin")
    made_up = other.get("/han/messages/HAN000000000000000000000000")
    for path in (link, delivery[0]):
        theirs = other.get(path)
        assert theirs.status_code == made_up.status_code == 404
        assert theirs.text == made_up.text
    assert link not in other.get("/han/messages").text
    assert link not in other.get(f"/han/messages?sent={link.rsplit('/', 1)[1]}").text


def test_only_reps_compose_and_strangers_log_in_first(market: tuple[Hub, FastAPI]) -> None:
    _, app = market
    anonymous = TestClient(app, base_url="https://portal.test")
    assert anonymous.get("/han/devices", follow_redirects=False).headers["location"] == "/login"
    assert anonymous.get("/han/messages/HAN00", follow_redirects=False).status_code == 404
    oncor = session(app, "oncor.admin")
    assert oncor.get("/han/messages").status_code == 404
    token = csrf(oncor.get("/han/devices").text)
    assert oncor.post("/han/messages", data={"csrf_token": token}).status_code == 404


def test_every_form_needs_its_csrf_token(market: tuple[Hub, FastAPI]) -> None:
    hub, app = market
    joined_devices(hub, [esiid(1)])
    client = session(app, "lsp.admin")
    status, _ = provision(client, csrf_token="forged")
    assert status == 403
    status, _ = compose(client, "load-control", esiid(1), csrf_token="forged")
    assert status == 403
    with hub.engine.connect() as conn:
        [device_id] = conn.execute(select(han_device.c.id)).scalars().all()
        assert conn.execute(select(func.count()).select_from(han_request)).scalar_one() == 0
    gone = client.post(f"/han/devices/{device_id}/deprovision", data={"csrf_token": "forged"})
    assert gone.status_code == 403
    assert device_rows(client.get(f"/han/devices?esiid={esiid(1)}").text) == {
        f"00124B{1:010X}": "joined"
    }
    oncor = session(app, "oncor.admin")
    limits = oncor.post(
        "/han/limits",
        data={"csrf_token": "forged", "max_devices_per_meter": "1", "max_text_bytes": "9"},
    )
    assert limits.status_code == 403


def test_a_large_request_is_paged(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock, inbox: Path
) -> None:
    hub = make_hub("sqlite", tmp_path, clock, request, **INSTANT)
    esiids = seed_han_market(hub, inbox, meters=251)[:250]
    joined_devices(hub, esiids)
    client = session(create_app(hub), "lsp.admin")
    status, page = compose(client, "load-control", "\n".join(esiids))
    assert status == 303 and "Accepted addresses: 250" in page
    link = request_link(page)
    first = client.get(link).text
    assert first.count('data-final="no"') == 200
    assert "Page 1 of 2" in first and 'href="?page=2"' in first
    second = client.get(f"{link}?page=2").text
    assert second.count('data-final="no"') == 50
    assert "Deliveries 201 to 250 of 250" in second
    hub.close()


def test_the_pages_speak_spanish(sqlite_market: tuple[Hub, FastAPI]) -> None:
    hub, app = sqlite_market
    joined_devices(hub, [esiid(1)])
    client = session(app, "lsp.admin")
    client.post("/language", data={"language": "es", "csrf_token": csrf(client.get("/").text)})
    status, page = compose(client, "load-control", esiid(1))
    assert status == 303
    assert "Mensaje recibido" in page and "Direcciones aceptadas: 1" in page
    assert "Redactar un mensaje" in page and "Evento de control de carga" in page
    assert "Entregas por estado" in client.get(request_link(page)).text
    devices = client.get(f"/han/devices?esiid={esiid(1)}").text
    assert "Agregar un dispositivo" in devices and "Conectado" in devices
