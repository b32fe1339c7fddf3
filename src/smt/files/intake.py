"""TDSP uploads: a file complete in a TDSP's mailbox `inbound` folder is ingested by the
pipeline (as `smt watch` ingests its folders, with that TDSP as the uploader), moved to the
archive (or to quarantine when rejected as a whole), and answered with its result report,
encrypted into the TDSP's `outbound` folder. A file still being uploaded is a hidden partial
file the storage never lists, so it is never ingested half-written."""

from __future__ import annotations

import shutil
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import Engine, select

from smt.clock import Clock
from smt.domain.tdsp import tdsp_by_code
from smt.files.delivery import Courier, owe
from smt.files.mailbox import FIXED_FOLDERS, Kind, Location, MailboxStorage, company_box
from smt.ingest.pipeline import Ingester, IngestOutcome, inbound_order
from smt.store.accounts_tables import company

INBOUND = FIXED_FOLDERS[Kind.INBOUND]
OUTBOUND = FIXED_FOLDERS[Kind.OUTBOUND]


class TdspIntake:
    def __init__(
        self,
        engine: Engine,
        storage: MailboxStorage,
        ingester: Ingester,
        courier: Courier,
        clock: Clock,
        *,
        data_dir: Path,
    ) -> None:
        self._engine = engine
        self._storage = storage
        self._ingester = ingester
        self._courier = courier
        self._clock = clock
        self._data_dir = data_dir

    def _tdsps(self) -> list[tuple[int, str]]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(company.c.id, company.c.tdsp_code).where(
                    company.c.kind == "tdsp", company.c.status == "active"
                )
            )
            return [(cid, code) for cid, code in rows if code]

    def poll(self) -> list[IngestOutcome]:
        """Ingest every complete upload of every TDSP; one outcome each."""
        outcomes = []
        for company_id, code in self._tdsps():
            tdsp = tdsp_by_code(code)
            box = company_box(company_id)
            names = [e.name for e in self._storage.listing(box, INBOUND)]
            if not names:
                continue
            with ExitStack() as stack:
                paths = {
                    stack.enter_context(self._storage.local_copy(Location(box, INBOUND, n))): n
                    for n in names
                }
                ordered = inbound_order(paths)
                done = self._ingester.ingest_many((path, tdsp) for path in ordered)
                for path, outcome in zip(ordered, done, strict=True):
                    target = "quarantine" if outcome.file_code is not None else "archive"
                    kept = self._data_dir / target / code / path.name
                    kept.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, kept)
                    self._storage.delete(Location(box, INBOUND, paths[path]))
                    if outcome.report is not None:
                        self._answer(company_id, outcome.report)
                    outcomes.append(outcome)
            self._courier.run(company_id)
        return outcomes

    def _answer(self, company_id: int, report: Path) -> None:
        source = report.resolve().relative_to(self._data_dir.resolve())
        with self._engine.begin() as conn:
            owe(conn, company_id, OUTBOUND, report.name, str(source), now=self._clock.now())
