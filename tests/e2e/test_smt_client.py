"""The real `smart-meter-texas` client (the library Home Assistant uses), unmodified, against
`smt serve` over real TLS: it believes it talks to www.smartmetertexas.com, because its resolver
sends that name to our server and our certificate for that name chains to a CA it was given."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import smart_meter_texas as smt_client
import trustme
from aiohttp import ClientSession, TCPConnector
from aiohttp.abc import AbstractResolver
from smart_meter_texas.exceptions import SmartMeterTexasAuthError, SmartMeterTexasRateLimitError

from smt.accounts.profiles import Person
from smt.composition import build_hub, initialise
from smt.config import Settings
from smt.domain.central_time import today_in_central
from smt.formats.file_names import InboundKind

from builders import ESIID, day_record, write_csv_file, write_lse_file

PASSWORD = "Correct-Horse-42"
SMT_HOST = "www.smartmetertexas.com"


class ToOurServer(AbstractResolver):
    """A resolver that answers every name with our server (and its port)."""

    def __init__(self, port: int) -> None:
        self._port = port

    async def resolve(
        self,
        host: str,
        port: int = 0,  # noqa: ARG002 - the interface's; our server has its own
        family: socket.AddressFamily = socket.AF_INET,  # noqa: ARG002
    ) -> list[dict[str, Any]]:
        return [
            {
                "hostname": host,
                "host": "127.0.0.1",
                "port": self._port,
                "family": socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, bytes, list[int]]]:
    folder = tmp_path_factory.mktemp("smt")
    data, inbox = folder / "var", folder / "in"
    inbox.mkdir()
    hub = build_hub(Settings(data_dir=data))
    initialise(hub)
    now = datetime.now(UTC)
    # The client asks for "yesterday" by the test machine's calendar: load the last days.
    days = [today_in_central(now) - timedelta(days=n) for n in (1, 2, 3)]
    record = day_record(day=days[0], revised_at=now - timedelta(hours=1))
    hub.ingester.ingest(
        write_csv_file(
            inbox,
            InboundKind.METER_FULL,
            [
                [
                    ESIID,
                    "123456789",
                    "Itron",
                    "OpenWay",
                    "RES",
                    "1",
                    "C",
                    "15",
                    "SE1.0",
                    "20200101",
                    "",
                ]
            ],
            created=now - timedelta(hours=2),
        )
    )
    hub.ingester.ingest(
        write_lse_file(
            inbox,
            [day_record(day=d, revised_at=now - timedelta(hours=1)) for d in days],
            created=now - timedelta(minutes=30),
        )
    )
    with hub.engine.begin() as conn:
        hub.customers.add_customer(
            conn,
            now=now,
            user_id="maria.h",
            person=Person("Maria", "H", "m@example.com"),
            password=PASSWORD,
            esiids=[(ESIID, days[-1])],
        )
        hub.customers.add_customer(
            conn,
            now=now,
            user_id="guesser.g",
            person=Person("Gus", "G", "g@example.com"),
            password=PASSWORD,
            esiids=[],
        )
    hub.close()

    ca = trustme.CA()
    leaf = ca.issue_cert(SMT_HOST)
    cert, key = folder / "cert.pem", folder / "key.pem"
    leaf.private_key_and_cert_chain_pem.write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMT_")}
    # Meters that answer in a second or two and never fail, so the client's one poll sees it.
    env |= {"SMT_HEADEND_DELAY_SECONDS": "[1, 2]", "SMT_HEADEND_FAILURE_SHARE": "0"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "smt.cli",
            "--data-dir",
            str(data),
            "serve",
            "--port",
            str(port),
            "--tls-cert",
            str(cert),
            "--tls-key",
            str(key),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"https://127.0.0.1:{port}/healthz", verify=False, timeout=1)  # noqa: S501
            break
        except httpx.TransportError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("smt serve --tls-cert did not start")
            time.sleep(0.2)
    yield port, ca.cert_pem.bytes(), list(record.values_wh)
    process.terminate()
    process.wait(timeout=10)


async def _session(port: int) -> ClientSession:
    return ClientSession(connector=TCPConnector(resolver=ToOurServer(port)))


def test_the_real_client_reads_meters_and_intervals(server: tuple[int, bytes, list[int]]) -> None:
    port, ca_pem, values = server

    async def run() -> tuple[list[Any], list[list[str]]]:
        async with await _session(port) as session:
            context = smt_client.ClientSSLContext().create_ssl_context(ca_pem.decode())
            account = smt_client.Account("maria.h", PASSWORD)
            client = smt_client.Client(session, account, context)
            meters = await account.fetch_meters(client)
            await meters[0].get_15min(client, prevdays=1)
            return meters, meters[0].read_15min_consumption

    meters, consumption = asyncio.run(run())
    assert [(m.esiid, m.meter) for m in meters] == [(ESIID, "123456789")]
    assert len(consumption) == len(values)
    assert consumption[0][0].endswith(" 0:00")
    assert [float(kwh) for _, kwh in consumption] == [v / 1000 for v in values]


def test_the_real_client_sees_bad_credentials_then_the_lockout(
    server: tuple[int, bytes, list[int]],
) -> None:
    port, ca_pem, _ = server

    async def attempt() -> type[Exception]:
        async with await _session(port) as session:
            context = smt_client.ClientSSLContext().create_ssl_context(ca_pem.decode())
            account = smt_client.Account("guesser.g", "Wrong-Horse-00")
            try:
                await account.fetch_meters(smt_client.Client(session, account, context))
            except (SmartMeterTexasAuthError, SmartMeterTexasRateLimitError) as error:
                return type(error)
        return type(None)  # type: ignore[return-value]

    outcomes = [asyncio.run(attempt()) for _ in range(6)]
    assert outcomes[:4] == [SmartMeterTexasAuthError] * 4
    assert outcomes[4:] == [SmartMeterTexasRateLimitError] * 2


def test_the_real_client_reads_the_meter_on_demand(server: tuple[int, bytes, list[int]]) -> None:
    """Home Assistant's path: latest read, request, poll every 15 s until COMPLETED."""
    port, ca_pem, _ = server

    async def run() -> tuple[float, datetime]:
        async with await _session(port) as session:
            context = smt_client.ClientSSLContext().create_ssl_context(ca_pem.decode())
            account = smt_client.Account("maria.h", PASSWORD)
            client = smt_client.Client(session, account, context)
            meter = (await account.fetch_meters(client))[0]
            await meter.read_meter(client)
            return meter.reading, meter.reading_datetime

    reading, when = asyncio.run(run())
    assert reading > 1000.0, "the register from the stored reads plus today's use"
    assert abs((datetime.now(UTC) - when).total_seconds()) < 120
