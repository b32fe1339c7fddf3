"""Companies' PGP keys checked by real gpg (strength, expiry, secret material), files encrypted
to them and signed by the hub's key, decrypted and verified by `gpg` on the company's side."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from company_gpg import Keyring
from smt.accounts.model import NotYours
from smt.clock import FixedClock
from smt.composition import Hub
from smt.files.delivery import Courier, owe, waiting
from smt.files.keys import NO_KEY, current_key, key_problem, upload_key
from smt.files.mailbox import Location
from smt.files.pgp import FakeEncryptor, GpgEncryptor, KeyRefused
from smt.files.storage import MemoryMailboxes
from smt.store.accounts_tables import company

from conftest import make_hub
from portal_client import add_oncor_and_reps


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    ring = Keyring(tmp_path_factory.mktemp("company-gnupg"))
    made = {
        "good": ring.generate("Lone Star Power <ops@lsp.example>"),
        "soon": ring.generate("Soon <soon@lsp.example>", expire="1d"),
        "weak": ring.generate("Weak <weak@lsp.example>", "rsa1024", "sign,encr", "0"),
        "sign_only": ring.generate("Sign <sign@lsp.example>", "ed25519", "sign", "0"),
        "hub": ring.generate("Smart Meter Texas hub <hub@smt.example>"),
    }
    armored = {name: ring.export(fpr) for name, fpr in made.items()}
    armored["secret"] = ring.export_secret(made["good"])
    armored["hub_secret"] = ring.export_secret(made["hub"])
    armored |= {f"fpr:{name}": fpr for name, fpr in made.items()}
    armored["home"] = str(ring.home)
    yield armored


def real_now() -> datetime:
    return datetime.now(UTC)


def test_a_strong_key_is_accepted_and_weak_or_wrong_ones_are_refused(
    tmp_path: Path, keys: dict[str, str]
) -> None:
    gpg = GpgEncryptor(tmp_path / "gnupg")
    now = real_now()
    info = gpg.inspect(keys["good"], now=now)
    assert info.fingerprint == keys["fpr:good"]
    assert info.algorithm == "ECDH" and info.expires_at is None and not info.warning
    assert "expires" in gpg.inspect(keys["soon"], now=now).warning
    refusals = {
        "weak": "too weak",
        "sign_only": "no encryption key",
        "secret": "secret key",
    }
    for name, why in refusals.items():
        with pytest.raises(KeyRefused, match=why):
            gpg.inspect(keys[name], now=now)
    with pytest.raises(KeyRefused, match="expired"):
        gpg.inspect(keys["soon"], now=now + timedelta(days=2))
    with pytest.raises(KeyRefused, match="exactly one"):
        gpg.inspect(keys["good"] + keys["weak"], now=now)
    with pytest.raises(KeyRefused, match="not an ASCII-armoured"):
        gpg.inspect("hello", now=now)


def test_gpg_decrypts_and_verifies_what_the_hub_encrypted_and_signed(
    tmp_path: Path, keys: dict[str, str]
) -> None:
    signing = tmp_path / "hub-signing.asc"
    signing.write_text(keys["hub_secret"])
    gpg = GpgEncryptor(tmp_path / "gnupg", signing_key=signing)
    out = io.BytesIO()
    clear = b"00000001,10443720000000001,4,...\n" * 1000
    with gpg.encrypting(out, recipient=keys["good"], fingerprint=keys["fpr:good"]) as sink:
        sink.write(clear)
    assert out.getvalue().startswith(b"-----BEGIN PGP MESSAGE-----")
    company = Keyring(Path(keys["home"]))
    data, status = company.decrypt(out.getvalue())
    assert data == clear
    assert f"VALIDSIG {keys['fpr:hub']}" in status


def hub_with_fake(request: pytest.FixtureRequest, tmp_path: Path, backend: str) -> Hub:
    return make_hub(backend, tmp_path, FixedClock(real_now()), request)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_administrators_upload_keys_and_deliveries_wait_without_one(
    request: pytest.FixtureRequest, tmp_path: Path, keys: dict[str, str], backend: str
) -> None:
    hub = hub_with_fake(request, tmp_path, backend)
    try:
        now = hub.clock.now()
        with hub.engine.begin() as conn:
            add_oncor_and_reps(hub, conn)
            lsp = conn.execute(select(company.c.id).where(company.c.kind == "rep")).scalar_one()
            admin = hub.accounts.principal(conn, "lsp.admin")
            oncor = hub.accounts.principal(conn, "oncor.admin")
            assert admin is not None and oncor is not None
            assert key_problem(conn, lsp, now) == NO_KEY
            with pytest.raises(NotYours):
                upload_key(conn, hub.files.encryptor, oncor, lsp, keys["good"], now=now)
            with pytest.raises(KeyRefused):
                upload_key(conn, hub.files.encryptor, admin, lsp, keys["weak"], now=now)
        source = hub.settings.data_dir / "owed.csv"
        source.write_text("ESIID\n")
        with hub.engine.begin() as conn:
            owe(conn, lsp, "adhoc", "owed.csv", "owed.csv", now=now)
        assert hub.files.courier.run() == 0
        with hub.engine.connect() as conn:
            assert [w.reason for w in waiting(conn, lsp)] == [NO_KEY]
        with hub.engine.begin() as conn:
            upload_key(conn, hub.files.encryptor, admin, lsp, keys["good"], now=now)
            key = current_key(conn, lsp)
            assert key is not None and key.fingerprint == keys["fpr:good"]
        assert hub.files.courier.run() == 1
        with hub.engine.connect() as conn:
            assert waiting(conn, lsp) == []
            events = conn.exec_driver_sql(
                "SELECT action FROM audit_event WHERE action = 'upload-pgp-key'"
            ).all()
            assert len(events) == 1
        delivered = Location(f"company-{lsp}", "adhoc", "owed.csv.asc")
        with hub.files.storage.open_read(delivered) as data:
            clear, _ = Keyring(Path(keys["home"])).decrypt(data.read())
        assert clear == b"ESIID\n"
    finally:
        hub.close()


def test_the_fake_encryptor_judges_keys_by_the_same_rules(tmp_path: Path) -> None:
    fake = FakeEncryptor()
    now = datetime(2026, 11, 27, tzinfo=UTC)
    assert fake.inspect("FAKE-PGP-KEY fpr=AB bits=3072", now=now).fingerprint == "AB"
    with pytest.raises(KeyRefused, match="too weak"):
        fake.inspect("FAKE-PGP-KEY fpr=AB bits=1024", now=now)
    with pytest.raises(KeyRefused, match="expired"):
        fake.inspect("FAKE-PGP-KEY fpr=AB expires=2026-01-01T00:00:00+00:00", now=now)
    with pytest.raises(KeyRefused, match="secret"):
        fake.inspect("FAKE-PGP-KEY fpr=AB secret=yes", now=now)
    storage = MemoryMailboxes()
    assert isinstance(Courier, type) and storage.boxes() == []
