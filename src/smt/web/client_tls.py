"""The caller's TLS client certificate, from wherever TLS ended:

- the embedded server (smt serve --tls-client-ca) verified it and put it in the ASGI TLS
  extension (`scope["extensions"]["tls"]["client_cert_chain"]`, see web/tls_server.py);
- in production nginx verified it (`ssl_verify_client on`) and passes it in headers, which
  are believed only when the connection comes from a configured proxy address: anyone else
  sending those headers is ignored (nginx also overwrites them, see docs/soap.md).

The application reads one shape, whichever of the two produced it."""

from __future__ import annotations

import hashlib
import ipaddress
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

PEER = "smt.peer"  # the extension web/tls_server.py fills in
VERIFY_HEADER = "x-ssl-client-verify"
CERT_HEADER = "x-ssl-client-cert"
PROTO_HEADER = "x-forwarded-proto"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class PeerCertificate:
    der: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.der).hexdigest()


@dataclass(frozen=True, slots=True)
class Transport:
    """What the connection says about the caller."""

    certificate: PeerCertificate | None
    over_tls: bool
    via_proxy: bool


def proxy_networks(addresses: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(a.strip(), strict=False) for a in addresses if a.strip())


def _from_proxy(scope: Mapping[str, Any], proxies: tuple[Network, ...]) -> bool:
    # The socket's own peer when the embedded server recorded it (web/tls_server.py): the
    # `client` of the scope may have been rewritten from X-Forwarded-For by then.
    client = (scope.get("extensions") or {}).get(PEER) or scope.get("client")
    if not proxies or not client:
        return False
    try:
        address = ipaddress.ip_address(client[0])
    except ValueError:
        return False
    return any(address in network for network in proxies)


def _header(scope: Mapping[str, Any], name: str) -> str | None:
    wanted = name.encode("latin-1")
    for key, value in scope.get("headers", ()):
        if key.lower() == wanted:
            return bytes(value).decode("latin-1")
    return None


def _der(pem: str) -> bytes | None:
    try:
        return ssl.PEM_cert_to_DER_cert(pem.strip() + "\n")
    except ValueError:
        return None


def transport_of(scope: Mapping[str, Any], proxies: tuple[Network, ...]) -> Transport:
    tls = (scope.get("extensions") or {}).get("tls")
    if tls is not None:
        chain = tls.get("client_cert_chain") or []
        der = _der(chain[0]) if chain else None
        return Transport(PeerCertificate(der) if der else None, over_tls=True, via_proxy=False)
    if _from_proxy(scope, proxies):
        over_tls = (_header(scope, PROTO_HEADER) or "").lower() == "https"
        certificate = None
        if (_header(scope, VERIFY_HEADER) or "") == "SUCCESS":
            # nginx's $ssl_client_escaped_cert: the PEM, URL-encoded.
            der = _der(unquote(_header(scope, CERT_HEADER) or ""))
            certificate = PeerCertificate(der) if der else None
        return Transport(certificate, over_tls=over_tls, via_proxy=True)
    return Transport(None, over_tls=scope.get("scheme") == "https", via_proxy=False)
