"""What the browser tests share: `smt serve` run from a seeded data folder in its own process,
and a page of Debian's headless chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "artifacts"


@contextmanager
def served(data: Path, env: Mapping[str, str] | None = None) -> Iterator[str]:
    """The hub of `data` served on a free port (SMT_ settings of the test run left out, `env`
    added); its base URL until the block ends."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SMT_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "smt.cli", "--data-dir", str(data), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=clean | dict(env or {}),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{url}/healthz", timeout=1)
            break
        except httpx.TransportError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("smt serve did not start")
            time.sleep(0.2)
    try:
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@contextmanager
def chromium_page(*, accept_downloads: bool = False) -> Iterator[Page]:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - after the chromium check

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_context(accept_downloads=accept_downloads).new_page()
        page.set_default_timeout(10_000)
        try:
            yield page
        finally:
            browser.close()
