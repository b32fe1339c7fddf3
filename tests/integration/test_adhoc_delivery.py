"""Ad hoc results of a REP's people are also delivered, encrypted to the company's key, into
its `adhoc` mailbox folder; the clear file stays for the portal's and the API's download."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from file_market import LSP_DUNS, seed_file_market
from smt.composition import Hub
from smt.files.mailbox import Location
from smt.formats.file_names import InboundKind
from smt.reports.adhoc import AdHocRequest
from smt.reports.writers import ReportFormat

from builders import ESIID, NOW, day_record, write_csv_file, write_lse_file


def test_an_adhoc_result_goes_out_encrypted_beside_the_clear_download(
    hub: Hub, tmp_path: Path, inbox: Path
) -> None:
    market = seed_file_market(hub, tmp_path)
    hub.ingester.ingest(
        write_csv_file(
            inbox,
            InboundKind.ROR_FULL,
            [[ESIID, LSP_DUNS, "20240301"]],
            created=NOW - timedelta(days=20),
        )
    )
    hub.ingester.ingest(write_lse_file(inbox, [day_record()]))
    with hub.engine.begin() as conn:
        admin = hub.accounts.principal(conn, "lsp.admin")
        assert admin is not None
        wanted = AdHocRequest(
            "interval", ReportFormat.CSV, [ESIID], date(2026, 11, 20), date(2026, 11, 20)
        )
        answer = hub.adhoc.submit(conn, admin, wanted, now=hub.clock.now())
    assert answer.file_name is not None
    assert hub.files.courier.run() == 1
    clear_path = hub.adhoc.file_path(admin, answer)
    assert clear_path is not None
    box = f"company-{market.lsp}"
    with hub.files.storage.open_read(Location(box, "adhoc", answer.file_name + ".asc")) as data:
        clear, _ = market.ring.decrypt(data.read())
    assert clear == clear_path.read_bytes()
    assert clear.startswith(b"ESIID,USAGE_DATE")
