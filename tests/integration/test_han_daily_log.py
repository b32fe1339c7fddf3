"""The daily HAN log file: after Central midnight, the day's requests of each DUNS, delivery by
delivery and refusal by refusal, in its company's `han` folder, encrypted to its key; written
once whichever runner gets there first."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from file_market import LSP_DUNS, seed_file_market
from han_market import esiid, joined_devices, seed_han_market
from smt.clock import FixedClock
from smt.composition import Hub
from smt.files.delivery import owe
from smt.han.daily_log import HanDailyLog
from smt.han.messaging import MessageRequest
from smt.han.model import Address, MessageKind

from builders import NOW
from conftest import make_hub

INSTANT = {
    "han_latency_seconds": (0.0, 0.0),
    "han_sleeping_share": 0.0,
    "han_unreachable_share": 0.0,
    "han_opt_out_share": 0.0,
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def instant_hub(request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock) -> Iterator[Hub]:
    made = make_hub(request.param, tmp_path, clock, request, **INSTANT)
    yield made
    made.close()


def test_yesterdays_log_lands_encrypted_in_the_han_folder(
    instant_hub: Hub, inbox: Path, tmp_path: Path
) -> None:
    hub = instant_hub
    market = seed_file_market(hub, tmp_path)
    esiids = seed_han_market(hub, inbox, meters=3, accounts=False)
    joined_devices(hub, esiids)
    with hub.engine.connect() as conn:
        rep = hub.accounts.principal(conn, "lsp.admin")
    assert rep is not None
    fields = {
        "issuer_event_id": 42,
        "device_class": 1,
        "start_time": 0,
        "duration_minutes": 30,
        "criticality_level": 2,
    }
    addresses = [Address(esiid(1)), Address(esiid(2)), Address(esiid(3))]
    ack = hub.han.send(
        hub.engine,
        rep,
        MessageRequest(MessageKind.LOAD_CONTROL, LSP_DUNS, fields, addresses),
        now=NOW,
    )
    assert len(ack.accepted) == 2 and len(ack.refused) == 1, "the third is Bluebonnet's"
    logs = HanDailyLog(
        hub.engine,
        hub.clock,
        hub.settings.data_dir,
        lambda conn, company, folder, name, source, now: owe(
            conn, company, folder, name, source, now=now
        ),
    )
    assert isinstance(hub.clock, FixedClock)
    logs.tick()  # noon of the same day: nothing is due
    assert hub.files.courier.run(market.lsp) == 0
    hub.clock.set(NOW + timedelta(hours=12, minutes=31))  # 00:31 Central the next day
    logs.tick()
    logs.tick()  # a second runner, or the next minute: written once
    assert hub.files.courier.run(market.lsp) == 1
    name = f"HanMessageLog_{LSP_DUNS}_20261127.csv.asc"
    delivered = hub.settings.mailbox_dir / f"company-{market.lsp}" / "han" / name
    clear, _signer = market.ring.decrypt(delivered.read_bytes())
    rows = list(csv.DictReader(io.StringIO(clear.decode())))
    assert [(r["ESIID"] or r["ADDRESS"], r["STATUS"]) for r in rows] == [
        (esiid(1), "completed (0x03)"),
        (esiid(2), "completed (0x03)"),
        (esiid(3), "refused"),
    ]
    assert {r["REQUEST_ID"] for r in rows} == {ack.request_id}
    assert rows[2]["DETAIL"] == "not an ESIID you serve today"
