"""`smt accounts`: bootstrap and automation of parties and accounts.

Passwords are read from standard input (the first line), never from flags, so they stay out of
shell history and process lists. Each command prints what it created and exits non-zero with a
clear message on bad input.
"""

from __future__ import annotations

import argparse
import hashlib
import ssl
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from smt.accounts.model import WorkflowError
from smt.accounts.profiles import CompanyProfile, Person
from smt.composition import Hub
from smt.store.accounts_tables import account, company

COMMANDS = ("add-operator", "add-tdsp", "add-rep", "add-customer", "add-system-account", "list")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    accounts = sub.add_parser("accounts", help="create and list parties and accounts")
    commands = accounts.add_subparsers(dest="accounts_command", required=True)

    def person_args(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--user-id", required=True)
        parser.add_argument("--first-name", required=True)
        parser.add_argument("--last-name", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--phone", default="")
        parser.add_argument("--language", choices=("en", "es"), default="en")

    person_args(commands.add_parser("add-operator", help="an SMT operator"))
    tdsp = commands.add_parser("add-tdsp", help="a TDSP company and its administrator")
    tdsp.add_argument("--tdsp", required=True, help="ONCOR, CNP, AEPC, AEPN or TNMP")
    person_args(tdsp)
    rep = commands.add_parser("add-rep", help="an approved REP company, DUNS, first admin")
    rep.add_argument("--name", required=True)
    rep.add_argument("--duns", action="append", required=True)
    person_args(rep)
    customer = commands.add_parser("add-customer", help="a residential customer")
    customer.add_argument(
        "--esiid",
        action="append",
        default=[],
        help="ESIID:YYYY-MM-DD, attached from that date (repeatable)",
    )
    person_args(customer)
    system = commands.add_parser("add-system-account", help="a web-service account for a DUNS")
    system.add_argument("--name", required=True)
    system.add_argument("--duns", required=True)
    system.add_argument("--certificate", type=Path, help="PEM client certificate to bind")
    commands.add_parser("list", help="companies and accounts")


def run(args: argparse.Namespace, hub: Hub) -> int:
    try:
        return _run(args, hub)
    except WorkflowError as error:
        print(f"smt accounts {args.accounts_command}: {error}", file=sys.stderr)
        return 2
    except IntegrityError:
        print(
            f"smt accounts {args.accounts_command}: a name, ID, DUNS or certificate is "
            "already taken",
            file=sys.stderr,
        )
        return 2


def _password() -> str:
    line = sys.stdin.readline().rstrip("\n")
    if not line:
        raise WorkflowError("give the password on standard input (first line)")
    return line


def _person(args: argparse.Namespace) -> Person:
    return Person(
        args.first_name, args.last_name, args.email, phone=args.phone, language=args.language
    )


def _run(args: argparse.Namespace, hub: Hub) -> int:
    now = hub.clock.now()
    command = args.accounts_command
    if command == "list":
        return _list(hub)
    password = _password()
    with hub.engine.begin() as conn:
        match command:
            case "add-operator":
                created = hub.accounts.add_operator(
                    conn, now=now, user_id=args.user_id, person=_person(args), password=password
                )
                print(f"operator {created}")
            case "add-tdsp":
                created = hub.accounts.add_tdsp(
                    conn,
                    now=now,
                    tdsp_code=args.tdsp.upper(),
                    user_id=args.user_id,
                    person=_person(args),
                    password=password,
                )
                print(f"TDSP administrator {created} ({args.tdsp.upper()})")
            case "add-rep":
                created = hub.accounts.add_rep(
                    conn,
                    now=now,
                    profile=CompanyProfile(args.name),
                    duns=args.duns,
                    user_id=args.user_id,
                    person=_person(args),
                    password=password,
                )
                print(
                    f"REP company {args.name!r} (DUNS {', '.join(args.duns)}); "
                    f"administrator {created}"
                )
            case "add-customer":
                esiids = [_esiid_from(text) for text in args.esiid]
                created = hub.customers.add_customer(
                    conn,
                    now=now,
                    user_id=args.user_id,
                    person=_person(args),
                    password=password,
                    esiids=esiids,
                )
                print(
                    f"customer {created}; ESIIDs "
                    f"{', '.join(f'{e} from {d}' for e, d in esiids) or 'none'}"
                )
            case "add-system-account":
                fingerprint = _fingerprint(args.certificate) if args.certificate else None
                created = hub.accounts.add_system_account(
                    conn,
                    now=now,
                    name=args.name,
                    duns=args.duns,
                    password=password,
                    certificate_sha256=fingerprint,
                )
                bound = f"; certificate SHA-256 {fingerprint}" if fingerprint else ""
                print(f"system account {created} for DUNS {args.duns}{bound}")
    return 0


def _esiid_from(text: str) -> tuple[str, date]:
    esiid, _, day = text.partition(":")
    try:
        return esiid, date.fromisoformat(day)
    except ValueError:
        raise WorkflowError(f"--esiid {text!r}: expected ESIID:YYYY-MM-DD") from None


def _fingerprint(path: Path) -> str:
    try:
        der = ssl.PEM_cert_to_DER_cert(path.read_text(encoding="ascii"))
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise WorkflowError(f"{path}: not a readable PEM certificate ({error})") from None
    return hashlib.sha256(der).hexdigest()


def _list(hub: Hub) -> int:
    with hub.engine.connect() as conn:
        companies = conn.execute(
            select(company.c.id, company.c.kind, company.c.name, company.c.status).order_by(
                company.c.id
            )
        ).all()
        accounts = conn.execute(
            select(
                account.c.user_id, account.c.role, account.c.status, account.c.company_id
            ).order_by(account.c.id)
        ).all()
    names = {c.id: c.name for c in companies}
    for c in companies:
        print(f"company {c.id}\t{c.kind}\t{c.status}\t{c.name}")
    for a in accounts:
        print(f"account {a.user_id}\t{a.role}\t{a.status}\t{names.get(a.company_id, '-')}")
    return 0
