"""SMT's portal API shapes: JSON on every answer, the 100-slot RD of DST days, denials that
look like "no data", tokens that idle out only after 30 minutes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from smt.accounts.profiles import Person
from smt.clock import FixedClock
from smt.composition import Hub
from smt.formats.file_names import InboundKind
from smt.web.app import create_app

from builders import ESIID, NOW, day_record, write_csv_file, write_lse_file
from conftest import make_hub

PASSWORD = "Correct-Horse-42"


@pytest.fixture
def client(hub: Hub, inbox: Path) -> Iterator[TestClient]:
    hub.ingester.ingest(
        write_lse_file(
            inbox,
            [
                day_record(day=date(2026, 11, 1)),
                day_record(day=date(2026, 3, 8)),
                day_record(day=date(2026, 11, 20)),
            ],
        )
    )
    with hub.engine.begin() as conn:
        hub.customers.add_customer(
            conn,
            now=NOW,
            user_id="maria.h",
            person=Person("Maria", "H", "m@example.com"),
            password=PASSWORD,
            esiids=[(ESIID, date(2026, 3, 1))],
        )
        hub.customers.add_customer(
            conn,
            now=NOW,
            user_id="other.o",
            person=Person("Otto", "O", "o@example.com"),
            password=PASSWORD,
            esiids=[],
        )
    yield TestClient(create_app(hub), base_url="https://www.smartmetertexas.com")


def token(client: TestClient, user: str = "maria.h") -> str:
    # smt-lib 0.5.5 doubled the slash; a full URL keeps it (a bare "//x" would name a host).
    response = client.post(
        "https://www.smartmetertexas.com//commonapi/user/authenticate",
        json={"username": user, "password": PASSWORD, "rememberMe": "true"},
        headers={"Authorization": "Bearer stale-token-ignored"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["usr_type"] == "RES"
    return str(response.json()["token"])


def synch(client: TestClient, bearer: str, day: str) -> dict[str, object]:
    response = client.post(
        "/api/adhoc/intervalsynch",
        headers={"Authorization": f"Bearer {bearer}"},
        json={
            "startDate": day,
            "endDate": day,
            "reportFormat": "JSON",
            "ESIID": [ESIID],
            "versionDate": None,
        },
    )
    assert response.headers["content-type"] == "application/json"
    data = response.json()["data"]
    assert isinstance(data, dict)
    return data


def test_rd_has_100_positions_on_every_day(client: TestClient) -> None:
    bearer = token(client)
    fall = synch(client, bearer, "11/01/2026")["energyData"][0]  # type: ignore[index]
    spring = synch(client, bearer, "03/08/2026")["energyData"][0]  # type: ignore[index]
    normal = synch(client, bearer, "11/20/2026")["energyData"][0]  # type: ignore[index]
    for entry, empty in ((fall, []), (spring, list(range(8, 16))), (normal, list(range(8, 12)))):
        cells = entry["RD"].split(",")
        assert len(cells) == 100
        assert [i for i, c in enumerate(cells) if not c] == empty
        assert entry["RT"] == "C"
    assert fall["RD"].split(",")[0] == "0.100-A"
    assert fall["RD"].split(",")[8] == "0.108-A", "the repeated 1 AM hour sits in 8-11"
    assert normal["DT"] == "11/20/2026"


def test_someone_elses_esiid_looks_like_no_data(client: TestClient) -> None:
    mine = synch(client, token(client, "other.o"), "11/20/2026")
    nothing = synch(client, token(client), "11/21/2026")
    expected = {
        "errorCode": "1",
        "errorMessage": "No Energy Data received from the respective TDSP",
    }
    assert mine == nothing == expected


def test_answers_are_json_even_when_wrong(client: TestClient) -> None:
    bad = client.post(
        "/commonapi/user/authenticate", json={"username": "maria.h", "password": "nope"}
    )
    missing = client.post("/api/meter", json={"esiid": "*"})
    unknown = client.post("/api/no/such/thing", json={})
    assert (bad.status_code, bad.json()) == (400, {"errormessage": "ERR-USR-INVALIDPASSWORDERROR"})
    assert (missing.status_code, missing.json()) == (401, {"message": "Invalid Token"})
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/json"
    meters = client.post(
        "/api/meter", json={"esiid": "*"}, headers={"Authorization": f"Bearer {token(client)}"}
    ).json()
    assert [m["esiid"] for m in meters["data"]] == [ESIID]


def test_a_token_idles_out_after_thirty_minutes_not_fifteen(hub: Hub, client: TestClient) -> None:
    bearer = token(client)
    clock = hub.clock
    clock.set(NOW + timedelta(minutes=16))  # type: ignore[attr-defined]
    assert (
        client.post(
            "/api/meter", json={"esiid": "*"}, headers={"Authorization": f"Bearer {bearer}"}
        ).status_code
        == 200
    )
    clock.set(NOW + timedelta(minutes=47))  # type: ignore[attr-defined]
    expired = client.post(
        "/api/meter", json={"esiid": "*"}, headers={"Authorization": f"Bearer {bearer}"}
    )
    assert (expired.status_code, expired.json()) == (401, {"message": "Invalid Token"})


def _odr(client: TestClient, bearer: str, meter: str = "M77") -> dict[str, str]:
    response = client.post(
        "/api/ondemandread",
        headers={"Authorization": f"Bearer {bearer}"},
        json={"ESIID": ESIID, "MeterNumber": meter},
    )
    return response.json()["data"]  # type: ignore[no-any-return]


def _latest(client: TestClient, bearer: str) -> dict[str, str]:
    response = client.post(
        "/api/usage/latestodrread",
        headers={"Authorization": f"Bearer {bearer}"},
        json={"ESIID": ESIID},
    )
    return response.json()["data"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("failure_share", [0.0, 1.0])
def test_on_demand_reads_wait_complete_and_are_limited(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    clock: FixedClock,
    inbox: Path,
    failure_share: float,
) -> None:
    hub = make_hub("sqlite", tmp_path, clock, request, headend_failure_share=failure_share)
    hub.ingester.ingest(write_lse_file(inbox, [day_record(day=date(2026, 11, 26))]))
    hub.ingester.ingest(
        write_csv_file(
            inbox,
            InboundKind.METER_FULL,
            [[ESIID, "M77", "Itron", "OpenWay", "RES", "1", "C", "15", "SE1.0", "20200101", ""]],
        )
    )
    with hub.engine.begin() as conn:
        hub.customers.add_customer(
            conn,
            now=NOW,
            user_id="maria.h",
            person=Person("Maria", "H", "m@example.com"),
            password=PASSWORD,
            esiids=[(ESIID, date(2026, 3, 1))],
        )
    client = TestClient(create_app(hub), base_url="https://www.smartmetertexas.com")
    bearer = token(client)
    assert _latest(client, bearer)["odrstatus"] == ""
    assert _odr(client, bearer, "M00")["statusCode"] == "5002"
    outcomes = []
    for minute in (0, 3, 6):
        clock.set(NOW + timedelta(minutes=minute))
        submitted = _odr(client, bearer)
        if submitted["statusCode"] != "0":
            outcomes.append(submitted["statusCode"])
            continue
        assert _latest(client, bearer)["odrstatus"] == "PENDING"
        clock.set(NOW + timedelta(minutes=minute, seconds=151))
        outcomes.append(_latest(client, bearer)["odrstatus"])
    if failure_share == 0.0:
        # Two successful reads an hour; the third is refused with SMT's code.
        assert outcomes == ["COMPLETED", "COMPLETED", "5031"]
        clock.set(NOW + timedelta(minutes=6, seconds=151))
        read = _latest(client, bearer)
        register = 1_000_000 + sum(100 + i for i in range(96))
        assert float(read["odrread"]) * 1000 >= register, "the stored register plus today's"
        assert float(read["odrusage"]) >= 0
    else:
        # Failed reads do not count against the limits.
        assert set(outcomes) <= {"FAILED", "T-FAILED"}
        assert len(outcomes) == 3
    hub.close()


def test_monthly_usage_answers_the_bills(hub: Hub, client: TestClient, inbox: Path) -> None:
    hub.ingester.ingest(
        write_csv_file(
            inbox,
            InboundKind.MONTHLY_USAGE,
            [[ESIID, "M1", "20261001", "20261031", "20261102070000", "812.345", "", "A"]],
        )
    )
    response = client.post(
        "/api/usage/monthly",
        headers={"Authorization": f"Bearer {token(client)}"},
        json={"esiid": ESIID, "startDate": "10/01/2026", "endDate": "11/26/2026"},
    )
    assert response.json() == {
        "monthlyData": [
            {
                "startdate": "10/01/2026",
                "enddate": "10/31/2026",
                "actl_kwh_usg": "812.345",
                "mtrd_kwh_usg": "812.345",
                "mtrd_kw_usg": None,
                "estimated": False,
            }
        ]
    }
