"""HAN portal pages in real headless Chromium against `smt serve` with an instant simulated
head-end: a REP provisions a device and sees it joined; a REP sends a load-control event to two
ESIIDs, follows it, cancels it and sees every delivery reach its final state."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from e2e.served import ARTIFACTS, CHROMIUM, chromium_page, served
from han_market import INSTALL_CODE, esiid, meter_number
from smt.accounts.profiles import CompanyProfile, Person
from smt.composition import build_hub, initialise
from smt.config import Settings
from smt.formats.file_names import InboundKind

from builders import write_csv_file

PASSWORD = "Correct-Horse-42"
DUNS = "111111111"
# The simulated head-ends at zero latency, every device reachable and awake (bench/han.py).
INSTANT = {
    "SMT_HAN_LATENCY_SECONDS": "[0, 0]",
    "SMT_HAN_SLEEPING_SHARE": "0",
    "SMT_HAN_UNREACHABLE_SHARE": "0",
    "SMT_HAN_OPT_OUT_SHARE": "0",
    "SMT_HAN_CONFIRM_SHARE": "1",
    "SMT_HAN_JOIN_FAILURE_SHARE": "0",
}

if not Path(CHROMIUM).exists():
    if os.environ.get("SMT_TEST_REQUIRE_SERVICES") == "1":
        pytest.fail("Debian's chromium is not installed", pytrace=False)
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

from playwright.sync_api import Page, expect  # noqa: E402


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Three Oncor ESIIDs with SE 1.0 meters, served today by Lone Star Power."""
    folder = tmp_path_factory.mktemp("han")
    data, inbox = folder / "var", folder / "in"
    inbox.mkdir()
    hub = build_hub(Settings(data_dir=data))
    initialise(hub)
    now = datetime.now(UTC)
    numbers = (1, 2, 3)
    meters = [
        [
            esiid(n),
            meter_number(n),
            "L+G",
            "FOCUS AXe",
            "RES",
            "1",
            "C",
            "15",
            "SE1.0",
            "20200101",
            "",
        ]
        for n in numbers
    ]
    hub.ingester.ingest(
        write_csv_file(inbox, InboundKind.METER_FULL, meters, created=now - timedelta(hours=3))
    )
    ror = [[esiid(n), DUNS, "20240301"] for n in numbers]
    hub.ingester.ingest(
        write_csv_file(inbox, InboundKind.ROR_FULL, ror, created=now - timedelta(hours=2))
    )
    with hub.engine.begin() as conn:
        hub.accounts.add_rep(
            conn,
            now=now,
            profile=CompanyProfile("Lone Star Power"),
            duns=[DUNS],
            user_id="lsp.admin",
            person=Person("Lia", "Soto", "l@example.com"),
            password=PASSWORD,
        )
    hub.close()
    with served(data, INSTANT) as url:
        yield url


@pytest.fixture
def page() -> Iterator[Page]:
    with chromium_page() as page:
        yield page


def log_in(page: Page, url: str, user_id: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("User ID").fill(user_id)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def provision(page: Page, n: int, eui64: str) -> None:
    page.get_by_role("link", name="HAN devices", exact=True).click()
    form = page.locator("#provision-form")
    form.get_by_label("ESIID").fill(esiid(n))
    form.get_by_label("Meter number").fill(meter_number(n))
    form.get_by_label("Device EUI-64 (16 hexadecimal digits)").fill(eui64)
    form.get_by_label("Install code, as printed on the device (with its CRC)").fill(INSTALL_CODE)
    form.get_by_label("Device type").select_option(label="Thermostat")
    form.get_by_role("button", name="Provision the device").click()


def reload_until(page: Page, check: Callable[[], bool], seconds: float = 20) -> None:
    """The served hub fans out on its job queue after answering: reload until it shows."""
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.3)
        page.reload()


def test_a_rep_provisions_a_device_and_sees_it_joined(page: Page, site: str) -> None:
    log_in(page, site, "lsp.admin")
    provision(page, 1, "00:12:4B:00:00:00:00:01")
    row = page.locator('#han-devices tr[data-eui64="00124B0000000001"]')
    expect(row).to_have_attribute("data-state", "joined")
    expect(row).to_contain_text("Joined")
    expect(page.locator("#install_code")).to_have_value("")
    page.screenshot(path=str(ARTIFACTS / "20-han-device-joined.png"), full_page=True)


def test_a_rep_sends_load_control_to_two_esiids_and_follows_it(page: Page, site: str) -> None:
    log_in(page, site, "lsp.admin")
    provision(page, 2, "00124B0000000002")
    provision(page, 3, "00124B0000000003")
    page.get_by_role("link", name="HAN messages", exact=True).click()
    page.get_by_label("Kind of message").select_option(label="Load control event")
    event = page.locator("#group-load-control")
    expect(page.locator("#group-text")).to_be_hidden()  # only the chosen kind's fields
    event.get_by_label("Issuer event ID (greater than the last one you sent)").fill("4001")
    event.get_by_label("Duration in minutes (1 to 1440)").fill("120")
    event.get_by_label("Criticality level").select_option(label="Level 2")
    event.get_by_label("Duty cycle (percent, 0 to 100)").fill("50")
    page.get_by_label("Addresses, one a line").fill(f"{esiid(2)}\n{esiid(3)}/{meter_number(3)}")
    page.screenshot(path=str(ARTIFACTS / "21-han-compose.png"), full_page=True)
    page.get_by_role("button", name="Send the message").click()
    expect(page.locator("#ack-accepted")).to_have_text("Accepted addresses: 2")
    page.screenshot(path=str(ARTIFACTS / "22-han-acknowledged.png"), full_page=True)
    page.locator("#ack-request").click()
    request_url = page.url
    final = page.locator("#han-final")
    started = page.locator('#han-counts tr[data-status="started (0x02)"]')
    reload_until(page, lambda: started.count() == 1)
    expect(started).to_contain_text("2")
    expect(final).to_have_attribute("data-final", "0")

    # Cancelling the event ends it on both devices: their final state.
    page.get_by_role("link", name="HAN messages", exact=True).click()
    page.get_by_label("Kind of message").select_option(label="Cancel a load control event")
    cancel = page.locator("#group-cancel-load-control")
    cancel.get_by_label("Issuer event ID of the event to cancel").fill("4001")
    page.get_by_label("Addresses, one a line").fill(f"{esiid(2)}\n{esiid(3)}")
    page.get_by_role("button", name="Send the message").click()
    expect(page.locator("#ack-accepted")).to_have_text("Accepted addresses: 2")
    page.goto(request_url)
    reload_until(page, lambda: final.get_attribute("data-final") == "2")
    expect(final).to_have_attribute("data-final", "2")
    expect(page.locator('#han-counts tr[data-status="cancelled (0x06)"]')).to_contain_text("2")
    expect(page.locator('#han-deliveries tr[data-final="yes"]')).to_have_count(2)
    page.screenshot(path=str(ARTIFACTS / "23-han-request-final.png"), full_page=True)
    page.get_by_role("link", name="History of 00124B0000000002").click()
    history = page.locator("#han-history tbody tr")
    expect(history.last).to_contain_text("cancelled (0x06)")
    expect(history.first).to_contain_text("sent")  # handed to the head-end
    expect(page.locator("#han-history")).to_contain_text("received (0x01)")
    page.screenshot(path=str(ARTIFACTS / "24-han-delivery-history.png"), full_page=True)
