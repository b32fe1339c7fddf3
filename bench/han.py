"""HAN benchmark: a 10,000-address load-control event sent through the JSON API to a hub served
by `smt serve` (SQLite, its own job queue), three times from the same seeded state:

1. the simulated head-ends at zero latency: the time to the synchronous acknowledgement, and
   until every address is final;
2. a head-end that accepts everything at once and reports nothing: the same request, until
   every delivery has been handed to it (the fan-out's floor);
3. the hub killed (SIGKILL) in the middle of the fan-out and started again: every delivery
   must end final, each sent exactly once.

Prints the figures, the ratio of (1) to (2), and one line per bar.

    .venv/bin/python bench/han.py [--addresses 10000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ACK_LIMIT_S = 1.0
FINAL_LIMIT_S = 10.0
PASSWORD = "Bench-Password-2026"  # noqa: S105 - a scratch database, thrown away
DUNS = "111111111"
INSTANT = {
    "SMT_HAN_LATENCY_SECONDS": "[0, 0]",
    "SMT_HAN_SLEEPING_SHARE": "0",
    "SMT_HAN_UNREACHABLE_SHARE": "0",
    "SMT_HAN_OPT_OUT_SHARE": "0",
    "SMT_HAN_CONFIRM_SHARE": "1",
    "SMT_HAN_JOIN_FAILURE_SHARE": "0",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--addresses", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        seeded = Path(scratch) / "seeded"
        started = time.perf_counter()
        esiids = seed(seeded, args.addresses)
        print(
            f"seeded {len(esiids)} ESIIDs with a joined thermostat each in "
            f"{time.perf_counter() - started:.1f} s"
        )
        simulated = run(Path(scratch) / "simulated", seeded, esiids, INSTANT, until="final")
        silent = run(
            Path(scratch) / "silent", seeded, esiids, {"SMT_HAN_HEADEND": "silent"}, until="sent"
        )
        restart = run_with_restart(Path(scratch) / "restart", seeded, esiids)
    ratio = simulated["done_s"] / silent["done_s"]
    print(
        f"simulated, zero latency: acknowledged in {simulated['ack_s']:.3f} s, "
        f"every address final in {simulated['done_s']:.2f} s"
    )
    print(
        f"silent head-end:         acknowledged in {silent['ack_s']:.3f} s, "
        f"every delivery handed over in {silent['done_s']:.2f} s"
    )
    print(f"ratio final / handed over: {ratio:.2f}")
    print(
        f"restart: killed after {restart['claimed_at_kill']} of {len(esiids)} deliveries were "
        f"handed over; after the restart {restart['final']} final, "
        f"{restart['sent_twice']} sent twice, {restart['never_sent']} never sent"
    )
    lost = restart["never_sent"] + restart["sent_twice"] + (len(esiids) - restart["final"])
    bars = [
        ("han_ack_seconds", simulated["ack_s"], ACK_LIMIT_S, simulated["ack_s"] < ACK_LIMIT_S),
        (
            "han_final_seconds",
            simulated["done_s"],
            FINAL_LIMIT_S,
            simulated["done_s"] <= FINAL_LIMIT_S,
        ),
        ("han_restart_lost_or_twice", float(lost), 0.0, lost == 0),
    ]
    ok = True
    for name, measured, limit, passed in bars:
        ok &= passed
        print(f"bar {name}: {measured:.3f} (limit {limit:g}) {'PASS' if passed else 'FAIL'}")
    return 0 if ok else 1


def seed(data_dir: Path, count: int) -> list[str]:
    from sqlalchemy import insert  # noqa: PLC0415

    from smt.accounts.profiles import CompanyProfile, Person  # noqa: PLC0415
    from smt.composition import build_hub, initialise  # noqa: PLC0415
    from smt.config import Settings  # noqa: PLC0415
    from smt.domain.tdsp import tdsp_by_code  # noqa: PLC0415
    from smt.formats.file_names import InboundKind, InboundName  # noqa: PLC0415
    from smt.formats.tdsp_csv import write_tdsp_csv  # noqa: PLC0415
    from smt.store.han_tables import han_device  # noqa: PLC0415

    hub = build_hub(Settings(data_dir=data_dir))  # type: ignore[call-arg]
    initialise(hub)
    now = datetime.now(UTC)
    oncor = tdsp_by_code("ONCOR")
    esiids = [f"10443720{n:09d}" for n in range(1, count + 1)]
    inbox = data_dir / "seed-files"
    inbox.mkdir()
    files = {
        InboundKind.METER_FULL: [
            [e, f"M{n:07d}", "L+G", "FOCUS AXe", "RES", "1", "C", "15", "SE1.0", "20200101", ""]
            for n, e in enumerate(esiids, start=1)
        ],
        InboundKind.ROR_FULL: [[e, DUNS, "20240301"] for e in esiids],
    }
    for counter, (kind, rows) in enumerate(files.items(), start=1):
        name = InboundName(oncor.duns, kind, now - timedelta(hours=3 - counter), counter)
        path = inbox / name.render()
        with path.open("w", encoding="utf-8", newline="") as out:
            write_tdsp_csv(out, kind, rows)
        hub.ingester.ingest(path)
    with hub.engine.begin() as conn:
        hub.accounts.add_rep(
            conn,
            now=now,
            profile=CompanyProfile("Bench Power"),
            duns=[DUNS],
            user_id="bench.rep",
            person=Person("Ben", "Chmark", "b@example.com"),
            password=PASSWORD,
        )
        conn.execute(
            insert(han_device),
            [
                {
                    "esiid": e,
                    "meter_number": f"M{n:07d}",
                    "tdsp": "ONCOR",
                    "eui64": f"00124B{n:010X}",
                    "device_type": "thermostat",
                    "state": "joined",
                    "state_reason": "",
                    "outcome_reason": "",
                    "requested_by": "bench.rep",
                    "requested_at": now - timedelta(days=1),
                    "updated_at": now - timedelta(days=1),
                }
                for n, e in enumerate(esiids, start=1)
            ],
        )
    hub.close()
    return esiids


def start(data_dir: Path, port: int, extra: dict[str, str]) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMT_")} | extra
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "smt.cli",
            "--data-dir",
            str(data_dir),
            "serve",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("smt serve did not start")


def send(base: str, esiids: list[str], issuer: int) -> tuple[httpx.Client, str, float]:
    client = httpx.Client(base_url=base, timeout=60)
    token = client.post("/api/v1/token", json={"username": "bench.rep", "password": PASSWORD})
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    body = {
        "kind": "load-control",
        "duns": DUNS,
        "fields": {
            "issuer_event_id": issuer,
            "device_class": 1,
            "start_time": "now",
            "duration_minutes": 1,
            "criticality_level": 3,
            "duty_cycle": 50,
        },
        "addresses": [{"esiid": e} for e in esiids],
    }
    started = time.perf_counter()
    answer = client.post("/api/v1/han/messages", json=body)
    elapsed = time.perf_counter() - started
    ack = answer.json()
    if answer.status_code != 200 or len(ack["accepted"]) != len(esiids):
        raise RuntimeError(f"not acknowledged: {answer.status_code} {answer.text[:300]}")
    return client, ack["request_id"], elapsed


def progress(data_dir: Path, request_id: str) -> tuple[int, int]:
    """(deliveries handed over, deliveries with a final event), read from the database file
    directly so that watching costs the server nothing."""
    with sqlite3.connect(data_dir / "smt.db", timeout=30) as db:
        (rid,) = db.execute(
            "SELECT id FROM han_request WHERE request_id = ?", (request_id,)
        ).fetchone()
        claimed = db.execute(
            "SELECT count(*) FROM han_delivery WHERE request_id = ? AND claim IS NOT NULL", (rid,)
        ).fetchone()[0]
        final = db.execute(
            "SELECT sum(e.final) FROM han_delivery_event e "
            "JOIN han_delivery d ON d.id = e.delivery_id WHERE d.request_id = ?",
            (rid,),
        ).fetchone()[0]
    return claimed, int(final or 0)


def run(
    folder: Path, seeded: Path, esiids: list[str], extra: dict[str, str], *, until: str
) -> dict[str, Any]:
    shutil.copytree(seeded, folder)
    port = free_port()
    server = start(folder, port, extra)
    try:
        client, request_id, ack = send(f"http://127.0.0.1:{port}", esiids, 1001)
        started = time.perf_counter() - ack
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            claimed, final = progress(folder, request_id)
            if (final if until == "final" else claimed) >= len(esiids):
                break
            time.sleep(0.02)
        done = time.perf_counter() - started
        client.close()
        return {"ack_s": ack, "done_s": done}
    finally:
        server.terminate()
        server.wait(timeout=30)


def run_with_restart(folder: Path, seeded: Path, esiids: list[str]) -> dict[str, int]:
    shutil.copytree(seeded, folder)
    port = free_port()
    # Small chunks: the fan-out takes long enough to be interrupted.
    extra = INSTANT | {"SMT_HAN_DISPATCH_CHUNK": "50"}
    server = start(folder, port, extra)
    client, request_id, _ = send(f"http://127.0.0.1:{port}", esiids, 2001)
    client.close()
    while True:
        claimed, _ = progress(folder, request_id)
        if claimed > 0:
            break
        time.sleep(0.005)
    server.send_signal(signal.SIGKILL)
    server.wait()
    claimed_at_kill = progress(folder, request_id)[0]
    server = start(folder, port, extra)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            _, final = progress(folder, request_id)
            if final >= len(esiids):
                break
            time.sleep(0.05)
    finally:
        server.terminate()
        server.wait(timeout=30)
    with sqlite3.connect(folder / "smt.db") as db:
        (rid,) = db.execute(
            "SELECT id FROM han_request WHERE request_id = ?", (request_id,)
        ).fetchone()
        per_delivery = dict(
            db.execute(
                "SELECT d.id, sum(e.status = 'sent') FROM han_delivery d "
                "LEFT JOIN han_delivery_event e ON e.delivery_id = d.id "
                "WHERE d.request_id = ? GROUP BY d.id",
                (rid,),
            ).fetchall()
        )
    return {
        "claimed_at_kill": claimed_at_kill,
        "final": final,
        "sent_twice": sum(1 for n in per_delivery.values() if (n or 0) > 1),
        "never_sent": sum(1 for n in per_delivery.values() if not n),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    sys.exit(main())
