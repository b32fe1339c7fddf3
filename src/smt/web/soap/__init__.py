"""The hub's SOAP web services (the seed's M1 and HAN APIs) on a small layer of our own over
lxml: services declared as data (service.py), hardened parsing (xml.py), SOAP 1.1 envelopes
and faults (envelope.py), WS-Security (security.py with wsse.py, dsig.py, saml.py)."""

from __future__ import annotations

from fastapi import APIRouter

from smt.composition import Hub
from smt.web.soap.files import files_router
from smt.web.soap.han import HanSoap
from smt.web.soap.meter_usage import MeterUsage
from smt.web.soap.routes import soap_router
from smt.web.soap.security import WsSecurity


def soap_services(hub: Hub) -> APIRouter:
    """Every SOAP service of the hub and the files they hand out; one include in the app."""
    security = WsSecurity(hub, hub.replay, hub.digest_key)
    router = soap_router(hub, [MeterUsage(hub).service(), HanSoap(hub).service()], security)
    router.include_router(files_router(hub))
    return router
