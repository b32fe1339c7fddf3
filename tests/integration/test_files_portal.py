"""The portal's File delivery page: a REP administrator uploads the company's PGP key (real
keys made by gpg; weak, expired and secret ones refused with the reason), sees what waited for
it go out, issues file-transfer logins whose password is shown once, manages their SSH keys and
certificate, chooses the extract's formats and asks for the extract now; a TDSP administrator
has no extract; operators see every company and extract every DUNS, audited; another company's
page and actions, and forms without their CSRF token, are refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import asyncssh
import pytest
import trustme
from fastapi.testclient import TestClient
from sqlalchemy import select

from company_gpg import Keyring
from files_people import OPERATOR, REP_USER, Keys, People, audited, make_keys, seed_people
from smt.composition import Hub
from smt.files.delivery import owe
from smt.files.extract import formats_of
from smt.files.keys import NO_KEY, current_key
from smt.files.mailbox import Location
from smt.formats.file_names import InboundKind
from smt.store.accounts_tables import audit_event
from smt.store.files_tables import file_login
from smt.web.app import create_app

from builders import ESIID, NOW, day_record, write_csv_file, write_lse_file
from portal_client import BLUEBONNET, LONE_STAR, csrf, session

LSP_ADMIN, BB_ADMIN, LSP_DUNS = LONE_STAR[2], BLUEBONNET[2], LONE_STAR[1]


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Keys]:
    yield make_keys(tmp_path_factory.mktemp("company-gnupg"))


@pytest.fixture
def people(hub: Hub) -> People:
    return seed_people(hub)


def client_of(hub: Hub, user: str) -> TestClient:
    return session(create_app(hub), user)


def post(client: TestClient, path: str, page: str = "/files", **fields: str) -> tuple[int, str]:
    """Submit a File delivery form with the token of `page`; (status, page shown)."""
    response = client.post(path, data={"csrf_token": csrf(client.get(page).text)} | fields)
    return response.status_code, response.text


def upload(client: TestClient, company_id: int, armored: str, *, as_file: bool) -> tuple[int, str]:
    token = csrf(client.get("/files").text)
    if as_file:
        response = client.post(
            f"/files/{company_id}/key",
            data={"csrf_token": token},
            files={"key_file": ("company.asc", armored.encode(), "application/pgp-keys")},
        )
    else:
        response = client.post(
            f"/files/{company_id}/key", data={"csrf_token": token, "armored": armored}
        )
    return response.status_code, response.text


def new_password(page: str) -> str:
    found = re.search(r'id="new-password">\s*<p>[^<]*<code>([^<]+)</code>', page)
    assert found is not None, page[-2000:]
    return found.group(1)


def test_an_administrator_uploads_the_key_and_what_waited_goes_out(
    hub: Hub, people: People, keys: Keys
) -> None:
    source = hub.settings.data_dir / "owed" / "IntervalMeterUsage1.csv"
    source.parent.mkdir(parents=True)
    source.write_text("ESIID\n")
    with hub.engine.begin() as conn:
        owe(conn, people.lsp, "adhoc", source.name, f"owed/{source.name}", now=hub.clock.now())
    assert hub.files.courier.run() == 0
    client = client_of(hub, LSP_ADMIN)
    page = client.get("/files").text
    assert 'href="/files"' in page, "the navigation links the page"
    assert 'id="key-problem"' in page and "No PGP public key yet" in page
    waiting = page[page.index('id="waiting"') :]
    assert source.name in waiting and NO_KEY in waiting

    status, page = upload(client, people.lsp, keys.good, as_file=True)
    assert status == 200 and 'id="notice"' in page, page[-2000:]
    fingerprint = keys.good_fingerprint
    grouped = " ".join(fingerprint[i : i + 4] for i in range(0, len(fingerprint), 4))
    assert grouped in page and "ECDH" in page and "Never" in page
    assert 'id="key-problem"' not in page and 'id="key-warning"' not in page
    assert 'id="nothing-waits"' in page, "the test hub's queue delivered at once"
    delivered = Location(f"company-{people.lsp}", "adhoc", f"{source.name}.asc")
    with hub.files.storage.open_read(delivered) as data:
        assert Keyring(keys.home).decrypt(data.read())[0] == b"ESIID\n"
    assert audited(hub, "upload-pgp-key") == [(LSP_ADMIN, f"company:{people.lsp}")]


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("weak", "RSA 1024 bits is too weak (at least 2048)"),
        ("expired", "the key expired on 2020-01-02"),
        ("secret", "this is a secret key: upload only the public key"),
        ("garbage", "not an ASCII-armoured OpenPGP public key"),
    ],
)
def test_weak_expired_and_secret_keys_are_refused_with_the_reason(
    hub: Hub, people: People, keys: Keys, key: str, reason: str
) -> None:
    client = client_of(hub, LSP_ADMIN)
    armored = "hello" if key == "garbage" else getattr(keys, key)
    status, page = upload(client, people.lsp, armored, as_file=False)
    assert status == 400
    found = re.search(r'id="error">([^<]+)<', page)
    assert found is not None and found.group(1) == reason
    with hub.engine.connect() as conn:
        assert current_key(conn, people.lsp) is None
    assert audited(hub, "upload-pgp-key") == []


def test_a_key_expiring_within_30_days_is_accepted_with_a_warning(
    hub: Hub, people: People, keys: Keys
) -> None:
    client = client_of(hub, LSP_ADMIN)
    status, page = upload(client, people.lsp, keys.soon, as_file=False)
    assert status == 200
    with hub.engine.connect() as conn:
        key = current_key(conn, people.lsp)
    assert key is not None and key.expires_at is not None
    assert key.expires_at - NOW < timedelta(days=11)
    warning = re.search(r'id="key-warning">([^<]+)<', page)
    assert warning is not None
    assert f"expires on {key.expires_at.date()}" in warning.group(1)
    # A newer key replaces it; the warning goes.
    status, page = upload(client, people.lsp, keys.good, as_file=False)
    assert status == 200 and 'id="key-warning"' not in page


def test_a_file_login_password_is_shown_once_and_works(
    hub: Hub, people: People, tmp_path: Path
) -> None:
    client = client_of(hub, LSP_ADMIN)
    status, page = post(client, f"/files/{people.lsp}/logins", login="lsp-ops")
    assert status == 200
    password = new_password(page)
    assert page.count(password) == 1
    assert password not in client.get("/files").text, "shown once"

    def works(secret: str) -> bool:
        with hub.engine.begin() as conn:
            view = hub.files.logins.authenticate(
                conn, "lsp-ops", now=hub.clock.now(), address="198.51.100.7", password=secret
            )
        return view is not None and view.folders[0] == LSP_DUNS

    assert works(password)
    with hub.engine.connect() as conn:
        login_id = conn.execute(select(file_login.c.id)).scalar_one()
        stored = str(conn.execute(select(file_login)).one()) + str(
            conn.execute(select(audit_event.c.details)).all()
        )
    assert password not in stored, "never stored in clear"

    status, page = post(client, f"/files/{people.lsp}/logins/{login_id}/reset")
    assert status == 200
    second = new_password(page)
    assert second != password and works(second) and not works(password)

    status, page = post(client, f"/files/{people.lsp}/logins", login="LSP-OPS")
    assert status == 400 and "that login is taken" in page

    ssh = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()
    status, _ = post(client, f"/files/{people.lsp}/logins/{login_id}/ssh-key", text=ssh)
    assert status == 200  # after the redirect
    fingerprint = asyncssh.import_public_key(ssh).get_fingerprint("sha256")
    page = client.get("/files").text
    assert fingerprint in page
    weak = asyncssh.generate_private_key("ssh-rsa", key_size=1024).export_public_key().decode()
    status, page = post(client, f"/files/{people.lsp}/logins/{login_id}/ssh-key", text=weak)
    assert status == 400 and "RSA keys need at least 2048 bits" in page
    status, page = post(client, f"/files/{people.lsp}/logins/{login_id}/ssh-key", text="hi")
    assert status == 400 and "not an OpenSSH public key" in page
    [key_id] = re.findall(rf"/files/{people.lsp}/logins/{login_id}/ssh-keys/(\d+)/remove", page)
    status, page = post(client, f"/files/{people.lsp}/logins/{login_id}/ssh-keys/{key_id}/remove")
    assert status == 200 and fingerprint not in page

    certificate = trustme.CA().issue_cert("lsp-ops.example").cert_chain_pems[0].bytes().decode()
    status, page = post(
        client, f"/files/{people.lsp}/logins/{login_id}/certificate", text=certificate
    )
    assert status == 200
    with hub.engine.connect() as conn:
        digest = conn.execute(select(file_login.c.certificate_sha256)).scalar_one()
    assert digest is not None and digest[:16] in page
    status, page = post(client, f"/files/{people.lsp}/logins/{login_id}/certificate", text="x")
    assert status == 400 and "not a PEM certificate" in page

    status, page = post(client, f"/files/{people.lsp}/logins/{login_id}/revoke")
    assert status == 200 and 'data-status="revoked"' in page
    assert not works(second)
    subjects = [
        action
        for action in (
            "issue-file-login",
            "reset-file-login",
            "add-file-login-ssh-key",
            "remove-file-login-ssh-key",
            "set-file-login-certificate",
            "revoke-file-login",
        )
        if audited(hub, action) == [(LSP_ADMIN, "file-login:lsp-ops")]
    ]
    assert len(subjects) == 6, subjects


def test_a_rep_chooses_formats_and_asks_for_the_extract_now(
    hub: Hub, people: People, keys: Keys, inbox: Path
) -> None:
    hub.ingester.ingest(
        write_csv_file(
            inbox,
            InboundKind.ROR_FULL,
            [[ESIID, LSP_DUNS, "20240301"]],
            created=NOW - timedelta(days=20),
        )
    )
    hub.ingester.ingest(write_lse_file(inbox, [day_record(revised_at=NOW - timedelta(days=1))]))
    client = client_of(hub, LSP_ADMIN)
    page = client.get("/files").text
    assert f'data-duns="{LSP_DUNS}" data-status=""' in page, "no extract yet"
    assert 'value="lse" checked' in page, "LSE by default"
    status, page = post(client, f"/files/{people.lsp}/formats", formats="lse+csv")
    assert status == 200 and 'value="lse+csv" checked' in page
    with hub.engine.connect() as conn:
        assert formats_of(conn, people.lsp) == "lse+csv"
    status, page = post(client, f"/files/{people.lsp}/formats", formats="xlsx")
    assert status == 400 and "the extract comes as LSE, CSV, or both" in page

    # Without a key the extract waits, and says why.
    status, page = post(client, f"/files/{people.lsp}/extract")
    assert status == 200 and f'data-duns="{LSP_DUNS}" data-status="waiting"' in page
    assert NO_KEY in page
    upload(client, people.lsp, keys.good, as_file=False)
    status, page = post(client, f"/files/{people.lsp}/extract")
    assert status == 200 and "The extract is on its way" in page
    assert f'data-duns="{LSP_DUNS}" data-status="delivered"' in page
    names = [e.name for e in hub.files.storage.listing(f"company-{people.lsp}", LSP_DUNS)]
    [lse] = [n for n in names if n.endswith(".lse.asc")]
    assert len(names) == 3, names  # LSE, the 15-minute CSV and the register reads
    with hub.files.storage.open_read(Location(f"company-{people.lsp}", LSP_DUNS, lse)) as data:
        clear = Keyring(keys.home).decrypt(data.read())[0].decode()
    assert ESIID in clear
    assert audited(hub, "request-extract") == [(LSP_ADMIN, f"company:{people.lsp}")] * 2
    assert audited(hub, "set-extract-formats") == [(LSP_ADMIN, f"company:{people.lsp}")]


def test_a_tdsp_administrator_manages_its_key_and_logins_but_has_no_extract(
    hub: Hub, people: People
) -> None:
    client = client_of(hub, "oncor.admin")
    page = client.get("/files").text
    assert "A login uploads whole files into inbound" in page
    assert 'id="extract-form"' not in page and 'id="formats-form"' not in page
    status, page = post(client, f"/files/{people.oncor}/logins", login="oncor-up")
    assert status == 200 and new_password(page)
    for path, fields in (
        (f"/files/{people.oncor}/formats", {"formats": "csv"}),
        (f"/files/{people.oncor}/extract", {}),
    ):
        status, page = post(client, path, **fields)
        assert status == 404, path
    assert audited(hub, "set-extract-formats") == audited(hub, "request-extract") == []


def test_another_companys_page_and_actions_are_not_found(hub: Hub, people: People) -> None:
    bb = client_of(hub, BB_ADMIN)
    post(bb, f"/files/{people.bluebonnet}/logins", login="bb-ops")
    with hub.engine.connect() as conn:
        bb_login = conn.execute(select(file_login.c.id)).scalar_one()
    client = client_of(hub, LSP_ADMIN)
    missing = client.get("/files/999999").text
    assert client.get(f"/files/{people.bluebonnet}").status_code == 404
    attempts = [
        (f"/files/{people.bluebonnet}/key", {"armored": "x"}),
        (f"/files/{people.bluebonnet}/logins", {"login": "sneaky"}),
        (f"/files/{people.bluebonnet}/logins/{bb_login}/reset", {}),
        (f"/files/{people.lsp}/logins/{bb_login}/reset", {}),  # its own page, theirs login
        (f"/files/{people.lsp}/logins/{bb_login}/revoke", {}),
        (f"/files/{people.bluebonnet}/formats", {"formats": "csv"}),
        (f"/files/{people.bluebonnet}/extract", {}),
        ("/files/extract-all", {}),
        (f"/files/{people.lsp}/logins/{bb_login}/rename", {}),
    ]
    for path, fields in attempts:
        status, page = post(client, path, **fields)
        assert status == 404, path
        assert page == missing, f"{path} looks exactly like an absent page"
    for user in (REP_USER,):
        assert client_of(hub, user).get("/files").status_code == 404
        assert 'href="/files"' not in client_of(hub, user).get("/").text
    assert TestClient(create_app(hub)).get("/files").status_code == 404
    with hub.engine.connect() as conn:
        assert conn.execute(select(file_login.c.login, file_login.c.status)).all() == [
            ("bb-ops", "active")
        ]
    assert audited(hub, "reset-file-login") == audited(hub, "request-extract") == []


def test_forms_without_their_csrf_token_are_refused(hub: Hub, people: People) -> None:
    client = client_of(hub, LSP_ADMIN)
    for path, fields in (
        (f"/files/{people.lsp}/logins", {"login": "lsp-ops"}),
        (f"/files/{people.lsp}/formats", {"formats": "csv"}),
        (f"/files/{people.lsp}/extract", {}),
    ):
        for token in ({}, {"csrf_token": "not-the-token" * 4}):
            response = client.post(path, data=fields | token)
            assert response.status_code == 403, path
    with hub.engine.connect() as conn:
        assert conn.execute(select(file_login.c.id)).all() == []
    assert audited(hub, "request-extract") == audited(hub, "set-extract-formats") == []


def test_operators_see_every_company_act_for_one_and_extract_every_duns(
    hub: Hub, people: People, keys: Keys
) -> None:
    client = client_of(hub, OPERATOR)
    page = client.get("/files").text
    listed = re.findall(r'data-company="(\d+)"', page)
    assert listed[0] == str(people.oncor), "TDSPs first"
    assert sorted(listed) == sorted(str(c) for c in (people.lsp, people.bluebonnet, people.oncor))
    status, page = upload(client, people.lsp, keys.good, as_file=False)
    assert status == 200
    page = client.get(f"/files/{people.lsp}").text
    assert "Lone Star Power" in page and 'href="/files">' in page
    status, page = post(client, f"/files/{people.lsp}/logins", f"/files/{people.lsp}", login="x1y2")
    assert status == 200 and new_password(page)
    status, page = post(client, "/files/extract-all")
    assert status == 200 and 'id="notice"' in page
    assert audited(hub, "request-extract") == [(OPERATOR, "every-duns")]
    assert audited(hub, "upload-pgp-key") == [(OPERATOR, f"company:{people.lsp}")]
    assert audited(hub, "issue-file-login") == [(OPERATOR, "file-login:x1y2")]
    # Lone Star Power has a key: its DUNS got its extract; Bluebonnet's waits for one.
    extracts = client.get(f"/files/{people.lsp}").text
    assert f'data-duns="{LSP_DUNS}" data-status="delivered"' in extracts
    bluebonnet = client.get(f"/files/{people.bluebonnet}").text
    assert f'data-duns="{BLUEBONNET[1]}" data-status="waiting"' in bluebonnet
