"""SMT's official `/v2/` API: service-ID tokens (an hour, absolute; SMT's transport errors),
every endpoint's shape, the identity fields checked against the token, "not yours" answering
like "no data", revisions and reading types, ad hoc requests by FTP into the mailbox followed
by `/reportrequeststatus/`, on-demand reads in SMT's exponent form, JSON on every answer, and
a client process over real TLS."""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme
from fastapi.testclient import TestClient

from smt.accounts.model import Role, WorkflowError
from smt.accounts.profiles import Person
from smt.clock import FixedClock
from smt.composition import Hub, build_hub, initialise
from smt.config import Settings
from smt.domain.central_time import today_in_central
from smt.domain.channel import Channel
from smt.formats.file_names import InboundKind
from smt.web.app import create_app

from builders import ESIID, ESIID_2, NOW, day_record, write_csv_file, write_lse_file
from conftest import make_hub
from portal_client import BLUEBONNET, LONE_STAR, PASSWORD, add_oncor_and_reps

A, B = LONE_STAR[1], BLUEBONNET[1]
NO_DATA = {"errorCode": "1", "errorMessage": "No data received from the respective TDSP"}
DAY = "11/20/2026"
PREMISE = ("1208 ELM ST", "APT 4", "DALLAS", "TX", "75201", "RES", "ACTIVE", "20110614")
PREMISE += ("RESLOWR_NCENT", "NCENT")
STAMP = re.compile(r"^\d\d/\d\d/\d{4} \d\d:\d\d:\d\d$")


def seed(hub: Hub, inbox: Path, *, now: datetime = NOW, day: date = date(2026, 11, 20)) -> None:
    """Lone Star (DUNS A) serves ESIID, Bluebonnet (B) ESIID_2; each REP has a service ID.
    ESIID's day has two consumption revisions and a generation channel."""
    hub.ingester.ingest(
        write_csv_file(
            inbox,
            InboundKind.ROR_FULL,
            [[ESIID, A, "20240301"], [ESIID_2, B, "20240301"]],
            created=now - timedelta(hours=3),
        )
    )
    hub.ingester.ingest(
        write_csv_file(
            inbox,
            InboundKind.METER_FULL,
            [[ESIID, "M77", "Itron", "OpenWay", "RES", "1", "CG", "15", "SE1.1", "20200101", ""]],
            created=now - timedelta(hours=2),
        )
    )
    hub.ingester.ingest(
        write_csv_file(
            inbox,
            InboundKind.PREMISE_FULL,
            [[ESIID, *PREMISE]],
            created=now - timedelta(hours=2),
        )
    )
    earlier, later = now - timedelta(hours=4), now - timedelta(hours=2)
    hub.ingester.ingest(
        write_lse_file(
            inbox,
            [
                day_record(day=day, revised_at=earlier),
                day_record(day=day, channel=Channel.SURPLUS_GENERATION, base=7, revised_at=earlier),
                day_record(ESIID_2, day, revised_at=earlier),
            ],
            created=now - timedelta(hours=3),
        )
    )
    hub.ingester.ingest(
        write_lse_file(
            inbox,
            [day_record(day=day, base=150, quality="E", revised_at=later)],
            created=now - timedelta(hours=1),
        )
    )
    with hub.engine.begin() as conn:
        add_oncor_and_reps(hub, conn, LONE_STAR, BLUEBONNET)
        hub.accounts.add_system_account(conn, now=now, name="LSP.B2B", duns=A, password=PASSWORD)
        hub.accounts.add_system_account(conn, now=now, name="BB.B2B", duns=B, password=PASSWORD)


@pytest.fixture
def client(hub: Hub, inbox: Path) -> Iterator[TestClient]:
    seed(hub, inbox)
    with TestClient(create_app(hub), base_url="https://services.smartmetertexas.net") as client:
        yield client


def token(client: TestClient, name: str = "LSP.B2B") -> dict[str, str]:
    response = client.post("/v2/token/", json={"username": name, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['accessToken']}"}


def ask(
    client: TestClient,
    path: str,
    headers: dict[str, str] | None = None,
    **fields: object,
) -> tuple[int, dict[str, Any]]:
    """POST with the common fields of Lone Star's service ID, overridden by `fields`."""
    body: dict[str, object] = {
        "trans_id": "T-42",
        "requestorID": "LSP.B2B",
        "requesterType": "ROR",
        "requesterAuthenticationID": A,
        "startDate": DAY,
        "endDate": DAY,
        "version": "L",
        "readingType": "A",
        "esiid": [ESIID],
        "SMTTermsandConditions": "Y",
        "reportFormat": "JSON",
        "deliveryMode": "API",
    }
    for name, value in fields.items():
        if value is None:
            body.pop(name, None)
        else:
            body[name] = value
    response = client.post(path, json=body, headers=headers or token(client))
    assert response.headers["content-type"] == "application/json", response.text
    return response.status_code, response.json()


# --- the token ------------------------------------------------------------------------------


def test_a_service_id_gets_an_hour_long_bearer_token(client: TestClient) -> None:
    basic = base64.b64encode(f"lsp.b2b:{PASSWORD}".encode()).decode()
    answers = [
        client.post("/v2/token/", json={"username": "LSP.B2B", "password": PASSWORD}),
        client.post("/v2/token", json={"username": "lsp.b2b", "password": PASSWORD}),
        client.post("/token/", headers={"Authorization": f"Basic {basic}"}),
    ]
    for response in answers:
        assert response.status_code == 200, response.text
        body = response.json()
        assert body.pop("accessToken")
        # Noon in Central time (CST) is NOW; the token lives exactly one hour.
        assert body == {
            "statusCode": "200",
            "tokenType": "Bearer",
            "expiresIn": "3600",
            "issuedAt": "11/27/2026 12:00:00",
            "expiresAt": "11/27/2026 13:00:00",
        }
    tokens = {r.json()["accessToken"] for r in answers}
    assert len(tokens) == 3, "a new token at every login"


def test_token_errors_are_smts_transport_errors(client: TestClient) -> None:
    def post(body: object, **headers: str) -> tuple[int, object, str]:
        response = client.post("/v2/token/", json=body, headers=headers)
        return response.status_code, response.json(), response.headers["content-type"]

    json_type = "application/json"
    assert post({"password": PASSWORD}) == (
        400,
        {"error": "Please provide username."},
        json_type,
    )
    assert post({"username": "LSP.B2B"}) == (400, {"error": "Please provide password."}, json_type)
    wrong = (401, {"error": "Incorrect username or password."}, json_type)
    assert post({"username": "nobody.here", "password": PASSWORD}) == wrong
    assert post({"username": "lsp.admin", "password": PASSWORD}) == wrong, "users are no service"
    assert [post({"username": "BB.B2B", "password": "Wrong-Horse-00"})[0] for _ in range(5)] == [
        401,
        401,
        401,
        401,
        403,
    ]
    locked = post({"username": "BB.B2B", "password": PASSWORD})
    assert locked[0] == 403
    assert "locked" in locked[1]["error"]  # type: ignore[index]
    assert post({"username": "LSP.B2B", "password": PASSWORD})[0] == 200, "only BB is locked"


def test_a_token_expires_an_hour_after_issue_however_used(hub: Hub, client: TestClient) -> None:
    headers = token(client)
    clock = hub.clock
    assert isinstance(clock, FixedClock)
    for minutes in (20, 40, 59):
        clock.set(NOW + timedelta(minutes=minutes))
        assert ask(client, "/v2/dailyreads/", headers)[0] == 200
    clock.set(NOW + timedelta(minutes=60))
    status, body = ask(client, "/v2/dailyreads/", headers)
    assert (status, body) == (401, {"error": "The access token is missing, invalid or expired."})
    portal_token = client.post(
        "/api/user/authenticate", json={"username": "lsp.admin", "password": PASSWORD}
    ).json()["token"]
    status, _ = ask(client, "/v2/dailyreads/", {"Authorization": f"Bearer {portal_token}"})
    assert status == 401, "a portal user's token is not a service ID's"


# --- usage ----------------------------------------------------------------------------------


def test_interval_reads_have_smts_shape_on_every_path(client: TestClient) -> None:
    headers = token(client)
    for path in ("/v2/15minintervalreads/", "/v2/15minintervalreads", "/15minintervalreads/"):
        status, body = ask(client, path, headers)
        assert status == 200
        assert (body["trans_id"], body["esiid"]) == ("T-42", ESIID)
        entries = body["energyData"]
        assert [(e["DT"], e["RT"]) for e in entries] == [(DAY, "C"), (DAY, "G")]
        cells = entries[0]["RD"].split(",")
        assert len(cells) == 100
        assert [i for i, c in enumerate(cells) if not c] == [8, 9, 10, 11]
        assert cells[0] == "0.150-E", "the latest revision"
        assert entries[1]["RD"].split(",")[0] == "0.007-A"
        assert STAMP.match(entries[0]["RevTS"])


def test_version_a_answers_every_revision_and_reading_type_filters(client: TestClient) -> None:
    headers = token(client)
    _, every = ask(client, "/v2/15minintervalreads/", headers, version="A", readingType="C")
    assert [e["RT"] for e in every["energyData"]] == ["C", "C"]
    assert sorted(e["RD"].split(",")[0] for e in every["energyData"]) == ["0.100-A", "0.150-E"]
    assert len({e["RevTS"] for e in every["energyData"]}) == 2
    _, generation = ask(client, "/v2/15minintervalreads/", headers, readingType="G")
    assert [e["RT"] for e in generation["energyData"]] == ["G"]
    _, daily = ask(client, "/v2/dailyreads/", headers, version="A")
    assert len(daily["registeredReads"]) == 2
    _, daily_generation = ask(client, "/v2/dailyreads/", headers, readingType="G")
    assert daily_generation == {"trans_id": "T-42", **NO_DATA}


def test_daily_reads_and_monthly_billing(client: TestClient, hub: Hub, inbox: Path) -> None:
    hub.ingester.ingest(
        write_csv_file(
            inbox,
            InboundKind.MONTHLY_USAGE,
            [[ESIID, "M77", "20261001", "20261031", "20261102070000", "812.345", "", "A"]],
        )
    )
    headers = token(client)
    status, daily = ask(client, "/dailyreads/", headers)
    assert status == 200
    read = daily["registeredReads"][0]
    total = sum(150 + i for i in range(96))
    assert read == {
        "readDate": DAY,
        "revisionDate": read["revisionDate"],
        "startReading": "1000.000",
        "endReading": f"{(1_000_000 + total) / 1000:.3f}",
        "energyDataKwh": f"{total / 1000:.3f}",
    }
    assert STAMP.match(read["revisionDate"])
    status, monthly = ask(
        client,
        "/v2/monthlybillingInformation/",
        headers,
        startDate="10/01/2026",
        endDate="11/01/2026",
    )
    assert status == 200
    assert monthly["trans_id"] == "T-42"
    bill = monthly["billingData"][0]
    assert (bill["startDate"], bill["endDate"], bill["actualkWh"]) == (
        "10/01/2026",
        "10/31/2026",
        "812.345",
    )


def test_identity_fields_must_be_the_tokens(client: TestClient) -> None:
    headers = token(client)
    path = "/v2/15minintervalreads/"
    cases = {
        "requestorID": ("BB.B2B", "4", "requestorID is not the service ID"),
        "requesterType": ("TDSP", "5", "does not match this service ID's company: ROR or REP"),
        "requesterAuthenticationID": (B, "6", f"{B!r} is not the DUNS this service ID acts for"),
    }
    for field, (value, code, words) in cases.items():
        status, body = ask(client, path, headers, **{field: value})
        assert status == 400
        assert (body["trans_id"], body["errorCode"]) == ("T-42", code)
        assert words in body["errorMessage"]
        status, body = ask(client, path, headers, **{field: None})
        assert (status, body["errorCode"]) == (400, code), f"{field} is required"
        assert "required" in body["errorMessage"]
    for spelling in ("REP", "ror", "Ror"):
        assert ask(client, path, headers, requesterType=spelling)[0] == 200
    assert ask(client, path, headers, requestorID="lsp.b2b")[0] == 200, "any case"
    for field, value in (("version", "X"), ("readingType", "Q"), ("deliveryMode", "EML")):
        status, body = ask(client, path, headers, **{field: value})
        assert (status, body["errorCode"]) == (400, "7")
        assert body["errorMessage"].startswith(field)
    status, body = ask(client, path, headers, startDate="2026-11-20")
    assert (status, body["errorCode"]) == (400, "2")


def test_someone_elses_esiid_looks_exactly_like_no_data(client: TestClient) -> None:
    headers = token(client)
    answers = [
        ask(client, path, headers, esiid=[esiid], **extra)
        for path, extra in (
            ("/v2/15minintervalreads/", {}),
            ("/v2/dailyreads/", {}),
            ("/v2/meterInfo/", {}),
            ("/v2/premiseInfo/", {}),
        )
        for esiid in (ESIID_2, "10443720000009999", "not-an-esiid")
    ]
    assert {json.dumps(a, sort_keys=True) for a in answers} == {
        json.dumps((200, {"trans_id": "T-42", **NO_DATA}), sort_keys=True)
    }
    # The other REP's own service ID sees it.
    theirs = token(client, "BB.B2B")
    status, body = ask(
        client,
        "/v2/15minintervalreads/",
        theirs,
        esiid=[ESIID_2],
        requestorID="BB.B2B",
        requesterAuthenticationID=B,
    )
    assert (status, body["esiid"]) == (200, ESIID_2)


def test_meter_and_premise_info(client: TestClient) -> None:
    headers = token(client)
    status, meter = ask(
        client, "/v2/meterInfo/", headers, esiid=None, ESIIDMeterList=[{"esiid": ESIID}]
    )
    assert status == 200
    assert (meter["trans_id"], meter["esiid"]) == ("T-42", ESIID)
    data = meter["MeterData"]
    assert {
        k: data[k]
        for k in (
            "meterSerialNumber",
            "utilityMeterId",
            "KWHMeterMultiplier",
            "manufacturerName",
            "meterModel",
            "meterClass",
            "intervalSetting",
            "DGChannel",
            "meterStatus",
            "installationDate",
            "HANProtocol",
            "smartEnergyProfile",
        )
    } == {
        "meterSerialNumber": "M77",
        "utilityMeterId": "M77",
        "KWHMeterMultiplier": "1",
        "manufacturerName": "Itron",
        "meterModel": "OpenWay",
        "meterClass": "RES",
        "intervalSetting": "15",
        "DGChannel": "Y",
        "meterStatus": "Active",
        "installationDate": "01/01/2020",
        "HANProtocol": "SE1.1",
        "smartEnergyProfile": "1.1",
    }
    assert data["utilityCompanyId"] == "1039940674000", "Oncor's DUNS"
    assert len(data) == 25, "every MeterData field of SMT's answer"
    for path in ("/v2/premiseInfo/", "/v2/premise/", "/premiseInfo"):
        status, place = ask(client, path, headers)
        assert status == 200
        assert place["PremiseData"]["serviceAddress1"] == "1208 ELM ST"
        assert place["PremiseData"]["weatherZone"] == "NCENT"


# --- ad hoc requests by FTP -----------------------------------------------------------------


def wait_for(client: TestClient, headers: dict[str, str], correlation: str) -> dict[str, Any]:
    """Poll /reportrequeststatus/ until the request is no longer pending (the job queue may
    run it on another thread)."""
    deadline = time.monotonic() + 60
    while True:
        status, body = ask(
            client,
            "/v2/reportrequeststatus/",
            headers,
            correlationId=correlation,
            requesterType=None,
            requesterAuthenticationID=None,
        )
        assert status == 200, body
        if body["statusCode"] != "PEN" or time.monotonic() > deadline:
            return body
        time.sleep(0.2)


@pytest.mark.parametrize(
    "request_fields",
    [
        {"deliveryMode": "FTP", "reportFormat": "CSV"},
        {"esiid": [ESIID, ESIID_2], "startDate": "01/01/2026"},  # several ESIIDs: queued
    ],
)
def test_ftp_delivery_files_an_adhoc_request_into_the_mailbox(
    client: TestClient, hub: Hub, request_fields: dict[str, object]
) -> None:
    headers = token(client)
    status, body = ask(client, "/v2/15minintervalreads/", headers, **request_fields)
    assert status == 200
    correlation = body.pop("correlationId")
    assert body == {
        "trans_id": "T-42",
        "statusCode": "0",
        "statusReason": "Request submitted successfully for further processing",
    }
    done = wait_for(client, headers, correlation)
    assert (done["statusCode"], done["requestStatus"]) == ("0", "COMPLETED"), done
    assert done["trans_id"] == "T-42"
    mailbox = list((hub.settings.data_dir / "mailboxes").glob("company-*/adhoc/*"))
    assert [p.name for p in mailbox] == [done["fileName"]]
    text = mailbox[0].read_text()
    assert ESIID in text
    assert ESIID_2 not in text, "the other REP's ESIID contributes nothing"
    # Another service ID asking about it sees an unknown request, like a made-up one.
    other = token(client, "BB.B2B")
    theirs = ask(
        client,
        "/v2/reportrequeststatus/",
        other,
        correlationId=correlation,
        requestorID="BB.B2B",
        requesterAuthenticationID=B,
    )
    made_up = ask(
        client,
        "/v2/reportrequeststatus/",
        other,
        correlationId="0" * 32,
        requestorID="BB.B2B",
        requesterAuthenticationID=B,
    )
    assert theirs == made_up
    assert theirs[1]["errorCode"] == "10"


def test_adhoc_refusals_are_precise(client: TestClient) -> None:
    status, body = ask(
        client, "/v2/dailyreads/", token(client), deliveryMode="FTP", reportFormat="LSE"
    )
    assert (status, body["errorCode"], body["errorMessage"]) == (
        400,
        "9",
        "LSE carries interval data only",
    )


# --- on-demand reads ------------------------------------------------------------------------


@pytest.mark.parametrize("failure_share", [0.0, 1.0])
def test_odr_then_its_status_in_smts_exponent_form(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    clock: FixedClock,
    inbox: Path,
    failure_share: float,
) -> None:
    hub = make_hub("sqlite", tmp_path, clock, request, headend_failure_share=failure_share)
    seed(hub, inbox, day=date(2026, 11, 26))
    client = TestClient(create_app(hub), base_url="https://services.smartmetertexas.net")
    headers = token(client)
    status, submitted = ask(
        client,
        "/v2/odr/",
        headers,
        esiid=None,
        ESIID=ESIID,
        requesterAuthenticationID=None,
        startDate=None,
        endDate=None,
    )
    assert (status, submitted["statusCode"], submitted["trans_id"]) == (200, "0", "T-42")
    correlation = submitted["correlationId"]

    def odr_status(headers: dict[str, str] = headers, **fields: object) -> str:
        response = client.post(
            "/v2/odrstatus/",
            headers=headers,
            json={
                "trans_id": "T-43",
                "requestorID": "LSP.B2B",
                "correlationId": correlation,
                "reportFormat": "JSON",
                "deliveryMode": "API",
                "SMTTermsandConditions": "Y",
            }
            | fields,
        )
        assert response.headers["content-type"] == "application/json"
        return response.text

    pending = odr_status()
    assert '"statusCode":"PEN"' in pending
    assert '"registeredRead":0E+0' in pending, "SMT's exponent form, as a bare JSON number"
    assert json.loads(pending)["odrRead"]["readDate"] == "11/27/2026 12:00:00"
    clock.set(NOW + timedelta(minutes=3))
    done = json.loads(odr_status())
    if failure_share == 0.0:
        assert (done["statusCode"], done["statusReason"]) == ("0", "ODR retreived successfully")
        text = odr_status()
        number = re.search(r'"registeredRead":([^,}]+)', text)
        assert number is not None
        assert re.fullmatch(r"\d\.\d+E\+\d+", number.group(1)), number.group(1)
        assert float(number.group(1)) > 1000.0
    else:
        assert done["statusCode"] == "1"
    other = token(client, "BB.B2B")
    theirs = json.loads(odr_status(other, requestorID="BB.B2B"))
    assert (theirs["trans_id"], theirs["errorCode"]) == ("T-43", "10")
    hub.close()


# --- JSON whatever happens ------------------------------------------------------------------


def test_every_answer_is_json(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("disk on fire")

    headers = token(client)
    unknown = client.post("/v2/no/such/thing", json={})
    wrong_method = client.get("/v2/token/")
    anonymous = client.post("/v2/dailyreads/", json={})
    not_json = client.post("/v2/dailyreads/", content=b"{oops", headers=headers)
    monkeypatch.setattr("smt.usage.service.UsageService.register_reads", broken)
    failing = client.post(
        "/v2/dailyreads/",
        headers=headers,
        json={"requestorID": "LSP.B2B", "requesterType": "ROR"}
        | {"requesterAuthenticationID": A, "esiid": [ESIID], "startDate": DAY, "endDate": DAY},
    )
    for response, status in (
        (unknown, 404),
        (wrong_method, 405),
        (anonymous, 401),
        (not_json, 400),
        (failing, 500),
    ):
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/json"
    assert failing.json() == {"error": "Something went wrong. Please try again later."}


# --- accounts -------------------------------------------------------------------------------


def test_a_service_id_acts_as_a_user_of_its_company_for_its_one_duns(hub: Hub) -> None:
    with hub.engine.begin() as conn:
        add_oncor_and_reps(hub, conn)
        hub.accounts.add_system_account(conn, now=NOW, name="lsp.feed", duns=A, password=PASSWORD)
        login = hub.sessions.login_system(conn, name="LSP.FEED", password=PASSWORD, now=NOW)
        assert not isinstance(login, str)
        assert (login.principal.role, login.principal.duns) == (Role.REP_USER, frozenset({A}))
        assert login.expires_at - login.issued_at == timedelta(hours=1)
        assert hub.accounts.principal(conn, "lsp.feed") == login.principal, "queued work"
        with pytest.raises(WorkflowError, match="taken"):
            hub.accounts.add_system_account(
                conn, now=NOW, name="lsp.admin", duns=A, password=PASSWORD
            )
        with pytest.raises(WorkflowError, match="taken"):
            hub.customers.add_customer(
                conn,
                now=NOW,
                user_id="LSP.feed",
                person=Person("Lou", "F", "f@example.com"),
                password=PASSWORD,
                esiids=[],
            )


# --- a real client over real TLS ------------------------------------------------------------

CLIENT = textwrap.dedent(
    """
    import json, ssl, sys
    import httpx

    base, ca, user, password, duns, esiid, day = sys.argv[1:]
    trusted = ssl.create_default_context(cafile=ca)
    with httpx.Client(base_url=base, verify=trusted, timeout=30) as http:
        issued = http.post("/v2/token/", json={"username": user, "password": password})
        issued.raise_for_status()
        bearer = {"Authorization": "Bearer " + issued.json()["accessToken"]}
        reads = http.post("/v2/15minintervalreads/", headers=bearer, json={
            "trans_id": "tls-1", "requestorID": user.upper(), "requesterType": "ROR",
            "requesterAuthenticationID": duns, "startDate": day, "endDate": day,
            "version": "L", "readingType": "C", "esiid": [esiid], "SMTTermsandConditions": "Y",
            "reportFormat": "JSON", "deliveryMode": "API"})
        print(json.dumps({"status": reads.status_code, "body": reads.json()}))
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_a_client_process_over_real_tls(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    yesterday = today_in_central(now) - timedelta(days=1)
    inbox = tmp_path / "in"
    inbox.mkdir()
    data = tmp_path / "var"
    hub = build_hub(Settings(data_dir=data))
    initialise(hub)
    seed(hub, inbox, now=now, day=yesterday)
    hub.close()
    ca = trustme.CA()
    leaf = ca.issue_cert("localhost")
    cert, key, ca_file = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    leaf.private_key_and_cert_chain_pem.write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    ca.cert_pem.write_to_path(str(ca_file))
    trusted = ssl.create_default_context(cafile=str(ca_file))
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMT_")}
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "smt.cli", "--data-dir", str(data), "serve"),
            *("--port", str(port), "--tls-cert", str(cert), "--tls-key", str(key)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"https://localhost:{port}/healthz", verify=trusted, timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("smt serve --tls-cert did not start")
                time.sleep(0.2)
        script = tmp_path / "client.py"
        script.write_text(CLIENT)
        run = subprocess.run(
            [
                *(sys.executable, str(script), f"https://localhost:{port}", str(ca_file)),
                *("lsp.b2b", PASSWORD, A, ESIID, yesterday.strftime("%m/%d/%Y")),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert answer["status"] == 200
    body = answer["body"]
    assert (body["trans_id"], body["esiid"]) == ("tls-1", ESIID)
    assert [e["RT"] for e in body["energyData"]] == ["C"]
    assert body["energyData"][0]["RD"].split(",")[0] == "0.150-E"
