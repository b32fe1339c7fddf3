"""zeep, a real SOAP client, reads HAN's WSDL from `smt serve` over real mutual TLS (production
mode, `--tls-client-ca`) and, with a UsernameToken digest beside its client certificate,
provisions a device, sends it a load-control event and then cancels all events; the
acknowledgements answer at once and the HAN log shows each delivery as the served hub's job
queue carried it to the simulated head-end."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
import trustme
import zeep
from zeep.exceptions import Fault
from zeep.wsse.username import UsernameToken

from han_market import INSTALL_CODE, A, meter_number
from saml_idp import IdentityProvider
from smt.access.policy import Principal
from smt.accounts.model import Role
from smt.composition import build_hub, initialise
from smt.config import Settings
from smt.han import log
from smt.han.log import RequestView
from soap_han import URL, seed_soap_han_market
from soap_server import Hub, digest_secret, server_certificate, start, stop

pytestmark = pytest.mark.slow

# The simulated mesh answers at once and every device behaves.
INSTANT = {
    "SMT_HAN_LATENCY_SECONDS": "[0, 0]",
    "SMT_HAN_SLEEPING_SHARE": "0",
    "SMT_HAN_UNREACHABLE_SHARE": "0",
    "SMT_HAN_OPT_OUT_SHARE": "0",
    "SMT_HAN_JOIN_FAILURE_SHARE": "0",
}
HEADER = {
    "RequesterType": "0",
    "RequesterAuthenticationID": A,
    "RequesterID": "HAN OPS 1",
    "RequestPriority": "H",
}
EUI64 = "00:12:4B:00:0A:0B:0C:0D"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Hub, int, list[str]]]:
    folder = tmp_path_factory.mktemp("soap-han")
    data, inbox = folder / "var", folder / "in"
    inbox.mkdir()
    ca = trustme.CA()
    local = build_hub(Settings(data_dir=data, production=True))
    initialise(local)
    esiids, lsp, bb = seed_soap_han_market(local, inbox, ca)
    local.close()
    ca_file = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    settings = {"SMT_PRODUCTION": "true", **INSTANT}
    hub = Hub(data, ca_file, ca, lsp, bb, IdentityProvider.make(folder), settings)
    args = [*server_certificate(hub, folder), "--tls-client-ca", str(ca_file)]
    process, port = start(hub, folder, args=args)
    yield hub, port, esiids
    stop(process)


def soap_client(hub: Hub, port: int) -> zeep.Client:
    secret = digest_secret(hub, hub.lsp.name)
    return zeep.Client(
        f"https://127.0.0.1:{port}{URL}?wsdl",
        transport=zeep.Transport(session=hub.session(hub.lsp)),
        wsse=UsernameToken(hub.lsp.name, secret, use_digest=True),
    )


def logged(hub: Hub, request_id: str, wanted: set[str]) -> RequestView:
    """The request in the hub's HAN log once its deliveries reached `wanted` (the served
    hub's job queue hands them to the head-end just after the acknowledgement)."""
    local = build_hub(Settings(data_dir=hub.data))
    operator = Principal("e2e", Role.OPERATOR)
    deadline = time.monotonic() + 30
    try:
        while True:
            with local.engine.connect() as conn:
                view = log.request(conn, operator, request_id, now=datetime.now(UTC))
            assert view is not None
            if {d.status for d in view.deliveries} == wanted or time.monotonic() > deadline:
                return view
            time.sleep(0.2)
    finally:
        local.close()


def to(esiid: str) -> dict[str, Any]:
    return {"AddressList": {"Address": [{"ESIID": esiid, "MeterSerialNumber": meter_number(1)}]}}


def test_zeep_provisions_a_device_then_controls_and_cancels_its_load(
    served: tuple[Hub, int, list[str]],
) -> None:
    hub, port, esiids = served
    soap = soap_client(hub, port)

    device = soap.service.processProvisionDevice(
        SMTxPProvisionDeviceRequest={
            "RequestID": "PROV-1",
            **HEADER,
            "ProvisionDeviceBlock": {
                "ESIID": esiids[0],
                "MeterSerialNumber": meter_number(1),
                "DeviceEUI64": EUI64,
                "InstallCode": INSTALL_CODE,
                "DeviceType": "load-control-switch",
            },
        }
    )
    assert (device.RequestID, device.ESIID, device.DeviceEUI64) == (
        "PROV-1",
        esiids[0],
        "00124B000A0B0C0D",
    )
    assert (device.DeviceType, device.DeviceState) == ("load-control-switch", "joined")

    event = soap.service.processLoadControlEvent(
        SMTxPLoadControlEventRequest={
            **HEADER,
            "AddressBlock": to(esiids[0]),
            "LCEventMessageBlock": {
                "IssuerEventID": 9001,
                "DeviceClass": 0x0080,  # load control switch (SE device class bit 7)
                "StartTime": "now",
                "DurationMinutes": 120,
                "CriticalityLevel": 5,
                "DutyCycle": 40,
            },
        }
    )
    assert (event.AddressCount, event.AcceptedCount, event.RefusedCount) == (1, 1, 0)
    assert event.RefusedAddressList is None  # empty (zeep reads an empty element as None)
    started = logged(hub, event.SMTRequestID, {"started (0x02)"})
    assert [(d.esiid, d.eui64, d.status) for d in started.deliveries] == [
        (esiids[0], "00124B000A0B0C0D", "started (0x02)")
    ]
    assert started.fields["duty_cycle"] == 40

    cancel = soap.service.processCancelAllLCEvents(
        SMTxPCancelAllLoadControlEventRequest={
            **HEADER,
            "AddressBlock": to(esiids[0]),
            "CancelAllLCEventMessageBlock": {"CancelControl": 0},
        }
    )
    assert (cancel.AcceptedCount, cancel.RefusedCount) == (1, 0)
    assert cancel.SMTRequestID != event.SMTRequestID
    delivered = logged(hub, cancel.SMTRequestID, {"delivered"})
    assert [d.final for d in delivered.deliveries] == [True]
    ended = logged(hub, event.SMTRequestID, {"cancelled (0x06)"})
    assert [(d.status, d.final) for d in ended.deliveries] == [("cancelled (0x06)", True)]


def test_a_refusal_reaches_zeep_as_a_fault(served: tuple[Hub, int, list[str]]) -> None:
    hub, port, esiids = served
    soap = soap_client(hub, port)
    with pytest.raises(Fault) as refused:
        soap.service.processProvisionDevice(
            SMTxPProvisionDeviceRequest={
                **HEADER,
                "ProvisionDeviceBlock": {
                    "ESIID": esiids[1],
                    "MeterSerialNumber": meter_number(2),
                    "DeviceEUI64": "00124B00FFFFFFFF",
                    "InstallCode": INSTALL_CODE[:-1] + "0",
                    "DeviceType": "thermostat",
                },
            }
        )
    assert refused.value.message == "the install code's CRC does not match: check the digits"
    # Without a client certificate the handshake fails before the app sees anything.
    with pytest.raises(requests.exceptions.ConnectionError):
        hub.session(None).get(f"https://127.0.0.1:{port}{URL}?wsdl", timeout=10)
