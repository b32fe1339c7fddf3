"""`smt files serve|purge` and `smt extract`: the file servers, the mailbox purge, and the
daily extract on demand. `smt demo` and `smt files serve` start both servers and poll the
TDSPs' inbound mailboxes."""

# A command-line module: it reports by printing.
# ruff: noqa: T201

from __future__ import annotations

import argparse
import threading
from typing import Any

from smt.accounts import audit
from smt.composition import Hub
from smt.files.ftps import FtpsServer
from smt.files.server_keys import ensure_host_key, ensure_tls_pair
from smt.files.sftp import SftpServer


def add_parsers(sub: Any) -> None:
    files = sub.add_parser("files", help="the FTPS and SFTP servers, and the mailbox purge")
    what = files.add_subparsers(dest="files_command", required=True)
    what.add_parser("serve", help="run the FTPS and SFTP servers (and take TDSP uploads)")
    what.add_parser("purge", help="remove mailbox files older than their kind's retention")
    extract = sub.add_parser("extract", help="the daily REP-of-Record extract (IF1020), now")
    extract.add_argument("--duns", help="only this DUNS")
    extract.add_argument(
        "--now",
        action="store_true",
        help="run it in this process (by default it is queued for the job runners)",
    )
    extract.add_argument(
        "--take-back",
        action="store_true",
        help="also finish extracts a stopped run left claimed (only when no other run is alive)",
    )


class FileServers:
    """Both servers and the TDSP upload poller, started and stopped together."""

    def __init__(self, hub: Hub) -> None:
        s = hub.settings
        cert, key = ensure_tls_pair(s.files_tls_cert, s.files_tls_key, s.data_dir, s.files_host)
        services = hub.files.services()
        self.ftps = FtpsServer(
            services,
            host=s.files_host,
            port=s.ftps_port,
            cert=cert,
            key=key,
            passive_ports=s.ftps_passive_ports,
            masquerade_address=s.ftps_masquerade_address,
        )
        self.sftp = SftpServer(
            services,
            host=s.files_host,
            port=s.sftp_port,
            host_key=ensure_host_key(s.sftp_host_key, s.data_dir),
        )
        self._hub = hub
        self._stop = threading.Event()
        self._poller = threading.Thread(target=self._poll, name="tdsp-uploads", daemon=True)

    def _poll(self) -> None:
        while not self._stop.wait(self._hub.settings.watch_interval_seconds):
            for outcome in self._hub.files.intake.poll():
                print(f"upload: {outcome.summary()}", flush=True)

    def start(self) -> None:
        self.ftps.start()
        self.sftp.start()
        self._poller.start()
        host = self._hub.settings.files_host
        print(
            f"FTPS (explicit TLS) on {host}:{self.ftps.port}, SFTP on {host}:{self.sftp.port}",
            flush=True,
        )

    def stop(self) -> None:
        self._stop.set()
        self.ftps.stop()
        self.sftp.stop()


def run_files(args: argparse.Namespace, hub: Hub, wait: Any) -> int:
    if args.files_command == "purge":
        done = hub.files.purge()
        print(f"purged {done.files} files and {done.partial} abandoned uploads")
        return 0
    servers = FileServers(hub)
    servers.start()
    try:
        wait()
    finally:
        servers.stop()
    return 0


def run_extract(args: argparse.Namespace, hub: Hub) -> int:
    with hub.engine.begin() as conn:
        audit.record(
            conn,
            at=hub.clock.now(),
            actor="cli",
            action="request-extract",
            subject=f"duns:{args.duns or 'all'}",
            details={"now": bool(args.now), "take_back": bool(args.take_back)},
        )
    if not args.now:
        hub.jobs.enqueue_extract(None)
        print("extract queued for the job runners (smt serve, or smt worker)")
        return 0
    outcomes = hub.files.extract.run(duns=args.duns, take_back=args.take_back)
    for outcome in outcomes:
        detail = ", ".join(outcome.names) or outcome.message
        print(
            f"{outcome.duns}: {outcome.status} — {outcome.intervals} interval days, "
            f"{outcome.registers} register reads ({detail})"
        )
    return 0 if all(o.status != "busy" for o in outcomes) else 1
