"""API benchmark: 10,000 meters x 90 days stored (SQLite, and PostgreSQL when configured), the
hub served as in production (`smt serve --workers N`, one process per core) in processes of its
own, and 32 concurrent clients for 30 s on the 40-day interval query
(`/api/v1/esiids/{esiid}/intervals`, a different ESIID each request) and on `/healthz`, in the
same run. Prints requests/s, p50 and p99 of each and their ratio, then one line per bar.

    .venv/bin/python bench/api.py [--meters 10000] [--days 90] [--clients 32] [--seconds 30]
                                  [--workers CORES]

PostgreSQL comes from SMT_BENCH_POSTGRES_URL or SMT_TEST_POSTGRES_URL (a scratch database is
created and dropped); without either, its figures are skipped. More than one serving process
needs the Redis job queue, as in production: SMT_BENCH_REDIS_URL or SMT_TEST_REDIS_URL (a queue
of its own name); without either, one process serves.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Coroutine
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import NOW, scratch_postgres, simulated_files

P99_LIMIT_MS = 100.0
THROUGHPUT_SHARE = 0.2
MEMORY_LIMIT = 1.25
ADHOC_SIZES = (100, 1000)
PASSWORD = "Bench-Password-2026"  # noqa: S105 - a scratch database, thrown away
USER = "bench.rep"
LAST_DAY = date(2026, 11, 26)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--meters", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--serve", nargs=4, metavar=("DATA_DIR", "DB_URL", "PORT", "WORKERS"))
    parser.add_argument("--adhoc", nargs=4, metavar=("DATA_DIR", "DB_URL", "ESIIDS", "FORMAT"))
    args = parser.parse_args()
    if args.serve:
        return serve(Path(args.serve[0]), args.serve[1], int(args.serve[2]), int(args.serve[3]))
    if args.adhoc:
        return adhoc_child(Path(args.adhoc[0]), args.adhoc[1], int(args.adhoc[2]), args.adhoc[3])
    files = simulated_files(args.meters, args.days)
    bars: list[tuple[str, float, float, bool]] = []
    with tempfile.TemporaryDirectory() as scratch:
        sqlite = run_backend("SQLite", Path(scratch), f"sqlite:///{scratch}/bench.db", files, args)
    bars += [
        ("sqlite_40day_p99_ms", sqlite["query"]["p99"], P99_LIMIT_MS, True),
        ("sqlite_throughput_vs_healthz", sqlite["share"], THROUGHPUT_SHARE, False),
        ("adhoc_memory_10x_esiids", sqlite["adhoc_growth"], MEMORY_LIMIT, True),
    ]
    url = os.environ.get("SMT_BENCH_POSTGRES_URL") or os.environ.get("SMT_TEST_POSTGRES_URL")
    if url:
        with scratch_postgres(url) as pg_url, tempfile.TemporaryDirectory() as scratch:
            postgres = run_backend("PostgreSQL", Path(scratch), pg_url, files, args)
        bars.append(("postgres_throughput_vs_healthz", postgres["share"], THROUGHPUT_SHARE, False))
        print(f"(PostgreSQL 40-day p99: {postgres['query']['p99']:.1f} ms, reported, no bar)")
    else:
        print("PostgreSQL: skipped (set SMT_BENCH_POSTGRES_URL or SMT_TEST_POSTGRES_URL)")
    failed = False
    for name, measured, limit, at_most in bars:
        ok = measured <= limit if at_most else measured >= limit
        failed |= not ok
        sign = "limit" if at_most else "at least"
        print(f"bar {name}: {measured:.2f} ({sign} {limit:.2f}) {'PASS' if ok else 'FAIL'}")
    return 1 if failed else 0


def run_backend(
    label: str, data_dir: Path, db_url: str, files: Path, args: argparse.Namespace
) -> dict[str, Any]:
    began = time.perf_counter()
    esiids = load(data_dir, db_url, files)
    print(
        f"\n{label}: stored {args.meters:,} meters x {args.days} days in "
        f"{time.perf_counter() - began:.1f} s; querying {len(esiids):,} ESIIDs of one REP"
    )
    port = free_port()
    workers, env = serving_processes(args.workers)
    print(f"{label}: served by {workers} process{'es' if workers > 1 else ''}")
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(data_dir), db_url, str(port), str(workers)],
        stdout=subprocess.DEVNULL,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base)
        first = LAST_DAY - timedelta(days=39)
        paths = [f"/api/v1/esiids/{e}/intervals?from={first}&to={LAST_DAY}" for e in esiids]
        # A 40-day answer holds 40 days of 96 values (5 bytes or more each); /healthz a short
        # JSON object.
        query = run_loop(
            hammer(base, paths, args.clients, args.seconds, login=True, min_bytes=40 * 96 * 5)
        )
        health = run_loop(
            hammer(base, ["/healthz"], args.clients, args.seconds, login=False, min_bytes=16)
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    for name, result in (("40-day intervals", query), ("/healthz", health)):
        print(
            f"{label} {name:17s} {result['rps']:8.1f} req/s  p50 {result['p50']:6.1f} ms  "
            f"p99 {result['p99']:6.1f} ms  ({result['count']:,} requests, "
            f"{result['errors']} errors, {result['bytes'] / max(result['count'], 1):,.0f} B each)"
        )
    share = query["rps"] / health["rps"]
    print(
        f"{label}: 40-day query throughput = {share:.3f} x /healthz; "
        f"p99 ratio {query['p99'] / health['p99']:.2f}"
    )
    (data_dir / "esiids.txt").write_text("\n".join(esiids))
    growth = 0.0
    for fmt in ("csv", "json"):
        small, large = (adhoc_run(data_dir, db_url, n, fmt) for n in ADHOC_SIZES)
        for n, run in zip(ADHOC_SIZES, (small, large), strict=True):
            print(
                f"{label} ad hoc 48 months x {n:,} ESIIDs ({fmt}): {run['records']:,} rows, "
                f"{run['mb']:.0f} MB file, {run['seconds']:.1f} s, peak RSS {run['rss_mb']:.0f} MB"
            )
        growth = max(growth, large["rss_mb"] / small["rss_mb"])
    return {"query": query, "health": health, "share": share, "adhoc_growth": growth}


def adhoc_run(data_dir: Path, db_url: str, esiids: int, fmt: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, "--adhoc", str(data_dir), db_url, str(esiids), fmt],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit("the ad hoc step failed")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def adhoc_child(data_dir: Path, db_url: str, count: int, fmt: str) -> int:
    """One 48-month ad hoc request for `count` ESIIDs, run as the queued job runs it."""
    from smt.clock import FixedClock  # noqa: PLC0415
    from smt.composition import build_hub  # noqa: PLC0415
    from smt.config import Settings  # noqa: PLC0415
    from smt.reports.adhoc import AdHocRequest  # noqa: PLC0415
    from smt.reports.writers import ReportFormat  # noqa: PLC0415

    esiids = (data_dir / "esiids.txt").read_text().split()[:count]
    settings = Settings(data_dir=data_dir, database_url=db_url)  # type: ignore[call-arg]
    hub = build_hub(settings, FixedClock(NOW))
    began = time.perf_counter()
    with hub.engine.begin() as conn:
        principal = hub.accounts.principal(conn, USER)
        assert principal is not None  # noqa: S101 - made by load()
        wanted = AdHocRequest(
            "interval", ReportFormat(fmt), esiids, LAST_DAY - timedelta(days=1460), LAST_DAY
        )
        queued = hub.adhoc.submit(conn, principal, wanted, now=NOW)
        done = hub.adhoc.run(conn, principal, queued.correlation_id, now=NOW)
    path = hub.adhoc.file_path(principal, done)
    assert path is not None  # noqa: S101 - run() wrote it
    print(
        json.dumps(
            {
                "records": done.records,
                "seconds": time.perf_counter() - began,
                "mb": path.stat().st_size / 2**20,
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )
    path.unlink()
    return 0


def load(data_dir: Path, db_url: str, files: Path) -> list[str]:
    """Ingest the simulated files and make one REP login for the most common REP of Record."""
    from sqlalchemy import select  # noqa: PLC0415

    from smt.accounts.profiles import CompanyProfile, Person  # noqa: PLC0415
    from smt.clock import FixedClock  # noqa: PLC0415
    from smt.composition import build_hub, initialise  # noqa: PLC0415
    from smt.config import Settings  # noqa: PLC0415
    from smt.ingest.pipeline import inbound_order  # noqa: PLC0415
    from smt.store.schema import rep_of_record  # noqa: PLC0415

    # Loaded as of the simulation's "now", so that its last day's files are not from the future.
    settings = Settings(data_dir=data_dir, database_url=db_url)  # type: ignore[call-arg]
    hub = build_hub(settings, FixedClock(NOW))
    try:
        initialise(hub)
        for outcome in hub.ingester.ingest_many(
            (p, None) for p in inbound_order(files.iterdir()) if p.suffix in {".lse", ".csv"}
        ):
            if not outcome.clean:
                print(f"  {outcome.summary()}")
        window_start = LAST_DAY - timedelta(days=39)
        with hub.engine.begin() as conn:
            spans = conn.execute(
                select(rep_of_record.c.esiid, rep_of_record.c.duns).where(
                    rep_of_record.c.start_date <= window_start,
                    (rep_of_record.c.end_date.is_(None)) | (rep_of_record.c.end_date >= LAST_DAY),
                )
            ).all()
            duns = Counter(d for _, d in spans).most_common(1)[0][0]
            hub.accounts.add_rep(
                conn,
                now=NOW,
                profile=CompanyProfile("Bench Power"),
                duns=[duns],
                user_id=USER,
                person=Person("Bench", "Mark", "bench@example.com"),
                password=PASSWORD,
            )
        return sorted({e for e, d in spans if d == duns})
    finally:
        hub.close()


def serving_processes(wanted: int) -> tuple[int, dict[str, str]]:
    """How many processes serve, and their environment: several need the Redis job queue."""
    redis = os.environ.get("SMT_BENCH_REDIS_URL") or os.environ.get("SMT_TEST_REDIS_URL")
    env = dict(os.environ)
    if wanted > 1:
        if not redis:
            print("  one serving process: set SMT_BENCH_REDIS_URL or SMT_TEST_REDIS_URL for more")
            return 1, env
        env |= {"SMT_JOBS_REDIS_URL": redis, "SMT_JOBS_QUEUE_NAME": f"bench-{uuid.uuid4().hex}"}
    return wanted, env


def serve(data_dir: Path, db_url: str, port: int, workers: int) -> int:
    """As `smt serve --workers N` serves (the database is already migrated)."""
    from smt.cli import serve as smt_serve  # noqa: PLC0415
    from smt.composition import build_hub  # noqa: PLC0415
    from smt.config import Settings  # noqa: PLC0415

    settings = Settings(data_dir=data_dir, database_url=db_url, host="127.0.0.1", port=port)  # type: ignore[call-arg]
    return smt_serve(build_hub(settings), workers=workers, log_level="warning", access_log=False)


class Http:
    """A lean HTTP/1.1 keep-alive connection for the load generator: writes the request bytes,
    reads the headers and then Content-Length bytes (or chunks). httpx spends several times the
    server's CPU per request parsing and building, and it shares the server's two cores."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, headers: bytes = b"", body: bytes = b""
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None  # noqa: S101 - opened with the writer
        length = f"Content-Length: {len(body)}\r\n".encode() if body else b""
        self.writer.write(
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n".encode()
            + headers
            + length
            + b"\r\n"
            + body
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        if "content-length" in fields:
            content = await self.reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                parts.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            await self.reader.readuntil(b"\r\n")  # no trailers are sent
            content = b"".join(parts)
        else:
            raise RuntimeError(f"{method} {path}: neither Content-Length nor chunked")
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return status, content

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()
            self.writer = self.reader = None


async def hammer(
    base: str, paths: list[str], clients: int, seconds: float, *, login: bool, min_bytes: int
) -> dict[str, Any]:
    """`clients` closed-loop clients, one keep-alive connection each, for `seconds`. An answer
    counts as an error unless it is a 200 of at least `min_bytes`; each client's first answer
    is also parsed as JSON."""
    host, port = base.removeprefix("http://").rsplit(":", 1)
    connections = [Http(host, int(port)) for _ in range(clients)]
    headers = b""
    if login:
        status, body = await connections[0].request(
            "POST",
            "/api/v1/token",
            b"Content-Type: application/json\r\n",
            json.dumps({"username": USER, "password": PASSWORD}).encode(),
        )
        if status != 200:
            raise SystemExit(f"login refused: {status} {body!r}")
        headers = f"Authorization: Bearer {json.loads(body)['access_token']}\r\n".encode()
    latencies: list[float] = []
    errors = 0
    size = 0
    stop = time.perf_counter() + seconds

    async def one_client(index: int) -> None:
        nonlocal errors, size
        http = connections[index]
        n = index
        while time.perf_counter() < stop:
            began = time.perf_counter()
            status, body = await http.request("GET", paths[n % len(paths)], headers)
            latencies.append((time.perf_counter() - began) * 1000)
            size += len(body)
            if status != 200 or len(body) < min_bytes or (n == index and not _is_json(body)):
                errors += 1
            n += clients

    began = time.perf_counter()
    try:
        await asyncio.gather(*(one_client(i) for i in range(clients)))
    finally:
        elapsed = time.perf_counter() - began
        for http in connections:
            await http.close()
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "count": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": cuts[49],
        "p99": cuts[98],
        "errors": errors,
        "bytes": size,
    }


def _is_json(body: bytes) -> bool:
    try:
        return bool(json.loads(body))
    except ValueError:
        return False


def run_loop(work: Coroutine[Any, Any, dict[str, Any]]) -> dict[str, Any]:
    """On uvloop when installed (uvicorn's [standard] extra brings it), as the server runs."""
    try:
        import uvloop  # noqa: PLC0415
    except ImportError:  # pragma: no cover
        return asyncio.run(work)
    return uvloop.run(work)


def wait_until_up(base: str) -> None:
    import httpx  # noqa: PLC0415

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the benchmark server did not come up")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    raise SystemExit(main())
