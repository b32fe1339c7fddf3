"""HAN's SOAP service in tests: the HAN market (han_market: Oncor ESIIDs served by Lone Star
Power, DUNS 111111111, the last one by Bluebonnet, 222222222) with a system account per REP bound
to a client certificate; Lone Star Power's is named as in the seed's sample
(`REP_Sytem_Account`). Requests are written as a back office writes them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import trustme

from han_market import PASSWORD, A, B, seed_han_market
from smt.composition import Hub
from smt.web.soap.envelope import SOAP_ENV, WSSE
from smt.web.soap.han import NAMESPACE, PATH
from smt.web.soap.han_blocks import Block
from smt.web.soap.wsse import PASSWORD_TEXT
from soap_market import Party, client_cert

from builders import NOW

SEED_ACCOUNT = "REP_Sytem_Account"  # sic: the seed's spelling
BB_ACCOUNT = "bb.han.b2b"
URL = PATH


def seed_soap_han_market(
    hub: Hub, inbox: Path, ca: trustme.CA, meters: int = 3
) -> tuple[list[str], Party, Party]:
    esiids = seed_han_market(hub, inbox, meters=meters)
    lsp = Party(SEED_ACCOUNT, client_cert(ca, SEED_ACCOUNT))
    bb = Party(BB_ACCOUNT, client_cert(ca, BB_ACCOUNT))
    with hub.engine.begin() as conn:
        for party, duns in ((lsp, A), (bb, B)):
            hub.accounts.add_system_account(
                conn,
                now=NOW,
                name=party.name,
                duns=duns,
                password=PASSWORD,
                certificate_sha256=party.sha256,
            )
    return esiids, lsp, bb


def password_text(name: str, password: str = PASSWORD) -> str:
    """A Security header with a UsernameToken PasswordText (accepted over TLS only)."""
    return (
        f'<wsse:Security xmlns:wsse="{WSSE}"><wsse:UsernameToken>'
        f"<wsse:Username>{name}</wsse:Username>"
        f'<wsse:Password Type="{PASSWORD_TEXT}">{password}</wsse:Password>'
        "</wsse:UsernameToken></wsse:Security>"
    )


def envelope(operation: str, request: str, inner: str, *, security: str = "") -> bytes:
    return f"""<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:smt="{NAMESPACE}">
<soapenv:Header>{security}</soapenv:Header><soapenv:Body><smt:{operation}><{request}>
{inner}
</{request}></smt:{operation}></soapenv:Body></soapenv:Envelope>""".encode()


def header(
    *,
    duns: str = A,
    requester_type: str = "0",
    priority: str = "L",
    request_id: str | None = None,
) -> str:
    own = f"<RequestID>{request_id}</RequestID>" if request_id else ""
    return (
        f"{own}<RequesterType>{requester_type}</RequesterType>"
        f"<RequesterAuthenticationID>{duns}</RequesterAuthenticationID>"
        f"<RequesterID>HAN OPS 1</RequesterID><RequestPriority>{priority}</RequestPriority>"
    )


def address(esiid: str, meter: str, device: str | None = None) -> str:
    eui = f"<DeviceEUI64>{device}</DeviceEUI64>" if device else ""
    meter_element = f"<MeterSerialNumber>{meter}</MeterSerialNumber>"
    return f"<Address><ESIID>{esiid}</ESIID>{meter_element}{eui}</Address>"


def message(
    block: Block,
    fields: Mapping[str, str | int],
    addresses: Sequence[str],
    *,
    security: str = "",
    callback: str | None = None,
    group: str | None = None,
    **head: str,
) -> bytes:
    """A Smart Energy request: `fields` by element name, `addresses` from `address()`."""
    values = "".join(f"<{name}>{value}</{name}>" for name, value in fields.items())
    inner = (
        header(**head)
        + (f"<CallbackUri>{callback}</CallbackUri>" if callback else "")
        + "<AddressBlock>"
        + (f"<GroupID>{group}</GroupID>" if group else "")
        + f"<AddressList>{''.join(addresses)}</AddressList></AddressBlock>"
        + f"<{block.element}>{values}</{block.element}>"
    )
    return envelope(block.operation, block.request, inner, security=security)


def provision_request(
    esiid: str,
    meter: str,
    eui64: str,
    install_code: str,
    device_type: str,
    *,
    security: str = "",
    **head: str,
) -> bytes:
    inner = (
        header(**head)
        + f"<ProvisionDeviceBlock><ESIID>{esiid}</ESIID>"
        + f"<MeterSerialNumber>{meter}</MeterSerialNumber><DeviceEUI64>{eui64}</DeviceEUI64>"
        + f"<InstallCode>{install_code}</InstallCode><DeviceType>{device_type}</DeviceType>"
        + "</ProvisionDeviceBlock>"
    )
    return envelope(
        "processProvisionDevice", "SMTxPProvisionDeviceRequest", inner, security=security
    )


def deprovision_request(
    esiid: str, meter: str, eui64: str, *, security: str = "", **head: str
) -> bytes:
    inner = (
        header(**head)
        + f"<DeprovisionDeviceBlock><ESIID>{esiid}</ESIID>"
        + f"<MeterSerialNumber>{meter}</MeterSerialNumber><DeviceEUI64>{eui64}</DeviceEUI64>"
        + "</DeprovisionDeviceBlock>"
    )
    return envelope(
        "processDeprovisionDevice", "SMTxPDeprovisionDeviceRequest", inner, security=security
    )
