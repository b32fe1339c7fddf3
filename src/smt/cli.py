"""The `smt` command: set up, simulate, ingest, watch and serve the hub."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from types import FrameType
from typing import Any

from sqlalchemy import func, select

from smt import cli_accounts, cli_files, cli_report
from smt.clock import SystemClock
from smt.composition import Hub, build_hub, initialise, resume_jobs
from smt.config import Settings
from smt.demo import ensure_demo_accounts
from smt.ingest.pipeline import IngestOutcome, expand, inbound_order
from smt.jobs.queue import QueueBackend
from smt.simulator import SimulationConfig, default_start, simulate
from smt.store.engine import is_migrated
from smt.store.schema import interval_day

DEMO_METERS = 3000
DEMO_DAYS = 60


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    overrides: dict[str, object] = {}
    if args.data_dir is not None:
        overrides["data_dir"] = args.data_dir
    if args.database_url is not None:
        overrides["database_url"] = args.database_url
    for name in ("host", "port"):
        if getattr(args, name, None) is not None:
            overrides[name] = getattr(args, name)
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValueError as error:
        print(f"smt: bad settings: {error}", file=sys.stderr)
        return 2
    handler = COMMANDS[args.command]
    return handler(args, settings)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="smt", description=__doc__)
    parser.add_argument("--data-dir", type=Path, help="folder for the hub's files (SMT_DATA_DIR)")
    parser.add_argument("--database-url", help="SQLAlchemy URL (SMT_DATABASE_URL)")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("init", help="create the data folders and the database schema")

    sim = sub.add_parser("simulate", help="write TDSP inbound files for simulated meters")
    sim.add_argument("--meters", type=_positive, required=True)
    sim.add_argument("--days", type=_positive, required=True)
    sim.add_argument(
        "--start",
        type=date.fromisoformat,
        help="first usage day YYYY-MM-DD (default: the D days ending yesterday)",
    )
    sim.add_argument("--seed", type=int, default=1)
    sim.add_argument(
        "--malformed",
        type=float,
        default=0.0,
        help="fraction of records made malformed, every kind the validator knows",
    )
    sim.add_argument("--out", type=Path, required=True)

    ing = sub.add_parser("ingest", help="ingest TDSP files or folders of them")
    ing.add_argument("paths", nargs="+", type=Path)

    watch = sub.add_parser("watch", help="ingest files dropped in the TDSPs' inbound folders")
    watch.add_argument("--once", action="store_true", help="two polls, then exit")

    serve = sub.add_parser("serve", help="run the hub (web app)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--tls-cert", type=Path, help="PEM certificate chain: serve HTTPS")
    serve.add_argument("--tls-key", type=Path, help="PEM private key of --tls-cert")
    serve.add_argument(
        "--tls-client-ca",
        type=Path,
        help="PEM CA bundle: require a client certificate it issued (mutual TLS; "
        "SMT_TLS_CLIENT_CA)",
    )
    serve.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="serving processes sharing the port, one per core (more than one needs the "
        "Redis job queue, SMT_JOBS_REDIS_URL, run by `smt worker`)",
    )

    worker = sub.add_parser(
        "worker", help="run queued jobs (beside `smt serve` when SMT_JOBS_REDIS_URL is set)"
    )
    worker.add_argument("--threads", type=_positive, help="worker threads (SMT_JOBS_WORKERS)")
    worker.add_argument(
        "--take-back-running",
        action="store_true",
        help="also run again requests left running by a stopped worker "
        "(only when no other worker is alive)",
    )

    cli_accounts.add_parser(sub)
    cli_files.add_parsers(sub)

    soap = sub.add_parser("soap", help="the SOAP web services")
    soap_commands = soap.add_subparsers(dest="soap_command", required=True)
    digest = soap_commands.add_parser(
        "digest-secret",
        help="the UsernameToken PasswordDigest secret of a system account (it changes "
        "with the account's password)",
    )
    digest.add_argument("--name", required=True)
    cli_report.add_parser(sub)

    demo = sub.add_parser("demo", help="init, simulate and ingest demo data, then serve")
    demo.add_argument("--meters", type=_positive, default=DEMO_METERS)
    demo.add_argument("--days", type=_positive, default=DEMO_DAYS)
    demo.add_argument("--host")
    demo.add_argument("--port", type=int)
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def cmd_init(_args: argparse.Namespace, settings: Settings) -> int:
    hub = build_hub(settings)
    initialise(hub)
    print(f"hub ready: database {settings.effective_database_url}, files {settings.data_dir}")
    return 0


def cmd_simulate(args: argparse.Namespace, _settings: Settings) -> int:
    if not 0.0 <= args.malformed <= 1.0:
        print("smt simulate: --malformed must be between 0 and 1", file=sys.stderr)
        return 2
    now = SystemClock().now()
    start = args.start or default_start(args.days, now)
    config = SimulationConfig(
        meters=args.meters,
        days=args.days,
        start=start,
        seed=args.seed,
        malformed=args.malformed,
        now=now,
    )
    summary = simulate(config, args.out)
    for line in summary.lines():
        print(line)
    return 0


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    missing = [p for p in args.paths if not p.exists()]
    if missing:
        print(
            f"smt ingest: no such file or folder: {', '.join(map(str, missing))}", file=sys.stderr
        )
        return 2
    hub = build_hub(settings)
    initialise(hub)
    outcomes = ingest_all(hub, args.paths)
    return 0 if all(o.clean for o in outcomes) else 1


def ingest_all(hub: Hub, paths: Sequence[Path]) -> list[IngestOutcome]:
    outcomes = []
    ordered = inbound_order(expand(paths))
    for outcome in hub.ingester.ingest_many((path, None) for path in ordered):
        print(outcome.summary(), flush=True)
        outcomes.append(outcome)
    files = len(outcomes)
    records = sum(o.counts.total for o in outcomes)
    loaded = sum(o.counts.loaded for o in outcomes)
    unchanged = sum(o.counts.unchanged for o in outcomes)
    rejected = sum(o.counts.rejected for o in outcomes)
    rejected_files = sum(1 for o in outcomes if o.file_code is not None)
    duplicates = sum(1 for o in outcomes if o.outcome == "duplicate")
    print(
        f"total: {files} files ({duplicates} already ingested, {rejected_files} rejected); "
        f"{records} records: {loaded} loaded, {unchanged} unchanged, {rejected} rejected"
    )
    return outcomes


def cmd_watch(args: argparse.Namespace, settings: Settings) -> int:
    hub = build_hub(settings)
    initialise(hub)
    watcher = hub.watcher()
    if args.once:
        outcomes = watcher.poll() + watcher.poll()
        for outcome in outcomes:
            print(outcome.summary())
        return 0 if all(o.clean for o in outcomes) else 1
    print(f"watching {settings.inbound_dir}/<TDSP>/ every {settings.watch_interval_seconds}s")
    stop = _stop_flag()
    watcher.run(
        settings.watch_interval_seconds,
        lambda o: print(o.summary(), flush=True),
        should_stop=lambda: stop[0],
    )
    return 0


def _stop_flag() -> list[bool]:
    flag = [False]

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        flag[0] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return flag


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    if bool(args.tls_cert) != bool(args.tls_key):
        print("smt serve: --tls-cert and --tls-key go together", file=sys.stderr)
        return 2
    client_ca = args.tls_client_ca or settings.tls_client_ca
    if client_ca is not None and not args.tls_cert:
        print("smt serve: --tls-client-ca needs --tls-cert and --tls-key", file=sys.stderr)
        return 2
    if settings.production and client_ca is None and not settings.trusted_proxies:
        # Mutual TLS is not optional in production: here, or in the proxy in front.
        print(
            "smt serve: production mode needs mutual TLS: --tls-cert, --tls-key and "
            "--tls-client-ca, or SMT_TRUSTED_PROXIES naming the TLS proxy in front",
            file=sys.stderr,
        )
        return 2
    hub = build_hub(settings)
    if args.workers > 1 and hub.jobs.runs_in_process:
        # Each process would run the in-process queue and, starting, take back as orphans the
        # requests the others are running.
        print(
            "smt serve: --workers above 1 needs the Redis job queue (SMT_JOBS_REDIS_URL), "
            "its jobs run by `smt worker`",
            file=sys.stderr,
        )
        return 2
    initialise(hub)
    return serve(
        hub,
        tls=(args.tls_cert, args.tls_key) if args.tls_cert else None,
        client_ca=client_ca,
        workers=args.workers,
    )


def serve(
    hub: Hub,
    tls: tuple[Path, Path] | None = None,
    client_ca: Path | None = None,
    *,
    workers: int = 1,
    log_level: str = "info",
    access_log: bool = True,
) -> int:
    """Serve until stopped: in this process, or in `workers` processes sharing the port, each
    with its own hub built from the environment (smt.web.serving)."""
    import ssl  # noqa: PLC0415

    import uvicorn  # noqa: PLC0415 - only the long-running side needs the server

    from smt.web.app import create_app  # noqa: PLC0415 - transports load last
    from smt.web.tls_server import protocol_class  # noqa: PLC0415

    s = hub.settings
    scheme = "https" if tls else "http"
    mutual = " (client certificates required)" if client_ca else ""
    processes = f", {workers} processes" if workers > 1 else ""
    print(f"serving on {scheme}://{s.host}:{s.port}/{mutual}{processes} (GET /healthz)", flush=True)
    options: dict[str, Any] = {
        "host": s.host,
        "port": s.port,
        "log_level": log_level,
        "access_log": access_log,
        "ssl_certfile": str(tls[0]) if tls else None,
        "ssl_keyfile": str(tls[1]) if tls else None,
        "ssl_cert_reqs": ssl.CERT_REQUIRED if client_ca else ssl.CERT_NONE,
        "ssl_ca_certs": str(client_ca) if client_ca else None,
    }
    if workers == 1:
        # Tells the app the verified client certificate and the socket's real peer.
        from smt.web.serving import freeze_startup_heap  # noqa: PLC0415

        app = create_app(hub)
        freeze_startup_heap()
        uvicorn.run(app, http=protocol_class(), **options)
        return 0
    # The workers read the settings from the environment: what the command line changed too.
    os.environ["SMT_DATA_DIR"] = str(s.data_dir)
    os.environ["SMT_DATABASE_URL"] = s.effective_database_url
    hub.close()
    from smt.web.serving import serve_processes  # noqa: PLC0415

    try:
        return serve_processes(options, workers)
    except OSError as refused:
        print(f"smt serve: cannot listen on {s.host}:{s.port}: {refused}", file=sys.stderr)
        return 2


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    hub = build_hub(settings)
    initialise(hub)
    if hub.jobs.backend is QueueBackend.IMMEDIATE:
        print("smt worker: jobs run where they are queued (SMT_JOBS_IMMEDIATE)", file=sys.stderr)
        return 2
    requeued = resume_jobs(hub, orphans=args.take_back_running)
    threads = args.threads or settings.jobs_workers
    print(
        f"running jobs from the {hub.jobs.backend} queue on {threads} threads"
        f" ({requeued} unfinished jobs queued again)",
        flush=True,
    )
    # Huey's consumer owns this process's signals: SIGINT/SIGTERM stop it.
    hub.jobs.consumer(threads, hosted=False).run()
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    hub = build_hub(settings)
    initialise(hub)
    if _has_usage(hub):
        print(f"demo data already loaded in {settings.effective_database_url}")
    else:
        now = SystemClock().now()
        out = settings.data_dir / "demo-files"
        config = SimulationConfig(
            meters=args.meters,
            days=args.days,
            start=default_start(args.days, now),
            seed=2026,
            now=now,
        )
        print(f"simulating {args.meters} meters x {args.days} days into {out} ...", flush=True)
        for line in simulate(config, out).lines():
            print(line)
        ingest_all(hub, [out])
    print(f"\nLog in at the portal (http://{settings.host}:{settings.port}/login) as:")
    for line in ensure_demo_accounts(hub):
        print(f"  {line}")
    servers = cli_files.FileServers(hub)
    servers.start()
    try:
        return serve(hub)
    finally:
        servers.stop()


def _has_usage(hub: Hub) -> bool:
    if not is_migrated(hub.engine):
        return False
    with hub.engine.connect() as conn:
        return bool(conn.execute(select(func.count()).select_from(interval_day)).scalar_one())


def cmd_accounts(args: argparse.Namespace, settings: Settings) -> int:
    hub = build_hub(settings)
    initialise(hub)
    return cli_accounts.run(args, hub)


def cmd_soap(args: argparse.Namespace, settings: Settings) -> int:
    hub = build_hub(settings)
    initialise(hub)
    with hub.engine.connect() as conn:
        secret = hub.digest_key.secret(conn, args.name)
    if secret is None:
        print(f"smt soap: no system account {args.name!r}", file=sys.stderr)
        return 1
    print(secret)
    return 0


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    hub = build_hub(settings)
    initialise(hub)
    return cli_report.run(args, hub)


def cmd_files(args: argparse.Namespace, settings: Settings) -> int:
    hub = build_hub(settings)
    initialise(hub)
    stop = _stop_flag()

    def wait() -> None:
        while not stop[0]:
            time.sleep(0.5)

    return cli_files.run_files(args, hub, wait)


def cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    hub = build_hub(settings)
    initialise(hub)
    return cli_files.run_extract(args, hub)


COMMANDS = {
    "files": cmd_files,
    "extract": cmd_extract,
    "accounts": cmd_accounts,
    "report": cmd_report,
    "soap": cmd_soap,
    "init": cmd_init,
    "simulate": cmd_simulate,
    "ingest": cmd_ingest,
    "watch": cmd_watch,
    "serve": cmd_serve,
    "worker": cmd_worker,
    "demo": cmd_demo,
}


if __name__ == "__main__":
    sys.exit(main())
