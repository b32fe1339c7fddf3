"""Helpers for tests that drive the portal through FastAPI's test client."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection

from smt.accounts.profiles import CompanyProfile, Person
from smt.composition import Hub

PASSWORD = "Correct-Horse-42"
LONE_STAR = ("Lone Star Power", "111111111", "lsp.admin")
BLUEBONNET = ("Bluebonnet Energy", "222222222", "bb.admin")


def csrf(page: str) -> str:
    """The CSRF token a page's forms carry."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def session(app: FastAPI, user_id: str, password: str = PASSWORD) -> TestClient:
    """A client logged in to the portal as `user_id`."""
    client = TestClient(app, base_url="https://portal.test")
    response = client.post(
        "/login",
        data={
            "user_id": user_id,
            "password": password,
            "csrf_token": csrf(client.get("/login").text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[-400:]
    return client


def add_oncor_and_reps(hub: Hub, conn: Connection, *reps: tuple[str, str, str]) -> None:
    """The people most portal tests start from: Oncor's administrator (`oncor.admin`) and one
    approved REP company per (name, DUNS, administrator's user ID), Lone Star Power if none."""
    now = hub.clock.now()
    hub.accounts.add_tdsp(
        conn,
        now=now,
        tdsp_code="ONCOR",
        user_id="oncor.admin",
        person=Person("Olga", "Ruiz", "o@example.com"),
        password=PASSWORD,
    )
    for name, duns, admin in reps or (LONE_STAR,):
        hub.accounts.add_rep(
            conn,
            now=now,
            profile=CompanyProfile(name),
            duns=[duns],
            user_id=admin,
            person=Person("Lia", "Soto", "l@example.com"),
            password=PASSWORD,
        )
