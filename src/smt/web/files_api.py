"""File delivery in the hub's JSON API (docs/files.md): a company's PGP key (`PUT` the armoured
key as the body, `GET` whether files can go out and why not), its FTPS/SFTP logins, the daily
extract's formats and an extract on demand. The same services as the portal's File delivery
page decide (a REP's or TDSP's own administrators; operators name the company with
`?company_id=`) and audit every change; anything the caller may not manage answers 404 exactly
like something that does not exist. A new password appears once, in the answer that made it."""

# No `from __future__ import annotations`: FastAPI reads the endpoints' annotations.

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from smt.access.policy import Principal
from smt.accounts.model import NotYours, Role, WorkflowError
from smt.composition import Hub
from smt.files import extract_status, overview
from smt.files.extract import FORMATS
from smt.files.keys import upload_key
from smt.files.logins import LoginSummary
from smt.files.pgp import MAX_KEY_BYTES, KeyRefused
from smt.files.service import DELIVER_JOB

NOT_FOUND = "not found"
KEY_MEDIA = "application/pgp-keys"
# Answers that carry a password must never sit in a cache.
SECRET_HEADERS = {"Cache-Control": "no-store"}
LARGEST_ID = 2**31 - 1  # ids past the database's integers are simply absent
CompanyId = Annotated[
    int | None, Query(ge=1, le=LARGEST_ID, description="operators: the company meant")
]
Id = Annotated[int, Path(ge=1, le=LARGEST_ID)]


class LoginBody(BaseModel):
    login: str = Field(max_length=80, description="4 to 40 letters, digits and . _ -")


class SshKeyBody(BaseModel):
    public_key: str = Field(max_length=20_000, description="one OpenSSH line: ssh-ed25519 …")


class CertificateBody(BaseModel):
    pem: str = Field(
        default="", max_length=20_000, description="PEM certificate FTPS then requires; empty: none"
    )


class FormatsBody(BaseModel):
    formats: str = Field(description="lse, csv or lse+csv", examples=list(FORMATS))


async def armored_body(request: Request) -> str:
    """The request body as text, read no further than one byte over the key size limit (the
    service then refuses it as too large)."""
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_KEY_BYTES:
            break
    return data[: MAX_KEY_BYTES + 1].decode("utf-8", errors="replace")


def login_json(summary: LoginSummary) -> dict[str, Any]:
    return {
        "id": summary.id,
        "login": summary.login,
        "status": summary.status,
        "created_at": summary.created_at.isoformat(),
        "last_login_at": summary.last_login_at.isoformat() if summary.last_login_at else None,
        "certificate_sha256": summary.certificate_sha256,
        "ssh_keys": [{"id": i, "fingerprint": f} for i, f in summary.ssh_keys],
    }


def key_status(state: overview.CompanyFiles, now: datetime) -> dict[str, Any]:
    key = state.key
    return {
        "company_id": state.id,
        "key": None
        if key is None
        else {
            "fingerprint": key.fingerprint,
            "algorithm": key.algorithm,
            "bits": key.bits,
            "user_ids": key.user_ids,
            "expires_at": key.expires_at.isoformat() if key.expires_at else None,
            "uploaded_by": key.uploaded_by,
            "uploaded_at": key.uploaded_at.isoformat(),
        },
        "usable": not state.problem,
        "problem": state.problem,
        "warning": key.warning(now) if key is not None and not state.problem else "",
        "waiting": state.waiting,
    }


def add_files_routes(api: FastAPI, hub: Hub, caller: Callable[..., Principal]) -> None:
    Caller = Annotated[Principal, Depends(caller)]  # noqa: N806 - a type alias
    files = hub.files

    def company_for(principal: Principal, company_id: int | None) -> int:
        """The company asked about: the caller's own, or the one an operator names."""
        if company_id is not None:
            return company_id
        if principal.role is Role.OPERATOR or principal.company_id is None:
            raise HTTPException(404, NOT_FOUND)
        return principal.company_id

    @contextmanager
    def decided(*, write: bool = True) -> Iterator[Connection]:
        """A transaction whose refusals become answers: NotYours a 404 like absence, a
        refused key or change a 422 that says why."""
        try:
            with hub.engine.begin() if write else hub.engine.connect() as conn:
                yield conn
        except NotYours:
            raise HTTPException(404, NOT_FOUND) from None
        except (WorkflowError, KeyRefused) as refusal:
            raise HTTPException(422, str(refusal)) from None

    @api.get("/pgp-key", tags=["files"])
    def pgp_key(principal: Caller, company_id: CompanyId = None) -> JSONResponse:
        """The company's current key, and whether files can be delivered now (else why)."""
        chosen = company_for(principal, company_id)
        now = hub.clock.now()
        with decided(write=False) as conn:
            state = overview.of_company(conn, principal, chosen, now)
        return JSONResponse(key_status(state, now))

    @api.put(
        "/pgp-key",
        tags=["files"],
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {KEY_MEDIA: {"schema": {"type": "string"}}},
                "description": "the ASCII-armoured public key (one certificate)",
            }
        },
    )
    def put_pgp_key(
        principal: Caller,
        armored: Annotated[str, Depends(armored_body)],
        company_id: CompanyId = None,
    ) -> JSONResponse:
        """Upload (or replace) the company's key: checked for strength and expiry; refused
        with the reason (422). What waited for a key goes out from the job queue."""
        chosen = company_for(principal, company_id)
        now = hub.clock.now()
        with decided() as conn:
            upload_key(conn, files.encryptor, principal, chosen, armored, now=now)
            state = overview.of_company(conn, principal, chosen, now)
        hub.jobs.enqueue(DELIVER_JOB, chosen)
        return JSONResponse(key_status(state, now))

    @api.get("/file-logins", tags=["files"])
    def file_logins(principal: Caller, company_id: CompanyId = None) -> JSONResponse:
        chosen = company_for(principal, company_id)
        with decided(write=False) as conn:
            found = files.logins.listing(conn, principal, chosen)
        return JSONResponse({"logins": [login_json(s) for s in found]})

    @api.post("/file-logins", tags=["files"], status_code=201)
    def issue_login(
        body: LoginBody, principal: Caller, company_id: CompanyId = None
    ) -> JSONResponse:
        """A new FTPS/SFTP login; its password is in this answer only."""
        chosen = company_for(principal, company_id)
        with decided() as conn:
            password = files.logins.issue(conn, principal, chosen, body.login, now=hub.clock.now())
            summary = next(
                s
                for s in files.logins.listing(conn, principal, chosen)
                if s.login.lower() == body.login.strip().lower()
            )
        return JSONResponse(
            login_json(summary) | {"password": password}, status_code=201, headers=SECRET_HEADERS
        )

    @api.post("/file-logins/{login_id}/password", tags=["files"])
    def reset_login(login_id: Id, principal: Caller) -> JSONResponse:
        """A new password for the login (the old one stops working); in this answer only."""
        with decided() as conn:
            password = files.logins.reset_password(conn, principal, login_id, now=hub.clock.now())
        return JSONResponse({"id": login_id, "password": password}, headers=SECRET_HEADERS)

    @api.delete("/file-logins/{login_id}", tags=["files"])
    def revoke_login(login_id: Id, principal: Caller) -> JSONResponse:
        with decided() as conn:
            files.logins.revoke(conn, principal, login_id, now=hub.clock.now())
        return JSONResponse({"id": login_id, "status": "revoked"})

    @api.post("/file-logins/{login_id}/ssh-keys", tags=["files"], status_code=201)
    def add_ssh_key(login_id: Id, body: SshKeyBody, principal: Caller) -> JSONResponse:
        with decided() as conn:
            fingerprint = files.logins.add_ssh_key(
                conn, principal, login_id, body.public_key, now=hub.clock.now()
            )
        return JSONResponse({"id": login_id, "fingerprint": fingerprint}, status_code=201)

    @api.delete("/file-logins/{login_id}/ssh-keys/{key_id}", tags=["files"])
    def remove_ssh_key(login_id: Id, key_id: Id, principal: Caller) -> JSONResponse:
        with decided() as conn:
            files.logins.remove_ssh_key(conn, principal, login_id, key_id, now=hub.clock.now())
        return JSONResponse({"id": login_id, "removed": key_id})

    @api.put("/file-logins/{login_id}/certificate", tags=["files"])
    def set_certificate(login_id: Id, body: CertificateBody, principal: Caller) -> JSONResponse:
        with decided() as conn:
            digest = files.logins.set_certificate(
                conn, principal, login_id, body.pem, now=hub.clock.now()
            )
        return JSONResponse({"id": login_id, "certificate_sha256": digest})

    @api.get("/extract", tags=["files"])
    def extract_state(principal: Caller, company_id: CompanyId = None) -> JSONResponse:
        """A REP company's extract formats and each DUNS's last extract."""
        chosen = company_for(principal, company_id)
        with decided(write=False) as conn:
            extract_status.check_rep(conn, principal, chosen)
            formats = extract_status.formats_of(conn, chosen)
            per_duns = extract_status.for_company(conn, chosen)
        return JSONResponse(
            {
                "company_id": chosen,
                "formats": formats,
                "duns": [
                    {
                        "duns": e.duns,
                        "extracts": e.counter,
                        "status": e.status or None,
                        "message": e.message,
                        "last_run_at": e.last_run_at.isoformat() if e.last_run_at else None,
                    }
                    for e in per_duns
                ],
            }
        )

    @api.put("/extract/formats", tags=["files"])
    def extract_formats(
        body: FormatsBody, principal: Caller, company_id: CompanyId = None
    ) -> JSONResponse:
        chosen = company_for(principal, company_id)
        with decided() as conn:
            extract_status.set_formats(conn, principal, chosen, body.formats, now=hub.clock.now())
        return JSONResponse({"company_id": chosen, "formats": body.formats})

    @api.post("/extract", tags=["files"], status_code=202)
    def extract_now(principal: Caller, company_id: CompanyId = None) -> JSONResponse:
        """The daily extract now: the caller's REP company, the one an operator names, or
        (an operator naming none) every DUNS. Queued; `GET /extract` follows it."""
        if company_id is None and principal.role is Role.OPERATOR:
            with decided() as conn:
                extract_status.request_all(conn, principal, now=hub.clock.now())
            hub.jobs.enqueue_extract(None)
            return JSONResponse({"status": "queued", "company_id": None}, status_code=202)
        chosen = company_for(principal, company_id)
        with decided() as conn:
            extract_status.request_now(conn, principal, chosen, now=hub.clock.now())
        hub.jobs.enqueue_extract(chosen)
        return JSONResponse({"status": "queued", "company_id": chosen}, status_code=202)
