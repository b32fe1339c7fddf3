"""File delivery through the JSON API: `PUT /api/v1/pgp-key` with the armoured key as the body
(refused with the reason when weak or expired), `GET /api/v1/pgp-key` saying whether files can
go out and why not; file-transfer logins (password in the answer that made it, only there),
SSH keys, certificates; the extract's formats and an extract on demand, for the company's
administrators and operators only; everyone else, and other companies' things, 404."""

from __future__ import annotations

from collections.abc import Iterator

import asyncssh
import pytest
import trustme
from fastapi.testclient import TestClient

from files_people import OPERATOR, REP_USER, Keys, People, audited, make_keys, seed_people
from smt.composition import Hub
from smt.files.keys import NO_KEY
from smt.web.app import create_app

from portal_client import BLUEBONNET, LONE_STAR, PASSWORD

LSP_ADMIN, BB_ADMIN, LSP_DUNS = LONE_STAR[2], BLUEBONNET[2], LONE_STAR[1]
KEY_TYPE = {"Content-Type": "application/pgp-keys"}


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Keys]:
    yield make_keys(tmp_path_factory.mktemp("company-gnupg"))


@pytest.fixture
def api(hub: Hub) -> tuple[Hub, People, TestClient]:
    people = seed_people(hub)
    return hub, people, TestClient(create_app(hub), base_url="https://hub.test")


def bearer(client: TestClient, user: str) -> dict[str, str]:
    response = client.post("/api/v1/token", json={"username": user, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_a_key_is_put_checked_and_its_status_read(
    api: tuple[Hub, People, TestClient], keys: Keys
) -> None:
    hub, people, client = api
    admin = bearer(client, LSP_ADMIN)
    status = client.get("/api/v1/pgp-key", headers=admin).json()
    assert status == {
        "company_id": people.lsp,
        "key": None,
        "usable": False,
        "problem": NO_KEY,
        "warning": "",
        "waiting": 0,
    }
    for armored, reason in (
        (keys.weak, "RSA 1024 bits is too weak (at least 2048)"),
        (keys.expired, "the key expired on 2020-01-02"),
        (keys.secret, "this is a secret key: upload only the public key"),
        ("A" * 70_000, "the key is too large"),
    ):
        refused = client.put("/api/v1/pgp-key", content=armored, headers=admin | KEY_TYPE)
        assert refused.status_code == 422 and refused.json() == {"detail": reason}
    answer = client.put("/api/v1/pgp-key", content=keys.soon, headers=admin | KEY_TYPE)
    assert answer.status_code == 200, answer.text
    assert answer.json()["usable"] is True
    assert answer.json()["warning"].startswith("the key expires on ")
    answer = client.put("/api/v1/pgp-key", content=keys.good, headers=admin | KEY_TYPE)
    body = client.get("/api/v1/pgp-key", headers=admin).json()
    assert body == answer.json()
    assert body["key"]["fingerprint"] == keys.good_fingerprint
    assert body["key"]["algorithm"] == "ECDH" and body["key"]["expires_at"] is None
    assert body["key"]["uploaded_by"] == LSP_ADMIN
    assert (body["usable"], body["problem"], body["warning"]) == (True, "", "")
    assert audited(hub, "upload-pgp-key") == [(LSP_ADMIN, f"company:{people.lsp}")] * 2


def test_only_the_companys_administrators_and_operators_reach_its_key(
    api: tuple[Hub, People, TestClient], keys: Keys
) -> None:
    hub, people, client = api
    other = bearer(client, BB_ADMIN)
    for method, path in (
        ("GET", f"/api/v1/pgp-key?company_id={people.lsp}"),
        ("PUT", f"/api/v1/pgp-key?company_id={people.lsp}"),
        ("GET", f"/api/v1/file-logins?company_id={people.lsp}"),
        ("GET", "/api/v1/pgp-key?company_id=999999"),
    ):
        answer = client.request(method, path, content=keys.good, headers=other | KEY_TYPE)
        assert answer.status_code == 404 and answer.json() == {"detail": "not found"}, path
    user = bearer(client, REP_USER)
    for path in ("/api/v1/pgp-key", "/api/v1/file-logins", "/api/v1/extract"):
        assert client.get(path, headers=user).status_code == 404, path
    assert client.get("/api/v1/pgp-key").status_code == 401
    operator = bearer(client, OPERATOR)
    assert client.get("/api/v1/pgp-key", headers=operator).status_code == 404, "which company?"
    answer = client.put(
        f"/api/v1/pgp-key?company_id={people.oncor}", content=keys.good, headers=operator
    )
    assert answer.status_code == 200 and answer.json()["company_id"] == people.oncor
    oncor = bearer(client, "oncor.admin")
    assert client.get("/api/v1/pgp-key", headers=oncor).json()["usable"] is True
    assert audited(hub, "upload-pgp-key") == [(OPERATOR, f"company:{people.oncor}")]


def test_file_logins_through_the_api(api: tuple[Hub, People, TestClient]) -> None:
    hub, _, client = api
    admin = bearer(client, LSP_ADMIN)
    made = client.post("/api/v1/file-logins", json={"login": "lsp-ops"}, headers=admin)
    assert made.status_code == 201 and made.headers["cache-control"] == "no-store"
    login = made.json()
    password = login.pop("password")
    assert login["login"] == "lsp-ops" and login["status"] == "active"
    listed = client.get("/api/v1/file-logins", headers=admin)
    assert listed.json() == {"logins": [login]} and password not in listed.text
    taken = client.post("/api/v1/file-logins", json={"login": "LSP-OPS"}, headers=admin)
    assert taken.status_code == 422 and "taken" in taken.json()["detail"]

    base = f"/api/v1/file-logins/{login['id']}"
    reset = client.post(f"{base}/password", headers=admin)
    assert reset.status_code == 200 and reset.json()["password"] != password
    ssh = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()
    added = client.post(f"{base}/ssh-keys", json={"public_key": ssh}, headers=admin)
    assert added.status_code == 201
    [key] = client.get("/api/v1/file-logins", headers=admin).json()["logins"][0]["ssh_keys"]
    assert key["fingerprint"] == added.json()["fingerprint"]
    pem = trustme.CA().issue_cert("ops.example").cert_chain_pems[0].bytes().decode()
    bound = client.put(f"{base}/certificate", json={"pem": pem}, headers=admin)
    assert len(bound.json()["certificate_sha256"]) == 64

    other = bearer(client, BB_ADMIN)
    for method, path in (
        ("POST", f"{base}/password"),
        ("DELETE", base),
        ("DELETE", f"{base}/ssh-keys/{key['id']}"),
        ("POST", "/api/v1/file-logins/999999/password"),
    ):
        assert client.request(method, path, headers=other).status_code == 404, path
    assert client.delete(f"{base}/ssh-keys/{key['id']}", headers=admin).status_code == 200
    again = client.delete(f"{base}/ssh-keys/{key['id']}", headers=admin)
    assert again.status_code == 404, "removed already looks like absent"
    assert client.delete(base, headers=admin).json() == {"id": login["id"], "status": "revoked"}
    assert client.post(f"{base}/password", headers=admin).status_code == 422
    assert [a for a, _ in audited(hub, "revoke-file-login")] == [LSP_ADMIN]
    assert audited(hub, "reset-file-login") == [(LSP_ADMIN, "file-login:lsp-ops")]


def test_extract_formats_and_extracts_on_demand(
    api: tuple[Hub, People, TestClient], keys: Keys
) -> None:
    hub, people, client = api
    admin = bearer(client, LSP_ADMIN)
    state = client.get("/api/v1/extract", headers=admin).json()
    assert state["formats"] == "lse"
    assert state["duns"] == [
        {"duns": LSP_DUNS, "extracts": 0, "status": None, "message": "", "last_run_at": None}
    ]
    chosen = client.put("/api/v1/extract/formats", json={"formats": "csv"}, headers=admin)
    assert chosen.status_code == 200
    wrong = client.put("/api/v1/extract/formats", json={"formats": "pdf"}, headers=admin)
    assert wrong.status_code == 422
    client.put("/api/v1/pgp-key", content=keys.good, headers=admin | KEY_TYPE)
    queued = client.post("/api/v1/extract", headers=admin)
    assert queued.status_code == 202 and queued.json()["status"] == "queued"
    [duns] = client.get("/api/v1/extract", headers=admin).json()["duns"]
    assert (duns["extracts"], duns["status"]) == (1, "delivered")
    names = [e.name for e in hub.files.storage.listing(f"company-{people.lsp}", LSP_DUNS)]
    # CSV only: the 15-minute CSV and the register reads, no LSE.
    assert sorted(n.split("_")[2] + n[-8:] for n in names) == [
        "DailyReads.csv.asc",
        "IntervalUsage.csv.asc",
    ]

    oncor = bearer(client, "oncor.admin")
    assert client.get("/api/v1/extract", headers=oncor).status_code == 404, "a TDSP has none"
    assert client.post("/api/v1/extract", headers=oncor).status_code == 404
    assert client.post("/api/v1/extract", headers=bearer(client, BB_ADMIN)).status_code == 202
    operator = bearer(client, OPERATOR)
    assert client.post("/api/v1/extract", headers=operator).status_code == 202
    assert audited(hub, "request-extract") == [
        (LSP_ADMIN, f"company:{people.lsp}"),
        (BB_ADMIN, f"company:{people.bluebonnet}"),
        (OPERATOR, "every-duns"),
    ]


def test_the_file_delivery_endpoints_are_in_openapi(api: tuple[Hub, People, TestClient]) -> None:
    spec = api[2].get("/api/v1/openapi.json").json()
    assert {
        "/pgp-key",
        "/file-logins",
        "/file-logins/{login_id}/password",
        "/file-logins/{login_id}/ssh-keys",
        "/extract",
        "/extract/formats",
    } <= set(spec["paths"])
    body = spec["paths"]["/pgp-key"]["put"]["requestBody"]
    assert list(body["content"]) == ["application/pgp-keys"]
