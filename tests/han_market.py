"""A market for HAN tests: Oncor ESIIDs with SE 1.0 meters, served today by Lone Star Power
(DUNS A) except the last one, served by Bluebonnet Energy (DUNS B); both REPs' administrators
and Oncor's. `joined_devices` seeds devices the head-end has already joined (the provisioning
path itself is tested through the service)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert

from smt.accounts.profiles import CompanyProfile, Person
from smt.composition import Hub
from smt.formats.file_names import InboundKind
from smt.han.model import DeviceState, DeviceType
from smt.store.han_tables import han_device

from builders import NOW, write_csv_file

PASSWORD = "Correct-Horse-42"
A, B = "111111111", "222222222"
INSTALL_CODE = "83FED3407A939723A5C639B26916D505C3B5"


def esiid(n: int) -> str:
    return f"10443720{n:09d}"


def meter_number(n: int) -> str:
    return f"M{n:07d}"


def seed_han_market(hub: Hub, inbox: Path, meters: int = 3, *, accounts: bool = True) -> list[str]:
    esiids = [esiid(n) for n in range(1, meters + 1)]
    rows = [
        [e, meter_number(n), "L+G", "FOCUS AXe", "RES", "1", "C", "15", "SE1.0", "20200101", ""]
        for n, e in enumerate(esiids, start=1)
    ]
    hub.ingester.ingest(
        write_csv_file(inbox, InboundKind.METER_FULL, rows, created=NOW - timedelta(days=3))
    )
    ror = [[e, A, "20240301"] for e in esiids[:-1]] + [[esiids[-1], B, "20240301"]]
    hub.ingester.ingest(
        write_csv_file(inbox, InboundKind.ROR_FULL, ror, created=NOW - timedelta(days=2))
    )
    if not accounts:
        return esiids
    with hub.engine.begin() as conn:
        hub.accounts.add_tdsp(
            conn,
            now=NOW,
            tdsp_code="ONCOR",
            user_id="oncor.admin",
            person=Person("Olga", "Ruiz", "o@example.com"),
            password=PASSWORD,
        )
        for name, duns, admin in (
            ("Lone Star Power", A, "lsp.admin"),
            ("Bluebonnet", B, "bb.admin"),
        ):
            hub.accounts.add_rep(
                conn,
                now=NOW,
                profile=CompanyProfile(name),
                duns=[duns],
                user_id=admin,
                person=Person("Admin", "Person", f"{admin}@example.com"),
                password=PASSWORD,
            )
    return esiids


def joined_devices(
    hub: Hub, esiids: list[str], device_type: DeviceType = DeviceType.THERMOSTAT
) -> None:
    rows = [
        {
            "esiid": e,
            "meter_number": meter_number(int(e[-9:])),
            "tdsp": "ONCOR",
            "eui64": f"00124B{int(e[-9:]):010X}",
            "device_type": device_type.value,
            "state": DeviceState.JOINED.value,
            "state_reason": "",
            "outcome_reason": "",
            "requested_by": "oncor.admin",
            "requested_at": NOW - timedelta(days=1),
            "updated_at": NOW - timedelta(days=1),
        }
        for e in esiids
    ]
    with hub.engine.begin() as conn:
        for start in range(0, len(rows), 5000):
            conn.execute(insert(han_device), rows[start : start + 5000])
