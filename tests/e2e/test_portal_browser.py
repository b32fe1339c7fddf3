"""The portal in real headless Chromium (Debian's, driven by Playwright) against `smt serve`:
register a REP company, approve it as a TDSP, register a user, approve it, log in as each
role, publish a broadcast, switch to Spanish. Screenshots land in tests/e2e/artifacts/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e.served import ARTIFACTS, CHROMIUM, chromium_page, served
from smt.accounts.profiles import Person
from smt.composition import build_hub, initialise
from smt.config import Settings

PASSWORD = "Correct-Horse-42"

if not Path(CHROMIUM).exists():
    if os.environ.get("SMT_TEST_REQUIRE_SERVICES") == "1":
        pytest.fail("Debian's chromium is not installed", pytrace=False)
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True
    )

from playwright.sync_api import Page, expect  # noqa: E402


@pytest.fixture(scope="module")
def portal_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("portal") / "var"
    hub = build_hub(Settings(data_dir=data))
    initialise(hub)
    with hub.engine.begin() as conn:
        now = hub.clock.now()
        hub.accounts.add_operator(
            conn,
            now=now,
            user_id="ops.rosa",
            person=Person("Rosa", "Vela", "r@example.com"),
            password=PASSWORD,
        )
        hub.accounts.add_tdsp(
            conn,
            now=now,
            tdsp_code="ONCOR",
            user_id="oncor.admin",
            person=Person("Olga", "Ruiz", "o@example.com"),
            password=PASSWORD,
        )
    hub.close()
    with served(data) as url:
        yield url


@pytest.fixture(scope="module")
def browser_page() -> Iterator[Page]:
    with chromium_page() as page:
        yield page


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page: Page, url: str, user_id: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("User ID").fill(user_id)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def log_out(page: Page) -> None:
    page.get_by_role("button", name=("Log out", "Cerrar sesión")[0]).click()


def fill_person(page: Page, first: str, user_id: str) -> None:
    # Labels end in a required-mark, and "E-mail" is also in "Customer service e-mail":
    # the fields are found by their ids.
    page.locator("#first_name").fill(first)
    page.locator("#last_name").fill("Tester")
    page.locator("#email").fill(f"{user_id}@example.com")
    page.locator("#user_id").fill(user_id)
    page.locator("#password").fill(PASSWORD)


def test_the_portal_from_registration_to_spanish(browser_page: Page, portal_url: str) -> None:
    page, url = browser_page, portal_url

    # A REP company registers and waits.
    page.goto(f"{url}/register/rep")
    page.get_by_label("Company name").fill("Bluebonnet Energy")
    page.get_by_label("DUNS numbers (separated by commas)").fill("222222222, 2222222220001")
    page.locator("#address1").fill("100 Congress Ave")
    page.get_by_label("City").fill("Austin")
    page.get_by_label("ZIP code").fill("78701")
    page.get_by_label("Customer service phone").fill("512-555-0100")
    page.get_by_label("Customer service e-mail").fill("care@bluebonnet.example")
    fill_person(page, "Bea", "bb.admin")
    shot(page, "01-register-rep")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    log_in(page, url, "bb.admin")
    expect(page.get_by_text("awaits approval")).to_be_visible()

    # A TDSP administrator approves it.
    log_in(page, url, "oncor.admin")
    page.get_by_role("link", name="Approvals and users").click()
    shot(page, "02-tdsp-approvals")
    page.get_by_role("button", name="Approve Bluebonnet Energy").click()
    expect(page.get_by_text("Nothing is waiting.")).to_have_count(2)
    log_out(page)

    # A user joins the company; its administrator approves them.
    page.goto(f"{url}/register/user")
    page.get_by_label("Company name").fill("bluebonnet energy")
    fill_person(page, "Beto", "bb.user")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    log_in(page, url, "bb.admin")
    expect(page.get_by_text("DUNS numbers you act for: 222222222, 2222222220001")).to_be_visible()
    page.get_by_role("link", name="Approvals and users").click()
    page.get_by_role("button", name="Approve bb.user").click()
    expect(page.get_by_role("button", name="Suspend bb.user")).to_be_visible()
    shot(page, "03-rep-admin-users")

    # The approval gave the REP four customer-service logins; its admin sets a password.
    page.get_by_role("link", name="Customer service logins").click()
    spanish_login = page.locator("td", has_text=".res.es").first.inner_text()
    page.get_by_label(f"New password for {spanish_login}").fill(PASSWORD)
    page.get_by_role("button", name="Set password").nth(1).click()
    business_login = page.locator("td", has_text=".nrc.admin").first.inner_text()
    page.get_by_label(f"New password for {business_login}").fill(PASSWORD)
    page.get_by_role("button", name="Set password").nth(2).click()
    shot(page, "04-customer-service-logins")
    log_out(page)
    log_in(page, url, business_login)
    expect(page.get_by_text("Business customer administrator")).to_be_visible()
    page.get_by_role("link", name="My ESIIDs").click()
    expect(page.get_by_role("cell", name="1044372099").first).to_be_visible()
    log_out(page)
    log_in(page, url, spanish_login)
    expect(page.get_by_role("heading", name="Bienvenido, Customer")).to_be_visible()
    page.get_by_role("link", name="Mis ESIID").click()
    expect(page.get_by_role("cell", name="1044372099").first).to_be_visible()
    shot(page, "05-customer-service-spanish")
    page.get_by_role("button", name="Cerrar sesión").click()
    expect(page.get_by_role("button", name="Español")).to_be_visible()  # the browser's language

    # The operator publishes a broadcast for everyone.
    log_in(page, url, "ops.rosa")
    page.get_by_role("link", name="Broadcast messages").click()
    page.get_by_label("Message in English").fill("Maintenance Sunday 02:00-04:00 CT.")
    page.get_by_label("Message in Spanish").fill("Mantenimiento el domingo de 02:00 a 04:00 CT.")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_have_text("Maintenance Sunday 02:00-04:00 CT.")
    log_out(page)
    expect(page.get_by_role("status")).to_have_text("Maintenance Sunday 02:00-04:00 CT.")
    shot(page, "06-login-with-broadcast")

    # The new user logs in, sees the message, and switches to Spanish.
    log_in(page, url, "bb.user")
    expect(page.get_by_role("heading", name="Welcome, Beto")).to_be_visible()
    expect(page.get_by_role("link", name="Approvals and users")).to_have_count(0)
    page.get_by_role("button", name="Español").click()
    expect(page.get_by_role("heading", name="Bienvenido, Beto")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Mantenimiento el domingo de 02:00 a 04:00 CT.")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    shot(page, "07-rep-user-spanish")
    page.get_by_role("button", name="Cerrar sesión").click()

    # A customer registers and logs in; the language stays with the browser until set.
    page.get_by_role("link", name="Registrarse como cliente").click()
    page.locator("#first_name").fill("Maria")
    page.get_by_label("Apellido").fill("Hernandez")
    page.get_by_label("Correo electrónico").fill("maria@example.com")
    page.get_by_label("Identificación de usuario").fill("maria.h")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Registrarse").click()
    expect(page.get_by_role("heading", name="Gracias")).to_be_visible()
    page.goto(f"{url}/login")
    page.get_by_label("Identificación de usuario").fill("maria.h")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("link", name="Mis ESIID")).to_be_visible()
    shot(page, "08-customer-spanish")
