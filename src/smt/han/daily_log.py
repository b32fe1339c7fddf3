"""The daily HAN messaging log file: shortly after each Central midnight, for every DUNS that
sent HAN messages the day before, one CSV of its requests and where each delivery stands (and
each refused address with its reason), delivered into its company's `han` mailbox folder,
encrypted like every other file the hub delivers. One runner writes a given day."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError

from smt.access.policy import Principal
from smt.accounts.model import Role
from smt.clock import Clock
from smt.domain.central_time import CENTRAL, local_midnight
from smt.han import log
from smt.store.accounts_tables import company_duns
from smt.store.han_tables import han_log_day, han_request

# (conn, company id, mailbox folder, file name, clear source relative to the data folder, now)
Owe = Callable[[Connection, int, str, str, str, datetime], None]
HEADER = [
    "REQUEST_ID",
    "KIND",
    "REQUESTED_AT",
    "REQUESTED_BY",
    "ISSUER_ID",
    "ADDRESS",
    "ESIID",
    "DEVICE_EUI64",
    "STATUS",
    "STATUS_AT",
    "FINAL",
    "DETAIL",
]
WRITE_AFTER = (0, 30)  # Central wall clock: late events of the day before have arrived


class HanDailyLog:
    def __init__(self, engine: Engine, clock: Clock, data_dir: Path, owe: Owe) -> None:
        self._engine = engine
        self._clock = clock
        self._data_dir = data_dir
        self._owe = owe

    def tick(self) -> None:
        """Every minute: yesterday's logs once it is past 00:30 Central, by one runner."""
        now = self._clock.now().astimezone(CENTRAL)
        if (now.hour, now.minute) < WRITE_AFTER:
            return
        day = now.date() - timedelta(days=1)
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(han_log_day).values(day=day.isoformat(), written_at=now))
                self.write(conn, day)
        except IntegrityError:
            return  # written already (or being written by another runner)

    def write(self, conn: Connection, day: date) -> list[str]:
        """The day's files, owed to their companies in the caller's transaction."""
        start, end = local_midnight(day), local_midnight(day + timedelta(days=1))
        operator = Principal("han-daily-log", Role.OPERATOR)
        rows = conn.execute(
            select(han_request.c.request_id, han_request.c.duns, company_duns.c.company_id)
            .join(company_duns, company_duns.c.duns == han_request.c.duns)
            .where(han_request.c.requested_at >= start, han_request.c.requested_at < end)
            .order_by(han_request.c.duns, han_request.c.id)
        ).all()
        by_duns: dict[tuple[str, int], list[str]] = {}
        for request_id, duns, company_id in rows:
            by_duns.setdefault((duns, company_id), []).append(request_id)
        now = self._clock.now()
        written = []
        for (duns, company_id), request_ids in by_duns.items():
            name = f"HanMessageLog_{duns}_{day:%Y%m%d}.csv"
            relative = Path("han-logs") / f"company-{company_id}" / name
            path = self._data_dir / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{name}.part")
            with partial.open("w", encoding="utf-8", newline="") as out:
                table = csv.writer(out)
                table.writerow(HEADER)
                for request_id in request_ids:
                    view = log.request(conn, operator, request_id, now=now)
                    assert view is not None  # noqa: S101 - an operator sees every request
                    common = [
                        view.request_id,
                        view.kind,
                        _central(view.requested_at),
                        view.requested_by,
                        view.fields.get("issuer_event_id", view.fields.get("message_id", "")),
                    ]
                    for d in view.deliveries:
                        at = _central(d.at) if d.at else ""
                        table.writerow(
                            [*common, d.address, d.esiid, d.eui64, d.status, at, d.final, d.detail]
                        )
                    for refused in view.refused:
                        table.writerow(
                            [
                                *common,
                                refused["address"],
                                "",
                                "",
                                "refused",
                                "",
                                True,
                                refused["reason"],
                            ]
                        )
            partial.replace(path)
            self._owe(conn, company_id, "han", name, relative.as_posix(), now)
            written.append(name)
        return written


def _central(moment: datetime) -> str:
    return moment.astimezone(CENTRAL).strftime("%Y-%m-%d %H:%M:%S")
