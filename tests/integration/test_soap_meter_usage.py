"""The meter usage SOAP service over the app (no network): the seed's two sample requests,
accepted byte for byte and answered exactly as the seed answers (golden files), the status
operation, the WSDL and XSD, and precise faults for what is wrong in a request."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import trustme
from fastapi.testclient import TestClient
from lxml import etree

from smt.composition import Hub
from smt.reports.writers import ReportFormat, write_interval_report
from smt.usage.service import UsageService
from smt.web.app import create_app
from smt.web.soap.envelope import XSI
from smt.web.soap.meter_usage import NAMESPACE, SCHEMA
from soap_market import (
    DATA,
    SEED_DAYS,
    SEED_ESIID,
    Party,
    seed_request,
    seed_soap_market,
    with_client_certificate,
)
from soap_messages import SOAP, URL, fault_of, status_request, usage_request

from builders import NOW
from conftest import make_hub


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def market(hub: Hub, inbox: Path, ca: trustme.CA) -> tuple[Hub, Party, Party]:
    lsp, bb = seed_soap_market(hub, inbox, ca)
    return hub, lsp, bb


def client_for(hub: Hub, party: Party | None) -> TestClient:
    app = with_client_certificate(create_app(hub), party.pem if party else None)
    return TestClient(app, base_url="https://hub.test")  # type: ignore[arg-type]


@pytest.fixture
def lsp_client(market: tuple[Hub, Party, Party]) -> Iterator[TestClient]:
    hub, lsp, _ = market
    with client_for(hub, lsp) as client:
        yield client


def answer_xsd() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def payload(response_bytes: bytes) -> etree._Element:
    root = etree.fromstring(response_bytes)
    body = root.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")
    assert body is not None
    return body[0]


def test_wsdl_and_xsd_are_served(lsp_client: TestClient) -> None:
    wsdl = lsp_client.get(f"{URL}?wsdl")
    assert wsdl.status_code == 200
    root = etree.fromstring(wsdl.content)
    ns = {"w": "http://schemas.xmlsoap.org/wsdl/", "s": "http://schemas.xmlsoap.org/wsdl/soap/"}
    assert root.get("targetNamespace") == NAMESPACE
    assert root.xpath("//s:address/@location", namespaces=ns) == [f"https://hub.test{URL}"]
    operations = root.xpath("//w:portType/w:operation/@name", namespaces=ns)
    assert operations == ["processMeterUsage", "getMeterUsageStatus"]
    xsd = lsp_client.get(f"{URL}?xsd")
    assert etree.fromstring(xsd.content).get("targetNamespace") == NAMESPACE


def test_the_seeds_one_esiid_request_is_answered_with_a_file_url_as_the_seed_shows(
    lsp_client: TestClient, market: tuple[Hub, Party, Party]
) -> None:
    hub, lsp, _ = market
    request = seed_request("seed_interval_request.xml")
    response = lsp_client.post(URL, content=request, headers=SOAP)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    url = payload(response.content).findtext("MeterUsageResponse/fileUrl/fileUrl")
    assert url is not None
    assert re.fullmatch(
        r"https://hub\.test/soap/files/[0-9a-f]{32}/IntervalMeterUsage[0-9a-f]{32}\d{14}\.csv", url
    )
    golden = (DATA / "seed_interval_response.xml").read_text().strip().replace("{file_url}", url)
    assert response.content.decode() == golden
    assert answer_xsd().validate(payload(response.content))

    fetched = lsp_client.get(url)
    assert fetched.status_code == 200
    with hub.engine.connect() as conn:
        usage = UsageService().intervals(
            conn,
            hub.accounts.system_principal(conn, lsp.name),
            [SEED_ESIID],
            *SEED_DAYS,
            now=NOW,  # type: ignore[arg-type]
        )
        expected = io.StringIO()
        assert write_interval_report(expected, usage, ReportFormat.CSV) == 2 * 96
    assert fetched.text == expected.getvalue()


def test_the_seeds_multiple_esiid_request_is_queued_with_a_correlation_id_as_the_seed_shows(
    lsp_client: TestClient,
) -> None:
    request = seed_request("seed_multiple_esiids_request.xml")
    response = lsp_client.post(URL, content=request, headers=SOAP)
    assert response.status_code == 200, response.text
    correlation = payload(response.content).findtext("MeterUsageSOAPResponse/correlationId")
    assert correlation is not None
    golden = (
        (DATA / "seed_multiple_esiids_response.xml")
        .read_text()
        .strip()
        .replace("{correlation_id}", correlation)
    )
    assert response.content.decode() == golden
    assert answer_xsd().validate(payload(response.content))

    # The tests' queue runs each job where it is queued: it is done already.
    status = lsp_client.post(URL, content=status_request(correlation), headers=SOAP)
    assert status.status_code == 200, status.text
    answer = payload(status.content)
    assert answer_xsd().validate(answer)
    assert answer.findtext("MeterUsageSOAPResponse/statusCode") == "0"
    url = answer.findtext("MeterUsageResponse/fileUrl/fileUrl")
    assert url is not None
    lines = lsp_client.get(url).text.splitlines()
    assert len(lines) == 1 + 2 * 2 * 96  # a header, two ESIIDs of two days


def test_both_report_types_answer_two_files_and_mars_is_lse(lsp_client: TestClient) -> None:
    both = payload(lsp_client.post(URL, content=usage_request(report="BOTH"), headers=SOAP).content)
    urls = both.xpath("MeterUsageResponse/fileUrl/fileUrl/text()")
    assert [u.rsplit("/", 1)[1][:5] for u in urls] == ["Inter", "Daily"]
    mars = payload(lsp_client.post(URL, content=usage_request(fmt="MARS"), headers=SOAP).content)
    url = mars.findtext("MeterUsageResponse/fileUrl/fileUrl")
    assert url is not None and url.endswith(".lse")
    assert lsp_client.get(url).status_code == 200


def test_a_long_range_for_one_esiid_is_queued(lsp_client: TestClient) -> None:
    answer = payload(
        lsp_client.post(URL, content=usage_request(first="09/01/2009"), headers=SOAP).content
    )
    nil = answer.find("MeterUsageResponse")
    assert nil is not None and nil.get(f"{{{XSI}}}nil") == "true"
    assert answer.findtext("MeterUsageSOAPResponse/statusCode") == "0"


@pytest.mark.parametrize(
    ("request_bytes", "fault_text"),
    [
        (usage_request(first="13/45/2009"), "startDate '13/45/2009' is not a date"),
        (usage_request(first="12/06/2009"), "the end date is before the start date"),
        (usage_request(fmt="MARS", report="DAILY"), "MARS carries interval data only"),
        (usage_request(report="HOURLY"), "'HOURLY' is not an element of the set"),
        (usage_request(esiids=("1008901001102496160",)), "ESIID"),
        (usage_request(first="01/01/2008"), "under 13 months"),
        (b"<a/>", "not a SOAP envelope"),
        (
            (
                b'<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body>'
                b'<m:processNothing xmlns:m="http://schemas.esb.ams.com/meterusagesource"/>'
                b"</e:Body></e:Envelope>"
            ),
            "no operation",
        ),
        (
            b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>',
            "only SOAP 1.1",
        ),
        (b"<e:Envelope", "not well-formed"),
    ],
)
def test_faults_say_precisely_what_is_wrong(
    lsp_client: TestClient, request_bytes: bytes, fault_text: str
) -> None:
    response = lsp_client.post(URL, content=request_bytes, headers=SOAP)
    assert response.status_code == 500
    code, text = fault_of(response.content)
    assert code.startswith("soapenv:"), code
    assert fault_text in text


def test_a_system_account_sees_only_what_its_duns_served(
    market: tuple[Hub, Party, Party],
) -> None:
    hub, lsp, bb = market
    with client_for(hub, bb) as bluebonnet, client_for(hub, lsp) as lone_star:
        answer = payload(bluebonnet.post(URL, content=usage_request(), headers=SOAP).content)
        url = answer.findtext("MeterUsageResponse/fileUrl/fileUrl")
        assert url is not None
        assert bluebonnet.get(url).text.count("\n") == 1  # the header only: nothing of theirs
        # Another account's file and request look like none.
        mine = payload(lone_star.post(URL, content=usage_request(), headers=SOAP).content)
        theirs = mine.findtext("MeterUsageResponse/fileUrl/fileUrl")
        assert theirs is not None
        assert bluebonnet.get(theirs).status_code == 404
        correlation = theirs.split("/")[-2]
        _, text = fault_of(
            bluebonnet.post(URL, content=status_request(correlation), headers=SOAP).content
        )
        assert "no request" in text


def test_production_refuses_the_bare_seed_request_and_no_certificate(
    tmp_path: Path, clock: object, request: pytest.FixtureRequest, ca: trustme.CA, inbox: Path
) -> None:
    hub = make_hub("sqlite", tmp_path, clock, request, production=True)  # type: ignore[arg-type]
    lsp, _ = seed_soap_market(hub, inbox, ca)
    with client_for(hub, lsp) as client:
        response = client.post(URL, content=seed_request("seed_interval_request.xml"), headers=SOAP)
        code, text = fault_of(response.content)
        assert code == "wsse:InvalidSecurity"
        assert "WS-Security credential" in text
    with client_for(hub, None) as anonymous:
        code, text = fault_of(
            anonymous.post(
                URL, content=seed_request("seed_interval_request.xml"), headers=SOAP
            ).content
        )
        assert code == "wsse:FailedAuthentication"
        assert "client certificate" in text
    hub.close()


def test_a_certificate_bound_to_no_account_is_refused(
    market: tuple[Hub, Party, Party], ca: trustme.CA
) -> None:
    hub, _, _ = market
    stranger = ca.issue_cert("stranger.example", key_type=trustme.KeyType.RSA)
    app = with_client_certificate(create_app(hub), stranger.cert_chain_pems[0].bytes().decode())
    with TestClient(app, base_url="https://hub.test") as client:  # type: ignore[arg-type]
        code, text = fault_of(client.post(URL, content=usage_request(), headers=SOAP).content)
    assert code == "wsse:FailedAuthentication"
    assert "not bound" in text


def test_client_certificate_headers_are_ignored_from_anyone_but_the_proxy(
    tmp_path: Path, clock: object, request: pytest.FixtureRequest, ca: trustme.CA, inbox: Path
) -> None:
    """Only nginx, at a configured address, may say which certificate it verified."""
    hub = make_hub(  # type: ignore[arg-type]
        "sqlite", tmp_path, clock, request, production=True, trusted_proxies=("10.9.9.9",)
    )
    lsp, _ = seed_soap_market(hub, inbox, ca)
    forged = {
        **SOAP,
        "X-SSL-Client-Verify": "SUCCESS",
        "X-SSL-Client-Cert": quote(lsp.pem),
        "X-Forwarded-Proto": "https",
    }
    with client_for(hub, None) as direct:
        response = direct.post(URL, content=usage_request(), headers=forged)
    code, text = fault_of(response.content)
    assert code == "wsse:FailedAuthentication" and "client certificate" in text
    hub.close()
