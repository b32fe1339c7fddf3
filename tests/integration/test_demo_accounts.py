"""`smt demo` gives logins of every role over the simulated market, and they work."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from smt.composition import Hub
from smt.demo import ensure_demo_accounts
from smt.ingest.pipeline import inbound_order
from smt.simulator import SimulationConfig, simulate
from smt.web.app import create_app

from builders import NOW


def test_demo_logins_for_every_role(sqlite_hub: Hub, tmp_path: Path) -> None:
    files = tmp_path / "files"
    simulate(SimulationConfig(meters=120, days=4, start=date(2026, 11, 20), seed=3, now=NOW), files)
    list(sqlite_hub.ingester.ingest_many((p, None) for p in inbound_order(files.iterdir())))

    lines = ensure_demo_accounts(sqlite_hub)
    again = ensure_demo_accounts(sqlite_hub)

    assert lines == again, "a second demo run prints the same logins"
    password = lines[0].rsplit(" ", 1)[1]
    users = [line.split()[0] for line in lines[1:]]
    assert users == [
        "demo.operator",
        "demo.oncor",
        "demo.rep1",
        "demo.rep1.user",
        "demo.customer",
        "demo.cliente",
        "demo.business",
        "demo.business.user",
    ]
    assert all(", ESIID 10" in line for line in lines[5:8]), lines
    client = TestClient(create_app(sqlite_hub), base_url="https://demo.test")
    for user in users:
        page = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token is not None
        response = client.post(
            "/login", data={"user_id": user, "password": password, "csrf_token": token.group(1)}
        )
        assert response.status_code == 200, user
        expected = "Bienvenido" if user == "demo.cliente" else "Welcome"
        assert expected in response.text, user
        client.cookies.clear()
