"""The file servers' own keys: the FTPS certificate and the SFTP host key. Configured paths
win; otherwise a self-signed certificate and an Ed25519 host key are made once in the data
folder (private, mode 600) so that `smt demo` runs with nothing to prepare. Production
configures a certificate from a CA its partners trust."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def ensure_tls_pair(
    cert: Path | None, key: Path | None, data_dir: Path, host: str
) -> tuple[Path, Path]:
    if cert is not None and key is not None:
        return cert, key
    from cryptography import x509  # noqa: PLC0415 - only a server start needs it
    from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415
    from cryptography.x509.oid import NameOID  # noqa: PLC0415

    folder = data_dir / "files-tls"
    made_cert, made_key = folder / "cert.pem", folder / "key.pem"
    if made_cert.is_file() and made_key.is_file():
        return made_cert, made_key
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host or "localhost")])
    now = datetime.now(UTC)
    import ipaddress  # noqa: PLC0415

    alt: list[x509.GeneralName] = [x509.DNSName("localhost")]
    try:
        alt.append(x509.IPAddress(ipaddress.ip_address(host)))
    except ValueError:
        alt.append(x509.DNSName(host))
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=825))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .sign(private, hashes.SHA256())
    )
    _write_private(
        made_key,
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    made_cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return made_cert, made_key


def ensure_host_key(configured: Path | None, data_dir: Path) -> Path:
    if configured is not None:
        return configured
    path = data_dir / "ssh_host_ed25519_key"
    if not path.is_file():
        import asyncssh  # noqa: PLC0415

        _write_private(path, asyncssh.generate_private_key("ssh-ed25519").export_private_key())
    return path
