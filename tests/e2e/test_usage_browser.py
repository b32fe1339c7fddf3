"""Usage pages in real headless Chromium: a customer views a day of intervals (chart and
table) and downloads SMT's CSV; a REP reads a day's version report; a REP asks for a report
of several ESIIDs, which the served hub queues and runs, then downloads it."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from e2e.served import ARTIFACTS, CHROMIUM, chromium_page, served
from smt.accounts.profiles import CompanyProfile, Person
from smt.composition import build_hub, initialise
from smt.config import Settings
from smt.domain.central_time import today_in_central
from smt.formats.file_names import InboundKind

from builders import ESIID, ESIID_2, day_record, write_csv_file, write_lse_file

PASSWORD = "Correct-Horse-42"

if not Path(CHROMIUM).exists():
    if os.environ.get("SMT_TEST_REQUIRE_SERVICES") == "1":
        pytest.fail("Debian's chromium is not installed", pytrace=False)
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

from playwright.sync_api import Page, expect  # noqa: E402


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    folder = tmp_path_factory.mktemp("usage")
    data, inbox = folder / "var", folder / "in"
    inbox.mkdir()
    hub = build_hub(Settings(data_dir=data))
    initialise(hub)
    now = datetime.now(UTC)
    yesterday = today_in_central(now) - timedelta(days=1)
    hub.ingester.ingest(
        write_csv_file(
            inbox,
            InboundKind.ROR_FULL,
            [[ESIID, "111111111", "20250601"]],
            created=now - timedelta(hours=3),
        )
    )
    hub.ingester.ingest(
        write_lse_file(
            inbox,
            [
                day_record(day=yesterday - timedelta(days=n), revised_at=now - timedelta(hours=2))
                for n in (0, 1)
            ],
            created=now - timedelta(hours=2),
        )
    )
    hub.ingester.ingest(
        write_lse_file(
            inbox,
            [day_record(day=yesterday, base=150, revised_at=now - timedelta(hours=1))],
            created=now - timedelta(hours=1),
        )
    )
    with hub.engine.begin() as conn:
        hub.accounts.add_rep(
            conn,
            now=now,
            profile=CompanyProfile("Lone Star Power"),
            duns=["111111111"],
            user_id="lsp.admin",
            person=Person("Lia", "Soto", "l@example.com"),
            password=PASSWORD,
        )
        hub.customers.add_customer(
            conn,
            now=now,
            user_id="maria.h",
            person=Person("Maria", "H", "m@example.com"),
            password=PASSWORD,
            esiids=[(ESIID, yesterday - timedelta(days=30))],
        )
    hub.close()
    with served(data) as url:
        yield url, yesterday.isoformat()


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    with chromium_page(accept_downloads=True) as page:
        yield page


def log_in(page: Page, url: str, user_id: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("User ID").fill(user_id)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_customer_views_a_day_and_downloads_the_csv(
    page: Page, site: tuple[str, str], tmp_path: Path
) -> None:
    url, yesterday = site
    log_in(page, url, "maria.h")
    page.get_by_role("link", name="Usage").click()
    page.get_by_label("From").fill(yesterday)
    page.get_by_label("To (at most 40 days)").fill(yesterday)
    page.get_by_role("button", name="Show usage").click()
    expect(page.get_by_role("cell", name=yesterday, exact=True)).to_be_visible()
    expect(page.locator("#usage-chart canvas").first).to_be_visible()  # uPlot drew it
    page.screenshot(path=str(ARTIFACTS / "09-customer-usage.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the CSV").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    rows = saved.read_text().splitlines()
    assert rows[0].startswith("ESIID,USAGE_DATE,REVISION_DATE")
    assert len(rows) == 1 + 96
    assert rows[1].split(",")[5] == "0.150", "the latest revision"


def test_a_rep_reads_a_version_report(page: Page, site: tuple[str, str]) -> None:
    url, yesterday = site
    log_in(page, url, "lsp.admin")
    page.get_by_role("link", name="Usage").click()
    # a REP has thousands of ESIIDs: it searches them first
    page.get_by_label("Search: start of an ESIID, or part of the service address").fill(ESIID[:12])
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#esiid option")).to_have_count(1)
    expect(page.locator("#esiid")).to_have_value(ESIID)
    page.get_by_label("From").fill(yesterday)
    page.get_by_label("To (at most 40 days)").fill(yesterday)
    page.get_by_role("button", name="Show usage").click()
    page.get_by_role("link", name=f"Versions of {yesterday}").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("yes")
    page.screenshot(path=str(ARTIFACTS / "10-rep-version-report.png"), full_page=True)


def test_a_rep_asks_for_a_queued_report_and_downloads_it(
    page: Page, site: tuple[str, str], tmp_path: Path
) -> None:
    url, yesterday = site
    day_before = (datetime.fromisoformat(yesterday) - timedelta(days=1)).date().isoformat()
    log_in(page, url, "lsp.admin")
    page.get_by_role("link", name="Reports").click()
    page.get_by_label("ESIIDs (up to 1000, one per line)").fill(f"{ESIID}\n{ESIID_2}")
    page.get_by_label("From").fill(day_before)
    page.get_by_label("To", exact=True).fill(yesterday)
    page.get_by_role("button", name="Request the report").click()
    # several ESIIDs are always queued: the served hub's own job queue runs the request
    row = page.locator("#report-requests tbody tr").first
    deadline = time.monotonic() + 30
    while row.get_attribute("data-status") != "completed" and time.monotonic() < deadline:
        time.sleep(0.5)
        page.reload()
    expect(row).to_have_attribute("data-status", "completed")
    page.screenshot(path=str(ARTIFACTS / "11-rep-queued-report.png"), full_page=True)
    with page.expect_download() as download:
        row.get_by_role("link", name="Download").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    rows = saved.read_text().splitlines()
    assert rows[0].startswith("ESIID,USAGE_DATE,REVISION_DATE")
    assert len(rows) == 1 + 2 * 96, "two days of the REP's ESIID, latest revisions"
    assert not any(ESIID_2 in r for r in rows), "no data for the other ESIID"
