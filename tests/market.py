"""A small market for API tests: ESIID on Oncor served by Lone Star Power (DUNS A) since 2024,
two revisions of one day, and a second REP, Bluebonnet Energy, with nothing of its own."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from smt.accounts.profiles import CompanyProfile, Person
from smt.composition import Hub
from smt.formats.file_names import InboundKind

from builders import ESIID, NOW, day_record, write_csv_file, write_lse_file

PASSWORD = "Correct-Horse-42"
A = "111111111"


def seed_two_reps(hub: Hub, inbox: Path) -> None:
    hub.ingester.ingest(
        write_csv_file(
            inbox, InboundKind.ROR_FULL, [[ESIID, A, "20240301"]], created=NOW - timedelta(days=20)
        )
    )
    first = day_record(revised_at=NOW - timedelta(days=3))
    hub.ingester.ingest(write_lse_file(inbox, [first]))
    hub.ingester.ingest(
        write_lse_file(
            inbox, [day_record(base=150, quality="E", revised_at=NOW - timedelta(days=1))]
        )
    )
    with hub.engine.begin() as conn:
        hub.accounts.add_rep(
            conn,
            now=NOW,
            profile=CompanyProfile("Lone Star Power"),
            duns=[A],
            user_id="lsp.admin",
            person=Person("Lia", "Soto", "l@example.com"),
            password=PASSWORD,
        )
        hub.accounts.add_rep(
            conn,
            now=NOW,
            profile=CompanyProfile("Bluebonnet Energy"),
            duns=["222222222"],
            user_id="bb.admin",
            person=Person("Bea", "T", "b@example.com"),
            password=PASSWORD,
        )
