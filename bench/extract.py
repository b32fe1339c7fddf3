"""Daily extract benchmark (IF1020): 20,000 meters x 7 days across 20 DUNS on SQLite. Times
the whole extract (query, policy, render LSE and the register-read CSV, encrypt with gpg,
write into the mailboxes) and, in the same run, the usage read of the same rows and `gpg`
alone encrypting the same bytes. Prints meter-days/s and the ratio, then one line per bar:

- extract time <= 3 x (bare gpg encryption of its output + the usage read of the same rows);
- memory flat in the number of meters: the extract's peak RSS (a fresh process running only
  the extract) at 20,000 meters <= 1.25 x at 5,000.

    .venv/bin/python bench/extract.py [--meters 20000] [--days 7] [--duns 20]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from smt.accounts.profiles import CompanyProfile, Person
from smt.composition import build_hub, initialise
from smt.config import Settings
from smt.domain.central_time import slot_count
from smt.domain.interval_day import pack_wh
from smt.files.keys import upload_key
from smt.files.mailbox import Location
from smt.store.accounts_tables import company
from smt.store.schema import ingest_file, interval_day, register_read, rep_of_record

RATIO_LIMIT = 3.0
MEMORY_LIMIT = 1.25
GPG = "/usr/bin/gpg"
PASSWORD = "Bench-Password-2026"  # noqa: S105 - a scratch hub, thrown away
FIRST_DAY = date(2026, 11, 10)


def gpg(home: Path, *args: str, stdin: bytes | None = None) -> bytes:
    done = subprocess.run(
        [GPG, "--homedir", str(home), "--batch", "--pinentry-mode", "loopback",
         "--passphrase", "", *args],
        input=stdin, capture_output=True, check=True,
    )  # fmt: skip
    return done.stdout


def seed(folder: Path, meters: int, days: int, duns_count: int) -> None:
    """A hub with `duns_count` REPs (one DUNS each, one PGP key), `meters` Oncor ESIIDs
    spread over them and `days` days of intervals and register reads, stored as one
    ingest file just received (bulk SQL: the benchmark is the extract, not the ingest)."""
    home = folder / "company-gnupg"
    home.mkdir(mode=0o700)
    gpg(home, "--quick-gen-key", "Bench REP <ops@rep.example>", "future-default", "default", "0")
    armored = gpg(home, "--armor", "--export", "ops@rep.example").decode()
    hub = build_hub(Settings(data_dir=folder / "var", jobs_immediate=True))
    initialise(hub)
    now = datetime.now(UTC)
    dunses = [f"{900000000 + i:09d}" for i in range(duns_count)]
    with hub.engine.begin() as conn:
        for i, duns in enumerate(dunses):
            hub.accounts.add_rep(
                conn, now=now, profile=CompanyProfile(f"Bench REP {i}"), duns=[duns],
                user_id=f"rep{i}.admin", person=Person("B", "R", "b@example.com"),
                password=PASSWORD,
            )  # fmt: skip
            admin = hub.accounts.principal(conn, f"rep{i}.admin")
            company_id = conn.execute(
                select(company.c.id).where(company.c.name == f"Bench REP {i}")
            ).scalar_one()
            if admin is None:
                raise RuntimeError("the REP administrator was not made")
            upload_key(conn, hub.files.encryptor, admin, company_id, armored, now=now)
        file_id = conn.execute(
            insert(ingest_file).values(
                file_name="bench.lse", kind="IntervalData", interface="IF1000",
                sender_duns="1039940674000", tdsp="ONCOR", content_sha256="0" * 64,
                size_bytes=0, received_at=now, outcome="accepted",
            ).returning(ingest_file.c.id)
        ).scalar_one()  # fmt: skip
        esiids = [f"10443720{i:09d}" for i in range(meters)]
        conn.execute(
            insert(rep_of_record),
            [
                {"esiid": e, "tdsp": "ONCOR", "duns": dunses[i % duns_count],
                 "start_date": date(2024, 1, 1), "start_reason": "NEW",
                 "updated_at": now, "file_id": file_id}
                for i, e in enumerate(esiids)
            ],
        )  # fmt: skip
        for offset in range(days):
            day = FIRST_DAY + timedelta(days=offset)
            slots = slot_count(day)
            values = [120 + (s * 7) % 300 for s in range(slots)]
            blob = pack_wh(values)
            revised = now - timedelta(hours=3)
            for start in range(0, meters, 5000):
                chunk = esiids[start : start + 5000]
                conn.execute(
                    insert(interval_day),
                    [
                        {"esiid": e, "local_date": day, "channel": "C", "revision": 1,
                         "slot_count": slots, "values_wh": blob, "qualities": "A" * slots,
                         "total_wh": sum(values), "revised_at": revised, "file_id": file_id}
                        for e in chunk
                    ],
                )  # fmt: skip
                conn.execute(
                    insert(register_read),
                    [
                        {"esiid": e, "read_date": day, "revision": 1, "start_wh": 1_000_000,
                         "end_wh": 1_000_000 + sum(values), "usage_wh": sum(values),
                         "revised_at": revised, "file_id": file_id}
                        for e in chunk
                    ],
                )  # fmt: skip
    hub.close()


def run_extract(folder: Path) -> dict[str, float]:
    """In a fresh process: only the extract, timed, with its peak memory."""
    hub = build_hub(Settings(data_dir=folder / "var", jobs_immediate=True))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    outcomes = hub.files.extract.run()
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if not all(o.status == "delivered" for o in outcomes):
        raise RuntimeError(f"not every DUNS was delivered: {outcomes}")
    return {
        "seconds": seconds,
        "peak_mb": peak / 1024,
        "before_mb": before / 1024,
        "meter_days": sum(o.intervals for o in outcomes),
    }


def baselines(folder: Path) -> dict[str, float]:
    """The usage read of the same rows, and gpg alone encrypting the same clear bytes."""
    hub = build_hub(Settings(data_dir=folder / "var", jobs_immediate=True))
    home = folder / "company-gnupg"
    clear_dir = folder / "clear"
    clear_dir.mkdir(exist_ok=True)
    clears = []
    with hub.engine.connect() as conn:
        claims = conn.exec_driver_sql(
            "SELECT id, duns, company_id, counter, from_file_id, to_file_id, names "
            "FROM extract_file"
        ).all()
    for row in claims:
        for name in row.names.split("\n"):
            location = Location(f"company-{row.company_id}", row.duns, name + ".asc")
            with hub.files.storage.open_read(location) as data:
                clear = gpg(home, "--decrypt", stdin=data.read())
            path = clear_dir / name
            path.write_bytes(clear)
            clears.append(path)
    from smt.files.extract import Claim  # noqa: PLC0415

    started = time.perf_counter()
    rows = 0
    with hub.engine.connect() as conn:
        for row in claims:
            claim = Claim(
                row.id, row.duns, row.company_id, row.counter, row.from_file_id,
                row.to_file_id, tuple(row.names.split("\n")),
            )  # fmt: skip
            rows += sum(1 for _ in hub.files.extract.interval_versions(conn, claim))
            rows += sum(1 for _ in hub.files.extract.register_versions(conn, claim))
    read_seconds = time.perf_counter() - started
    fingerprint = gpg(home, "--with-colons", "--list-keys").decode().split("fpr:::::::::")[1][:40]
    started = time.perf_counter()
    for path in clears:
        gpg(
            home, "--trust-model", "always", "--compress-algo", "none", "--armor",
            "--recipient", fingerprint, "--output", str(path) + ".asc", "--encrypt", str(path),
        )  # fmt: skip
    gpg_seconds = time.perf_counter() - started
    size = sum(p.stat().st_size for p in clears)
    return {"read_seconds": read_seconds, "gpg_seconds": gpg_seconds, "bytes": size, "rows": rows}


def child(folder: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--run", str(folder)], capture_output=True, text=True, check=True
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--meters", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--duns", type=int, default=20)
    parser.add_argument("--run", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run_extract(args.run)))
        return 0
    bars = []
    with tempfile.TemporaryDirectory(prefix="smt-bench-extract-") as scratch:
        small = Path(scratch) / "small"
        large = Path(scratch) / "large"
        small.mkdir()
        large.mkdir()
        started = time.perf_counter()
        seed(small, args.meters // 4, args.days, args.duns)
        seed(large, args.meters, args.days, args.duns)
        print(f"seeded {args.meters // 4} and {args.meters} meters x {args.days} days "
              f"across {args.duns} DUNS in {time.perf_counter() - started:.1f} s")  # fmt: skip
        small_run = child(small)
        large_run = child(large)
        base = baselines(large)
    meter_days = large_run["meter_days"]
    seconds = large_run["seconds"]
    floor = base["gpg_seconds"] + base["read_seconds"]
    ratio = seconds / floor
    print(
        f"extract: {meter_days:.0f} meter-days in {seconds:.2f} s = "
        f"{meter_days / seconds:,.0f} meter-days/s; {base['bytes'] / 1e6:.1f} MB clear"
    )
    print(
        f"usage read of the same rows: {base['read_seconds']:.2f} s ({base['rows']:.0f} rows); "
        f"gpg alone on the same bytes: {base['gpg_seconds']:.2f} s"
    )
    print(f"extract / (gpg + read): {ratio:.2f}")
    print(f"peak RSS of the extract process: {small_run['peak_mb']:.0f} MB at {args.meters // 4} "
          f"meters, {large_run['peak_mb']:.0f} MB at {args.meters}")  # fmt: skip
    memory = large_run["peak_mb"] / small_run["peak_mb"]
    bars.append(("extract vs gpg + usage read", ratio, RATIO_LIMIT))
    bars.append(("extract memory 20k vs 5k meters", memory, MEMORY_LIMIT))
    failed = False
    for name, measured, limit in bars:
        ok = measured <= limit
        failed |= not ok
        print(f"bar {name}: {measured:.2f} (limit {limit:.2f}) {'PASS' if ok else 'FAIL'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
