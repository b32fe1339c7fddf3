"""Demo accounts of every role over the simulated market, for `smt demo`.

The password is random, made at the first demo run, printed, and kept (owner-only) in the data
folder so that later runs can print it again. Nothing here is a secret of a real hub.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy import Connection, select

from smt.accounts.model import Role, Transition
from smt.accounts.profiles import CompanyProfile, Person
from smt.composition import Hub
from smt.simulator import REPS
from smt.store.accounts_tables import account
from smt.store.schema import meter, rep_of_record

LOGINS_FILE = "demo-logins.txt"


def ensure_demo_accounts(hub: Hub) -> list[str]:
    """Create the demo accounts if they are not there; return lines saying how to log in."""
    path = hub.settings.data_dir / LOGINS_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").splitlines()
    password = f"Demo-{secrets.token_urlsafe(9)}-7"
    lines = []
    now = hub.clock.now()
    with hub.engine.begin() as conn:
        if conn.execute(select(account.c.id).limit(1)).first() is not None:
            return ["accounts already exist; demo accounts were not created"]
        accounts, customers = hub.accounts, hub.customers

        def person(first: str, language: str = "en") -> Person:
            return Person(first, "Demo", f"{first.lower()}@demo.invalid", language=language)

        accounts.add_operator(
            conn, now=now, user_id="demo.operator", person=person("Olivia"), password=password
        )
        lines.append("demo.operator       SMT operator")
        accounts.add_tdsp(
            conn,
            now=now,
            tdsp_code="ONCOR",
            user_id="demo.oncor",
            person=person("Oscar"),
            password=password,
        )
        lines.append("demo.oncor          Oncor (TDSP) administrator")
        for index, rep in enumerate(REPS):
            accounts.add_rep(
                conn,
                now=now,
                profile=CompanyProfile(rep.name),
                duns=[rep.duns],
                user_id=f"demo.rep{index + 1}",
                person=person("Rita"),
                password=password,
            )
        lines.append(f"demo.rep1           {REPS[0].name} administrator (DUNS {REPS[0].duns})")
        admin = accounts.principal(conn, "demo.rep1")
        assert admin is not None  # noqa: S101 - just created
        accounts.register_account(
            conn,
            now=now,
            company_name=REPS[0].name,
            role=Role.REP_USER,
            user_id="demo.rep1.user",
            person=person("Raul"),
            password=password,
        )
        accounts.transition(conn, admin, "demo.rep1.user", Transition.APPROVE, now=now)
        accounts.assign_duns(conn, admin, "demo.rep1.user", [REPS[0].duns], now=now)
        lines.append(f"demo.rep1.user      {REPS[0].name} user")
        for user_id, language, first in (
            ("demo.customer", "en", "Carmen"),
            ("demo.cliente", "es", "Camila"),
        ):
            customers.register_customer(
                conn, now=now, user_id=user_id, person=person(first, language), password=password
            )
            esiid = _served_esiid(conn, REPS[0].duns, skip=1 if language == "es" else 0)
            if esiid is not None:
                principal = accounts.principal(conn, user_id)
                assert principal is not None  # noqa: S101
                customers.attach_esiid(
                    conn,
                    principal,
                    now=now,
                    esiid=esiid[0],
                    meter_number=esiid[1],
                    rep_name=REPS[0].name,
                )
            label = "residential customer" + (" (Spanish)" if language == "es" else "")
            lines.append(f"{user_id:<19} {label}" + (f", ESIID {esiid[0]}" if esiid else ""))
        accounts.register_business(
            conn,
            now=now,
            profile=CompanyProfile("Alamo Tacos LLC"),
            user_id="demo.business",
            person=person("Beatriz"),
            password=password,
        )
        accounts.register_account(
            conn,
            now=now,
            company_name="Alamo Tacos LLC",
            user_id="demo.business.user",
            person=person("Bruno"),
            password=password,
        )
        owner = accounts.principal(conn, "demo.business")
        assert owner is not None  # noqa: S101
        accounts.transition(conn, owner, "demo.business.user", Transition.APPROVE, now=now)
        shop = _served_esiid(conn, REPS[0].duns, skip=0, meter_class="COM")
        if shop is not None:
            customers.attach_esiid(
                conn, owner, now=now, esiid=shop[0], meter_number=shop[1], rep_name=REPS[0].name
            )
        lines.append(
            "demo.business       business customer administrator (Alamo Tacos LLC)"
            + (f", ESIID {shop[0]}" if shop else "")
        )
        lines.append("demo.business.user  business customer user")
    lines = [f"password for every demo login: {password}", *lines]
    _write_private(path, lines)
    return lines


def _served_esiid(
    conn: Connection, duns: str, *, skip: int, meter_class: str = "RES"
) -> tuple[str, str] | None:
    """An ESIID this REP serves today, with its meter number (the customer's proof)."""
    row = conn.execute(
        select(rep_of_record.c.esiid, meter.c.meter_number)
        .join(meter, meter.c.esiid == rep_of_record.c.esiid)
        .where(
            rep_of_record.c.duns == duns,
            rep_of_record.c.end_date.is_(None),
            rep_of_record.c.tdsp == "ONCOR",
            meter.c.removed_on.is_(None),
            meter.c.meter_class == meter_class,
        )
        .order_by(rep_of_record.c.esiid)
        .offset(skip)
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def _write_private(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
