"""HAN through its services, on SQLite and PostgreSQL: provisioning by install code under the
TDSP's limits, messages acknowledged per address, fanned out to the simulated head-end, every
delivery reaching a final state, cancellations, and the REP of Record rule."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from han_market import INSTALL_CODE, A, B, joined_devices, meter_number, seed_han_market
from smt.access.policy import Principal
from smt.clock import FixedClock
from smt.composition import Hub
from smt.formats.file_names import InboundKind
from smt.han import log
from smt.han.devices import NOT_FOUND, DeviceOrder
from smt.han.messaging import NOT_YOURS, MessageRequest
from smt.han.model import Address, DeviceState, DeviceType, HanLimits, HanRefusal, MessageKind
from smt.han.utc_time import to_utc_time
from smt.store.han_tables import han_device

from builders import NOW, write_csv_file
from conftest import make_hub

INSTANT = {
    "han_latency_seconds": (0.0, 0.0),
    "han_sleeping_share": 0.0,
    "han_unreachable_share": 0.0,
    "han_opt_out_share": 0.0,
    "han_confirm_share": 1.0,
    "han_join_failure_share": 0.0,
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def han_hub(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock, inbox: Path
) -> Iterator[tuple[Hub, list[str]]]:
    made = make_hub(request.param, tmp_path, clock, request, **INSTANT)
    esiids = seed_han_market(made, inbox, meters=8)
    yield made, esiids
    made.close()


def who(hub: Hub, user_id: str) -> Principal:
    with hub.engine.connect() as conn:
        principal = hub.accounts.principal(conn, user_id)
    assert principal is not None
    return principal


def provision(hub: Hub, user: str, esiid: str, n: int, **change: str) -> Any:
    order = {
        "esiid": esiid,
        "meter_number": meter_number(int(esiid[-9:])),
        "eui64": f"00124B00{n:08X}",
        "install_code": INSTALL_CODE,
        "device_type": DeviceType.THERMOSTAT.value,
    } | change
    with hub.engine.begin() as conn:
        return hub.han.devices.provision(conn, who(hub, user), DeviceOrder(**order), now=NOW)


def test_a_rep_provisions_a_device_that_joins_minutes_later(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock, inbox: Path
) -> None:
    hub = make_hub("sqlite", tmp_path, clock, request, han_join_failure_share=0.0)
    esiids = seed_han_market(hub, inbox)
    device = provision(hub, "lsp.admin", esiids[0], 1)
    assert device.state is DeviceState.REQUESTED
    assert device.changes_at is not None and device.changes_at > NOW
    with hub.engine.connect() as conn:
        later = hub.han.devices.device(
            conn, who(hub, "lsp.admin"), device.id, now=device.changes_at
        )
        stored = conn.execute(select(han_device)).one()._asdict()
    assert later is not None
    assert (later.state, later.changes_at) == (DeviceState.JOINED, None)
    secret = {INSTALL_CODE.lower(), "66b6900981e1ee3ca4206b6b861c02bb"}
    assert not any(str(v).lower() in secret for v in stored.values()), "no code, no key"
    hub.close()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"install_code": INSTALL_CODE[:-1] + "6"}, "CRC does not match"),
        ({"install_code": "0102"}, "6, 8, 12 or 16 bytes"),
        ({"eui64": "00124B00XYZ"}, "16 hexadecimal digits"),
        ({"device_type": "toaster"}, "the device type is one of"),
        ({"meter_number": "M9999999"}, NOT_FOUND),
    ],
)
def test_bad_provisioning_requests_are_refused_precisely(
    han_hub: tuple[Hub, list[str]], change: dict[str, str], reason: str
) -> None:
    hub, esiids = han_hub
    with pytest.raises(HanRefusal, match=reason):
        provision(hub, "lsp.admin", esiids[0], 1, **change)


def test_another_reps_esiid_looks_like_none(han_hub: tuple[Hub, list[str]]) -> None:
    hub, esiids = han_hub
    with pytest.raises(HanRefusal) as theirs:
        provision(hub, "lsp.admin", esiids[-1], 1)
    with pytest.raises(HanRefusal) as unknown:
        provision(hub, "lsp.admin", "10443720999999999", 1)
    assert str(theirs.value) == str(unknown.value) == NOT_FOUND


def test_a_sixth_device_on_a_five_device_meter_is_refused(
    han_hub: tuple[Hub, list[str]],
) -> None:
    hub, esiids = han_hub
    for n in range(5):
        provision(hub, "lsp.admin", esiids[0], n)
    with pytest.raises(HanRefusal, match="already has 5 devices: 5 is its TDSP's limit"):
        provision(hub, "lsp.admin", esiids[0], 5)
    # the TDSP lowers its limit; the TDSP itself provisions in its territory
    with hub.engine.begin() as conn:
        hub.han.devices.set_limits(conn, who(hub, "oncor.admin"), HanLimits(2, 40), now=NOW)
    provision(hub, "oncor.admin", esiids[1], 10)
    provision(hub, "oncor.admin", esiids[1], 11)
    with pytest.raises(HanRefusal, match="2 is its TDSP's limit"):
        provision(hub, "oncor.admin", esiids[1], 12)
    with hub.engine.begin() as conn, pytest.raises(HanRefusal, match="TDSP's administrator"):
        hub.han.devices.set_limits(conn, who(hub, "lsp.admin"), HanLimits(9, 40), now=NOW)


def test_deprovisioning_frees_the_place(han_hub: tuple[Hub, list[str]]) -> None:
    hub, esiids = han_hub
    with hub.engine.begin() as conn:
        hub.han.devices.set_limits(conn, who(hub, "oncor.admin"), HanLimits(1, 59), now=NOW)
    first = provision(hub, "lsp.admin", esiids[0], 1)
    with pytest.raises(HanRefusal, match="already has 1 devices"):
        provision(hub, "lsp.admin", esiids[0], 2)
    with hub.engine.begin() as conn:
        gone = hub.han.devices.deprovision(conn, who(hub, "lsp.admin"), first.id, now=NOW)
    assert gone.state is DeviceState.REMOVED, "this head-end answers at once"
    assert provision(hub, "lsp.admin", esiids[0], 2).state is DeviceState.JOINED


def lce(issuer: int, **change: int) -> dict[str, int | str]:
    return {
        "issuer_event_id": issuer,
        "device_class": 0x0001,
        "start_time": 0,
        "duration_minutes": 60,
        "criticality_level": 2,
    } | change


def send(hub: Hub, kind: MessageKind, fields: dict[str, Any], addresses: list[Address]) -> Any:
    return hub.han.send(
        hub.engine,
        who(hub, "lsp.admin"),
        MessageRequest(kind, A, fields, addresses),
        now=hub.clock.now(),
    )


def test_a_load_control_event_reaches_every_device_then_completes(
    han_hub: tuple[Hub, list[str]],
) -> None:
    hub, esiids = han_hub
    joined_devices(hub, esiids)
    addresses = [Address(e) for e in esiids] + [Address("10443720999999999"), Address("12")]
    ack = send(hub, MessageKind.LOAD_CONTROL, lce(100), addresses)
    assert ack.accepted == esiids[:-1]
    assert ack.refused == [(a.label, NOT_YOURS) for a in [Address(esiids[-1]), *addresses[-2:]]]
    with hub.engine.connect() as conn:
        now = log.request(conn, who(hub, "lsp.admin"), ack.request_id, now=NOW)
        later = log.request(
            conn, who(hub, "lsp.admin"), ack.request_id, now=NOW + timedelta(hours=2)
        )
        theirs = log.request(conn, who(hub, "bb.admin"), ack.request_id, now=NOW)
    assert now is not None and later is not None
    assert now.counts == {"started (0x02)": 7}
    assert later.counts == {"completed (0x03)": 7}
    assert later.final == 7
    assert theirs is None, "another REP's request is not in its log"


def test_a_cancellation_ends_the_event_on_every_device(han_hub: tuple[Hub, list[str]]) -> None:
    hub, esiids = han_hub
    joined_devices(hub, esiids)
    later = to_utc_time(NOW + timedelta(hours=1))
    event = send(
        hub,
        MessageKind.LOAD_CONTROL,
        lce(200, start_time=later, duration_minutes=240),
        [Address(e) for e in esiids[:3]],
    )
    cancel = send(
        hub,
        MessageKind.CANCEL_LOAD_CONTROL,
        {"issuer_event_id": 200, "device_class": 0x0001},
        [Address(e) for e in esiids[:2]],
    )
    with hub.engine.connect() as conn:
        ended = log.request(
            conn, who(hub, "lsp.admin"), event.request_id, now=NOW + timedelta(days=1)
        )
        cancelled = log.request(conn, who(hub, "lsp.admin"), cancel.request_id, now=NOW)
    assert ended is not None and cancelled is not None
    assert sorted(d.status for d in ended.deliveries) == [
        "cancelled (0x06)",
        "cancelled (0x06)",
        "completed (0x03)",
    ]
    assert cancelled.counts == {"delivered": 2}


@pytest.mark.parametrize(
    ("kind", "fields", "reason"),
    [
        (MessageKind.LOAD_CONTROL, lce(1, criticality_level=16), "criticality_level must be"),
        (MessageKind.LOAD_CONTROL, lce(1, duty_cycle=120), "duty_cycle must be between 0 and 100"),
        (
            MessageKind.TEXT,
            {
                "message_id": 1,
                "message_control": 0,
                "start_time": 0,
                "duration_minutes": 60,
                "message": "x" * 300,
            },
            "message is 300 bytes of UTF-8; at most 59",
        ),
        (
            MessageKind.CANCEL_LOAD_CONTROL,
            {"issuer_event_id": 77, "device_class": 1},
            "no load-control 77 was sent",
        ),
    ],
)
def test_bad_messages_are_refused_whole(
    han_hub: tuple[Hub, list[str]], kind: MessageKind, fields: dict[str, Any], reason: str
) -> None:
    hub, esiids = han_hub
    joined_devices(hub, esiids)
    with pytest.raises(HanRefusal, match=reason):
        send(hub, kind, fields, [Address(esiids[0])])


def test_limits_on_addresses_and_issuer_ids(han_hub: tuple[Hub, list[str]]) -> None:
    hub, esiids = han_hub
    joined_devices(hub, esiids)
    with pytest.raises(HanRefusal, match="at most 10000 addresses a message; this has 10001"):
        send(hub, MessageKind.LOAD_CONTROL, lce(1), [Address(esiids[0])] * 10_001)
    send(hub, MessageKind.LOAD_CONTROL, lce(500), [Address(esiids[0])])
    with pytest.raises(HanRefusal, match="must be greater than 500"):
        send(hub, MessageKind.LOAD_CONTROL, lce(500), [Address(esiids[0])])


def test_a_switch_makes_the_old_reps_next_message_refused(
    han_hub: tuple[Hub, list[str]], inbox: Path
) -> None:
    hub, esiids = han_hub
    joined_devices(hub, esiids)
    assert send(hub, MessageKind.LOAD_CONTROL, lce(1), [Address(esiids[0])]).accepted
    switch_day = (NOW - timedelta(days=1)).strftime("%Y%m%d")
    hub.ingester.ingest(
        write_csv_file(inbox, InboundKind.ROR_INCREMENTAL, [[esiids[0], B, "SWITCH", switch_day]])
    )
    ack = send(hub, MessageKind.LOAD_CONTROL, lce(2), [Address(esiids[0])])
    assert (ack.accepted, ack.refused) == ([], [(esiids[0], NOT_YOURS)])


def test_a_text_with_confirmation_and_the_tdsps_text_limit(han_hub: tuple[Hub, list[str]]) -> None:
    hub, esiids = han_hub
    joined_devices(hub, esiids, DeviceType.IN_HOME_DISPLAY)
    text = {"message_id": 9, "message_control": 0x88, "start_time": 0, "duration_minutes": 60}
    ack = send(
        hub, MessageKind.TEXT, text | {"message": "Ahorro de energía hoy"}, [Address(esiids[0])]
    )
    with hub.engine.connect() as conn:
        view = log.request(
            conn, who(hub, "lsp.admin"), ack.request_id, now=NOW + timedelta(hours=1)
        )
    assert view is not None and view.counts == {"confirmed": 1}
    with hub.engine.begin() as conn:
        hub.han.devices.set_limits(conn, who(hub, "oncor.admin"), HanLimits(5, 20), now=NOW)
    short = send(
        hub,
        MessageKind.TEXT,
        text | {"message_id": 10, "message": "Ahorro de energía hoy"},
        [Address(esiids[0])],
    )
    assert short.refused == [(esiids[0], "the text is 22 bytes; Oncor Electric Delivery takes 20")]
    price = send(hub, MessageKind.LOAD_CONTROL, lce(3), [Address(esiids[0])])
    assert price.refused == [(esiids[0], "no joined device there takes load-control messages")]
