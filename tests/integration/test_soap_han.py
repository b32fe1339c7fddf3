"""HAN's SOAP service over the app (no network; the client certificate arrives as the embedded
TLS server presents it): the seed's CancelAllLCEvents sample accepted as written and answered
as the golden file shows, every operation once with a certificate and a UsernameToken in
production mode, the WSDL and XSD, per-address refusals in the acknowledgement, and whole-request
refusals as faults with precise strings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import trustme
from fastapi.testclient import TestClient
from lxml import etree

from han_market import INSTALL_CODE, B, joined_devices, meter_number
from smt.access.policy import Principal
from smt.clock import FixedClock
from smt.composition import Hub
from smt.domain.central_time import CENTRAL
from smt.han import log
from smt.han.messaging import NOT_YOURS
from smt.han.model import MessageKind
from smt.han.utc_time import to_utc_time
from smt.web.app import create_app
from smt.web.soap.envelope import SOAP_ENV
from smt.web.soap.han import NAMESPACE, NO_GROUPS, SCHEMA
from smt.web.soap.han_blocks import BLOCKS, Block
from soap_han import (
    SEED_ACCOUNT,
    URL,
    address,
    deprovision_request,
    message,
    password_text,
    provision_request,
    seed_soap_han_market,
)
from soap_market import DATA, Party, seed_request, with_client_certificate
from soap_messages import SOAP, fault_of

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
BLOCK = {b.kind: b for b in BLOCKS}
LCE = BLOCK[MessageKind.LOAD_CONTROL]
TEXT = BLOCK[MessageKind.TEXT]


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def market(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock, inbox: Path, ca: trustme.CA
) -> Iterator[tuple[Hub, list[str], Party, Party]]:
    """Production mode: a client certificate and a UsernameToken on every call."""
    hub = make_hub(request.param, tmp_path, clock, request, production=True, **INSTANT)
    esiids, lsp, bb = seed_soap_han_market(hub, inbox, ca)
    yield hub, esiids, lsp, bb
    hub.close()


def client(hub: Hub, party: Party) -> TestClient:
    app = with_client_certificate(create_app(hub), party.pem)
    return TestClient(app, base_url="https://hub.test")


def acknowledgement(content: bytes) -> etree._Element:
    body = etree.fromstring(content).find(f"{{{SOAP_ENV}}}Body")
    assert body is not None
    answer = body[0]
    assert answer_xsd().validate(answer), answer_xsd().error_log
    return answer[0]


def answer_xsd() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def post(c: TestClient, body: bytes) -> etree._Element:
    response = c.post(URL, content=body, headers=SOAP)
    assert response.status_code == 200, response.text
    return acknowledgement(response.content)


def refused(ack: etree._Element) -> list[tuple[str, ...]]:
    return [
        tuple(child.text or "" for child in entry)
        for entry in ack.iterfind("RefusedAddressList/RefusedAddress")
    ]


def lce(issuer: int, start: str = "now", **more: str | int) -> dict[str, str | int]:
    return {
        "IssuerEventID": issuer,
        "DeviceClass": 1,
        "StartTime": start,
        "DurationMinutes": 60,
        "CriticalityLevel": 3,
        **more,
    }


def test_the_wsdl_describes_every_operation(market: tuple[Hub, list[str], Party, Party]) -> None:
    hub, _, lsp, _ = market
    with client(hub, lsp) as c:
        wsdl = etree.fromstring(c.get(f"{URL}?wsdl").content)
        xsd = etree.fromstring(c.get(f"{URL}?xsd").content)
    ns = {"w": "http://schemas.xmlsoap.org/wsdl/", "s": "http://schemas.xmlsoap.org/wsdl/soap/"}
    assert wsdl.get("targetNamespace") == NAMESPACE == xsd.get("targetNamespace")
    assert wsdl.xpath("//s:address/@location", namespaces=ns) == [f"https://hub.test{URL}"]
    assert wsdl.xpath("//w:portType/w:operation/@name", namespaces=ns) == [
        "processProvisionDevice",
        "processDeprovisionDevice",
        "processSimpleMessage",
        "processCancelSimpleMessage",
        "processLoadControlEvent",
        "processCancelLCEvent",
        "processCancelAllLCEvents",
        "processPriceSignal",
    ]


def test_the_seeds_cancel_all_sample_is_accepted_as_written(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock, inbox: Path, ca: trustme.CA
) -> None:
    """Outside production the sample's bare Username names the account its certificate
    proves. Its ESIID is not an ESIID: refused in the acknowledgement, not a fault."""
    hub = make_hub("sqlite", tmp_path, clock, request, **INSTANT)
    _, lsp, bb = seed_soap_han_market(hub, inbox, ca)
    sample = seed_request("seed_han_cancel_all_request.xml")
    assert lsp.name == SEED_ACCOUNT
    with client(hub, lsp) as c:
        response = c.post(URL, content=sample, headers=SOAP)
    assert response.status_code == 200, response.text
    golden = (DATA / "seed_han_cancel_all_response.xml").read_text().strip()
    assert response.content.decode() == golden
    ack = acknowledgement(response.content)
    assert refused(ack) == [
        (
            "000000000000001",
            "0000000000000098",
            "ESIID 000000000000001 has 15 digits; 17 or 22 expected",
        )
    ]
    # Another account's certificate beside the sample's Username: refused.
    with client(hub, bb) as c:
        other = c.post(URL, content=sample, headers=SOAP)
    assert fault_of(other.content) == (
        "wsse:FailedAuthentication",
        "the UsernameToken names another system account than its credentials prove",
    )
    # No certificate: a bare Username proves nothing.
    bare = with_client_certificate(create_app(hub), None)
    with TestClient(bare, base_url="https://hub.test") as c:
        alone = c.post(URL, content=sample, headers=SOAP)
    code, text = fault_of(alone.content)
    assert (code, text.split(":")[0]) == (
        "wsse:InvalidSecurity",
        "the message carries no credential",
    )
    hub.close()


def test_the_seeds_sample_needs_a_credential_in_production(
    market: tuple[Hub, list[str], Party, Party],
) -> None:
    hub, _, lsp, _ = market
    with client(hub, lsp) as c:
        response = c.post(
            URL, content=seed_request("seed_han_cancel_all_request.xml"), headers=SOAP
        )
    assert fault_of(response.content) == (
        "wsse:InvalidSecurity",
        (
            "a WS-Security credential (UsernameToken, SAML assertion or signature) is required "
            "beside the client certificate"
        ),
    )


def test_provision_and_deprovision_a_device(market: tuple[Hub, list[str], Party, Party]) -> None:
    hub, esiids, lsp, _ = market
    token = password_text(lsp.name)
    with client(hub, lsp) as c:
        made = post(
            c,
            provision_request(
                esiids[0],
                meter_number(1),
                "00:12:4B:00:01:02:03:04",
                INSTALL_CODE,
                "in-home-display",
                security=token,
                request_id="P-1",
            ),
        )
        assert (made.findtext("DeviceID") or "").isdigit()
        assert [(e.tag, e.text) for e in made][2:] == [
            ("ESIID", esiids[0]),
            ("MeterSerialNumber", meter_number(1)),
            ("DeviceEUI64", "00124B0001020304"),
            ("DeviceType", "in-home-display"),
            ("DeviceState", "joined"),
        ]
        assert made.findtext("RequestID") == "P-1"
        gone = post(
            c, deprovision_request(esiids[0], meter_number(1), "00124B0001020304", security=token)
        )
        assert (gone.findtext("DeviceID"), gone.findtext("DeviceState")) == (
            made.findtext("DeviceID"),
            "removed",
        )
        again = c.post(
            URL,
            content=deprovision_request(
                esiids[0], meter_number(1), "00124B0001020304", security=token
            ),
            headers=SOAP,
        )
    assert fault_of(again.content) == (
        "soapenv:Client",
        "no device 00124B0001020304 of yours on this ESIID and meter",
    )


def test_every_message_operation_is_acknowledged_and_delivered(
    market: tuple[Hub, list[str], Party, Party],
) -> None:
    hub, esiids, lsp, _ = market
    joined_devices(hub, esiids[:2])
    token = password_text(lsp.name)
    to_both = [address(e, meter_number(n)) for n, e in enumerate(esiids[:2], start=1)]
    start = (NOW + timedelta(minutes=30)).astimezone(CENTRAL).isoformat(timespec="minutes")
    sent: list[tuple[MessageKind, dict[str, str | int], set[str]]] = [
        (
            MessageKind.PRICE,
            {
                "ProviderID": 1,
                "RateLabel": "TOU-PEAK",
                "IssuerEventID": 7,
                "CurrentTime": "now",
                "PriceTrailingDigitAndTier": 0x52,
                "NumberOfTiersAndRegisterTier": 0x32,
                "StartTime": start,
                "DurationMinutes": 180,
                "Price": 25000,
                "PriceControl": 1,
            },
            {"acknowledged"},
        ),
        (MessageKind.LOAD_CONTROL, lce(100, DutyCycle=50), {"started (0x02)"}),
        (MessageKind.CANCEL_LOAD_CONTROL, {"IssuerEventID": 100, "DeviceClass": 1}, {"delivered"}),
        (MessageKind.LOAD_CONTROL, lce(101, start), {"received (0x01)"}),
        (MessageKind.CANCEL_ALL_LOAD_CONTROL, {"CancelControl": 1}, {"delivered"}),
        (
            MessageKind.TEXT,
            {
                "MessageID": 5,
                "MessageControl": 0x80,
                "StartTime": "now",
                "DurationMinutes": 60,
                "Message": "Peak pricing 3-6 pm: ¡ahorre!",
            },
            {"displayed"},
        ),
        (MessageKind.CANCEL_TEXT, {"MessageID": 5}, {"delivered"}),
    ]
    ids: dict[MessageKind, str] = {}
    with client(hub, lsp) as c:
        for kind, fields, statuses in sent:
            ack = post(c, message(BLOCK[kind], fields, to_both, security=token, request_id="R-9"))
            counts = ("RequestID", "AddressCount", "AcceptedCount", "RefusedCount")
            assert [ack.findtext(n) for n in counts] == ["R-9", "2", "2", "0"], kind
            request_id = ack.findtext("SMTRequestID")
            assert request_id is not None and request_id.startswith("HAN")
            ids[kind] = request_id
            with hub.engine.connect() as conn:
                view = log.request(conn, principal(hub, lsp), request_id, now=NOW)
            assert view is not None
            assert (view.kind, len(view.deliveries)) == (kind.value, 2)
            assert {d.status for d in view.deliveries} == statuses, kind
    with hub.engine.connect() as conn:
        events = log.request(conn, principal(hub, lsp), ids[MessageKind.LOAD_CONTROL], now=NOW)
        price = log.request(conn, principal(hub, lsp), ids[MessageKind.PRICE], now=NOW)
    assert events is not None and price is not None
    # The last event (101) was ended by the cancel-all; the price's start went to UTCTime.
    assert events.counts == {"cancelled (0x06)": 2}
    assert price.fields["start_time"] == to_utc_time(NOW + timedelta(minutes=30))
    assert price.fields["current_time"] == to_utc_time(NOW), "now: the sender's clock"


def principal(hub: Hub, party: Party) -> Principal:
    with hub.engine.connect() as conn:
        found = hub.accounts.system_principal(conn, party.name)
    assert found is not None
    return found


def test_addresses_are_refused_one_by_one(market: tuple[Hub, list[str], Party, Party]) -> None:
    hub, esiids, lsp, _ = market
    joined_devices(hub, esiids[:1])
    addresses = [
        address(esiids[0], meter_number(1), "00-12-4B-00-00-00-00-01"),
        address(esiids[2], meter_number(3)),  # Bluebonnet's customer
        address(esiids[1], "WRONG"),
        address(esiids[1], meter_number(2)),  # no device joined there
        address("10443720999999999", "M9"),  # no such ESIID: told as for someone else's
        address(esiids[0], meter_number(1), "00124B00000000FF"),
        address("12", "M1"),
    ]
    with client(hub, lsp) as c:
        ack = post(c, message(LCE, lce(1), addresses, security=password_text(lsp.name)))
    assert [ack.findtext(n) for n in ("AddressCount", "AcceptedCount", "RefusedCount")] == [
        "7",
        "1",
        "6",
    ]
    assert refused(ack) == [
        (esiids[2], meter_number(3), NOT_YOURS),
        (esiids[1], "WRONG", "the meter number is not this ESIID's meter in service"),
        (esiids[1], meter_number(2), "no joined device there takes load-control messages"),
        ("10443720999999999", "M9", NOT_YOURS),
        (
            esiids[0],
            meter_number(1),
            "00124B00000000FF",
            "no joined device with that EUI-64 on this ESIID",
        ),
        ("12", "M1", "ESIID 12 has 2 digits; 17 or 22 expected"),
    ]


def test_ten_thousand_full_addresses_fit_and_one_more_is_refused(
    market: tuple[Hub, list[str], Party, Party],
) -> None:
    """The same device 10,000 times: the parsing limits take 10,000 addresses of three
    elements each; the 10,001st is refused by count."""
    hub, esiids, lsp, _ = market
    joined_devices(hub, esiids[:1])
    one = address(esiids[0], meter_number(1), "00:12:4B:00:00:00:00:01")
    token = password_text(lsp.name)
    with client(hub, lsp) as c:
        ack = post(c, message(LCE, lce(1), [one] * 10_000, security=token))
        assert (ack.findtext("AcceptedCount"), ack.findtext("RefusedCount")) == ("10000", "0")
        too_many = c.post(
            URL, content=message(LCE, lce(2), [one] * 10_001, security=token), headers=SOAP
        )
    assert fault_of(too_many.content) == (
        "soapenv:Client",
        "at most 10000 addresses a message; this has 10001",
    )


REFUSALS: list[tuple[str, Block | None, dict[str, str | int], dict[str, str], str]] = [
    (
        "bad install code CRC",
        None,
        {},
        {},
        "the install code's CRC does not match: check the digits",
    ),
    (
        "criticality",
        LCE,
        lce(1, CriticalityLevel=16),
        {},
        "CriticalityLevel must be between 1 and 15",
    ),
    (
        "duty cycle",
        LCE,
        lce(1, DutyCycle=101),
        {},
        "DutyCycle must be between 0 and 100, or 255 for unused",
    ),
    (
        "spring forward",
        LCE,
        lce(1, "2027-03-14T02:30"),
        {},
        "StartTime: 2027-03-14T02:30 does not exist in Central time (clocks skip",
    ),
    ("fall back", LCE, lce(1, "2026-11-01T01:30"), {}, "happens twice in Central time"),
    (
        "300-byte text",
        TEXT,
        {
            "MessageID": 1,
            "MessageControl": 0,
            "StartTime": "now",
            "DurationMinutes": 10,
            "Message": "é" * 150,
        },
        {},
        "Message is 300 bytes of UTF-8; at most 59 bytes",
    ),
    (
        "someone else's DUNS",
        LCE,
        lce(1),
        {"duns": B},
        f"RequesterAuthenticationID {B} is not the DUNS this system account acts for",
    ),
    (
        "requester type",
        LCE,
        lce(1),
        {"requester_type": "1"},
        "RequesterType 1 (TDSP) does not match this system account, which acts for a REP",
    ),
    ("group", LCE, lce(1), {"group": "ALL-TX"}, NO_GROUPS),
    (
        "schema",
        LCE,
        lce(1, CriticalityLevel=300),
        {},
        "'300' is not a valid value of the atomic type 'xs:unsignedByte'",
    ),
    (
        "callback",
        LCE,
        lce(1),
        {"callback": "http://example.com/cb"},
        "the callback URI must be https://",
    ),
]


@pytest.fixture(scope="module")
def refusing(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, ca: trustme.CA
) -> Iterator[tuple[Hub, list[str], Party]]:
    """One hub for every refusal (a refused request changes nothing), on SQLite: the checks
    run before the store is written, and the other tests cover PostgreSQL."""
    folder = tmp_path_factory.mktemp("refusals")
    inbox = folder / "inbox"
    inbox.mkdir()
    hub = make_hub("sqlite", folder, FixedClock(NOW), request, production=True, **INSTANT)
    esiids, lsp, _ = seed_soap_han_market(hub, inbox, ca)
    joined_devices(hub, esiids[:1])
    yield hub, esiids, lsp
    hub.close()


@pytest.mark.parametrize(
    ("case", "block", "fields", "head", "reason"), REFUSALS, ids=[r[0] for r in REFUSALS]
)
def test_whole_request_refusals_are_faults_with_precise_strings(  # noqa: PLR0917
    refusing: tuple[Hub, list[str], Party],
    case: str,
    block: Block | None,
    fields: dict[str, str | int],
    head: dict[str, str],
    reason: str,
) -> None:
    hub, esiids, lsp = refusing
    token = password_text(lsp.name)
    body = (
        message(block, fields, [address(esiids[0], meter_number(1))], security=token, **head)
        if block is not None
        else provision_request(
            esiids[0],
            meter_number(1),
            "00124B0001020304",
            INSTALL_CODE[:-1] + "0",
            "thermostat",
            security=token,
        )
    )
    with client(hub, lsp) as c:
        response = c.post(URL, content=body, headers=SOAP)
    code, text = fault_of(response.content)
    assert (response.status_code, code) == (500, "soapenv:Client"), case
    assert reason in text, (case, text)


def test_issuer_event_ids_must_increase(market: tuple[Hub, list[str], Party, Party]) -> None:
    hub, esiids, lsp, _ = market
    joined_devices(hub, esiids[:1])
    token = password_text(lsp.name)
    to_one = [address(esiids[0], meter_number(1))]
    with client(hub, lsp) as c:
        post(c, message(LCE, lce(50), to_one, security=token))
        again = c.post(URL, content=message(LCE, lce(50), to_one, security=token), headers=SOAP)
    assert fault_of(again.content) == (
        "soapenv:Client",
        "IssuerEventID must be greater than 50, the last this DUNS sent",
    )
