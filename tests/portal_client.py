"""Helpers for tests that drive the portal through FastAPI's test client."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

PASSWORD = "Correct-Horse-42"


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
