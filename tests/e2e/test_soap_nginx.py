"""Production's shape: nginx terminates TLS and verifies the client certificate
(`ssl_verify_client on`), then passes it to `smt serve` (plain HTTP on loopback) in headers the
app believes only from the configured proxy address. The config is docs/soap.md's example;
the test starts its own nginx on a free high port (never the system service)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import zeep
from zeep.wsse.username import UsernameToken

from soap_market import SEED_ESIID
from soap_server import (
    Hub,
    ask,
    digest_secret,
    expected_csv,
    free_port,
    prepare,
    server_certificate,
    start,
    stop,
)

pytestmark = pytest.mark.slow

NGINX_CONFIG = """
user root;
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {folder}/nginx-tmp/body;
    proxy_temp_path {folder}/nginx-tmp/proxy;
    fastcgi_temp_path {folder}/nginx-tmp/fastcgi;
    uwsgi_temp_path {folder}/nginx-tmp/uwsgi;
    scgi_temp_path {folder}/nginx-tmp/scgi;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_client_certificate {ca};
        ssl_verify_client on;
        ssl_verify_depth 2;
        client_max_body_size 2m;
        location / {{
            proxy_pass http://127.0.0.1:{app_port};
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-Proto https;
            proxy_set_header X-Forwarded-For "";
            proxy_set_header X-SSL-Client-Verify $ssl_client_verify;
            proxy_set_header X-SSL-Client-Cert $ssl_client_escaped_cert;
        }}
    }}
}}
"""


def nginx_binary() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found:
        return found
    message = "nginx is not installed (Debian package nginx; .ci/run installs it)"
    if os.environ.get("SMT_TEST_REQUIRE_SERVICES") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def behind_nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Hub, int]]:
    nginx = nginx_binary()
    folder = tmp_path_factory.mktemp("nginx")
    hub = prepare(folder, SMT_TRUSTED_PROXIES='["127.0.0.1/32"]')
    app, app_port = start(hub, folder, args=[])
    tls = server_certificate(hub, folder)
    port = free_port()
    (folder / "nginx-tmp").mkdir()
    config = folder / "nginx.conf"
    config.write_text(
        NGINX_CONFIG.format(
            folder=folder, port=port, cert=tls[1], key=tls[3], ca=hub.ca_file, app_port=app_port
        )
    )
    proxy = subprocess.Popen(
        [nginx, "-c", str(config), "-p", str(folder), "-e", str(folder / "nginx-error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or proxy.poll() is not None:
                    pytest.fail(f"nginx did not start: {(folder / 'nginx-error.log').read_text()}")
                time.sleep(0.1)
        yield hub, port
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)
        stop(app)


def test_zeep_through_nginx_with_mutual_tls(behind_nginx: tuple[Hub, int]) -> None:
    hub, port = behind_nginx
    secret = digest_secret(hub, hub.lsp.name)
    session = hub.session(hub.lsp)
    soap = zeep.Client(
        f"https://127.0.0.1:{port}/soap/meterusage?wsdl",
        transport=zeep.Transport(session=session),
        wsse=UsernameToken(hub.lsp.name, secret, use_digest=True),
    )
    (url,) = ask(soap, [SEED_ESIID]).MeterUsageResponse.fileUrl.fileUrl
    assert url.startswith(f"https://127.0.0.1:{port}/soap/files/")
    assert session.get(url, timeout=30).text == expected_csv(hub, [SEED_ESIID])
    # Bluebonnet's certificate, verified by nginx, is not Lone Star's account.
    assert hub.session(hub.bb).get(url, timeout=30).status_code == 404


def test_nginx_refuses_a_caller_without_a_certificate(behind_nginx: tuple[Hub, int]) -> None:
    hub, port = behind_nginx
    response = hub.session(None).get(f"https://127.0.0.1:{port}/soap/meterusage?wsdl", timeout=10)
    assert response.status_code == 400
    assert "No required SSL certificate" in response.text
