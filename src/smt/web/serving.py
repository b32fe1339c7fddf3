"""What `smt serve --workers N` runs in each of its N processes. uvicorn starts its worker
processes afresh (spawned, not forked) and finds the app and the HTTP protocol by import name:
the hub is built again in each from the SMT_* environment the parent exported."""

from __future__ import annotations

from fastapi import FastAPI

from smt.composition import build_hub
from smt.config import Settings
from smt.web.app import create_app
from smt.web.tls_server import protocol_class

# A class made at run time cannot be handed to a spawned process; this name can.
ClientCertificateProtocol = protocol_class()


def app_from_environment() -> FastAPI:
    """One worker's app: the hub as the environment describes it (migrated by the parent)."""
    return create_app(build_hub(Settings()))
