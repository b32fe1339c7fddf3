"""`smt report`: the same bytes the API and the files carry, for operators and scripts.

The command acts as an SMT operator (it runs where the hub's database is), so it sees every
ESIID, and each of its reads is audited like an operator's."""

from __future__ import annotations

import argparse
import sys
from contextlib import nullcontext
from datetime import date
from pathlib import Path
from typing import TextIO

from smt.access.policy import Principal
from smt.accounts.model import Role
from smt.composition import Hub
from smt.domain.esiid import Esiid, InvalidEsiid
from smt.reports.writers import (
    ReportFormat,
    write_daily_report,
    write_interval_report,
    write_monthly_report,
)
from smt.usage.service import UsageService

CLI_OPERATOR = Principal("cli", Role.OPERATOR)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = sub.add_parser("report", help="write a usage report to standard output or a file")
    report.add_argument("--type", choices=("interval", "daily", "monthly"), required=True)
    report.add_argument("--format", choices=[f.value for f in ReportFormat], default="csv")
    report.add_argument("--esiid", action="append", required=True)
    report.add_argument("--from", dest="first", type=date.fromisoformat, required=True)
    report.add_argument("--to", dest="last", type=date.fromisoformat, required=True)
    report.add_argument("--all-revisions", action="store_true")
    report.add_argument("--out", type=Path)


def run(args: argparse.Namespace, hub: Hub) -> int:
    try:
        esiids = [Esiid.parse(text).value for text in args.esiid]
    except InvalidEsiid as error:
        print(f"smt report: {error}", file=sys.stderr)
        return 2
    if args.first > args.last:
        print("smt report: --from is after --to", file=sys.stderr)
        return 2
    fmt = ReportFormat(args.format)
    if fmt is ReportFormat.LSE and args.type != "interval":
        print("smt report: LSE carries interval data only", file=sys.stderr)
        return 2
    usage, now = UsageService(), hub.clock.now()
    target = (
        args.out.open("w", encoding="utf-8", newline="") if args.out else nullcontext(sys.stdout)
    )
    with hub.engine.begin() as conn, target as out:
        stream: TextIO = out
        options = {"now": now, "all_revisions": args.all_revisions}
        if args.type == "interval":
            count = write_interval_report(
                stream,
                usage.intervals(conn, CLI_OPERATOR, esiids, args.first, args.last, **options),
                fmt,
            )
        elif args.type == "daily":
            count = write_daily_report(
                stream,
                usage.register_reads(conn, CLI_OPERATOR, esiids, args.first, args.last, **options),
                fmt,
            )
        else:
            count = write_monthly_report(
                stream,
                usage.monthly(conn, CLI_OPERATOR, esiids, args.first, args.last, **options),
                fmt,
            )
    if args.out:
        print(f"{count} {args.type} records written to {args.out}", file=sys.stderr)
    return 0
