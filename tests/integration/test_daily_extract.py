"""The daily extract (IF1020): exactly once across crashes, split by DUNS at a REP switch,
nothing new still delivered as an empty file, waiting without a key; gpg reads every file."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from file_market import BB_DUNS, LSP_DUNS, FileMarket, seed_file_market
from smt.composition import Hub
from smt.files.mailbox import Location
from smt.formats.file_names import InboundKind
from smt.store.files_tables import extract_cursor, extract_file

from builders import ESIID, ESIID_2, NOW, day_record, write_csv_file, write_lse_file


class Crash(Exception):
    """A run stopped in the middle, as by a kill."""


@pytest.fixture
def market(hub: Hub, tmp_path: Path) -> FileMarket:
    return seed_file_market(hub, tmp_path)


def ror(hub: Hub, inbox: Path, rows: list[list[str]]) -> None:
    hub.ingester.ingest(
        write_csv_file(inbox, InboundKind.ROR_FULL, rows, created=NOW - timedelta(days=20))
    )


def usage(hub: Hub, inbox: Path, *days: date, esiid: str = ESIID, base: int = 100) -> None:
    records = [
        day_record(esiid, day, base=base, revised_at=NOW - timedelta(hours=8)) for day in days
    ]
    outcome = hub.ingester.ingest(write_lse_file(inbox, records))
    assert outcome.outcome == "accepted", outcome.summary()


def delivered(hub: Hub, market: FileMarket, company: int, duns: str) -> dict[str, str]:
    """Every extract file in the DUNS's folder, decrypted by gpg: {name: clear text}."""
    box = f"company-{company}"
    found = {}
    for entry in hub.files.storage.listing(box, duns):
        with hub.files.storage.open_read(Location(box, duns, entry.name)) as data:
            clear, status = market.ring.decrypt(data.read())
        assert "DECRYPTION_OKAY" in status
        found[entry.name] = clear.decode()
    return found


def lse_days(files: dict[str, str]) -> list[tuple[str, str]]:
    """(ESIID, day) of every LSE record delivered, in order of the files' counters."""
    days = []
    for name in sorted(files, key=lambda n: n.rsplit("_", 1)[1]):
        if "_IntervalUsage_" in name and name.endswith(".lse.asc"):
            for line in files[name].splitlines():
                parts = line.split(",")
                # (The REPs' customer-service ESIIDs, made at approval, are served too.)
                if parts[0] == "00000001" and parts[1] in (ESIID, ESIID_2):
                    days.append((parts[1], parts[3][:8]))
    return days


def test_a_rep_switch_splits_the_days_between_the_two_duns(
    hub: Hub, market: FileMarket, inbox: Path
) -> None:
    # Lone Star serves ESIID until 18 November; Bluebonnet from 19 November.
    ror(hub, inbox, [[ESIID, LSP_DUNS, "20240301"]])
    hub.ingester.ingest(
        write_csv_file(
            inbox,
            InboundKind.ROR_INCREMENTAL,
            [[ESIID, BB_DUNS, "SWITCH", "20261119"]],
            created=NOW - timedelta(days=10),
        )
    )
    usage(
        hub, inbox, date(2026, 11, 17), date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20)
    )
    hub.files.extract.run()
    assert lse_days(delivered(hub, market, market.lsp, LSP_DUNS)) == [
        (ESIID, "20261117"),
        (ESIID, "20261118"),
    ]
    assert lse_days(delivered(hub, market, market.bluebonnet, BB_DUNS)) == [
        (ESIID, "20261119"),
        (ESIID, "20261120"),
    ]
    # The register reads follow the same split.
    lsp_reads = next(
        text
        for name, text in delivered(hub, market, market.lsp, LSP_DUNS).items()
        if "_DailyReads_" in name
    )
    assert "11/18/2026" in lsp_reads and "11/19/2026" not in lsp_reads


def test_each_revision_goes_out_once_and_nothing_new_is_an_empty_file(
    hub: Hub, market: FileMarket, inbox: Path
) -> None:
    ror(hub, inbox, [[ESIID, LSP_DUNS, "20240301"], [ESIID_2, LSP_DUNS, "20240301"]])
    usage(hub, inbox, date(2026, 11, 20))
    first = hub.files.extract.run(duns=LSP_DUNS)
    assert [o.status for o in first] == ["delivered"]
    nothing = hub.files.extract.run(duns=LSP_DUNS)
    assert [(o.status, o.intervals, o.registers) for o in nothing] == [("delivered", 0, 0)]
    usage(hub, inbox, date(2026, 11, 20), base=150)  # a revision of the same day
    usage(hub, inbox, date(2026, 11, 21), esiid=ESIID_2)
    third = hub.files.extract.run(duns=LSP_DUNS)
    assert [o.intervals for o in third] == [2]
    files = delivered(hub, market, market.lsp, LSP_DUNS)
    assert lse_days(files) == [
        (ESIID, "20261120"),
        (ESIID, "20261120"),
        (ESIID_2, "20261121"),
    ]
    empty = [t for n, t in files.items() if "_000002." in n and n.endswith(".lse.asc")]
    assert empty == ["99999999,0\n"]
    names = sorted(files)
    assert all(n.startswith(f"000000000_{LSP_DUNS}_") for n in names)
    assert {n.rsplit("_", 1)[1] for n in names} == {
        "000001.lse.asc",
        "000001.csv.asc",
        "000002.lse.asc",
        "000002.csv.asc",
        "000003.lse.asc",
        "000003.csv.asc",
    }


@pytest.mark.parametrize("step", ["claimed", "written"])
def test_a_crash_inside_a_duns_resumes_without_gap_or_duplicate(
    hub: Hub, market: FileMarket, inbox: Path, step: str
) -> None:
    ror(hub, inbox, [[ESIID, LSP_DUNS, "20240301"], [ESIID_2, BB_DUNS, "20240301"]])
    usage(hub, inbox, date(2026, 11, 20))
    usage(hub, inbox, date(2026, 11, 20), esiid=ESIID_2)
    extract = hub.files.extract

    def crash(duns: str, at: str) -> None:
        if duns == LSP_DUNS and at == step:
            raise Crash

    extract.checkpoint = crash
    with pytest.raises(Crash):
        extract.run()
    usage(hub, inbox, date(2026, 11, 21))  # arrives while the hub is down
    extract.checkpoint = lambda *_: None
    # A restarted runner takes the claim back (the crashed one is not alive).
    outcomes = extract.run(take_back=True)
    assert [o.status for o in outcomes] == ["delivered", "delivered"]
    lsp = lse_days(delivered(hub, market, market.lsp, LSP_DUNS))
    assert lsp == [(ESIID, "20261120"), (ESIID, "20261121")]
    assert lse_days(delivered(hub, market, market.bluebonnet, BB_DUNS)) == [(ESIID_2, "20261120")]
    with hub.engine.connect() as conn:
        statuses = conn.execute(
            select(extract_file.c.duns, extract_file.c.counter, extract_file.c.status).order_by(
                extract_file.c.duns, extract_file.c.counter
            )
        ).all()
    assert [tuple(s) for s in statuses] == [
        (LSP_DUNS, 1, "delivered"),
        (LSP_DUNS, 2, "delivered"),
        (BB_DUNS, 1, "delivered"),
    ] or [tuple(s) for s in statuses] == [
        (BB_DUNS, 1, "delivered"),
        (LSP_DUNS, 1, "delivered"),
        (LSP_DUNS, 2, "delivered"),
    ]


def test_a_crash_between_duns_leaves_the_next_one_whole(
    hub: Hub, market: FileMarket, inbox: Path
) -> None:
    ror(hub, inbox, [[ESIID, LSP_DUNS, "20240301"], [ESIID_2, BB_DUNS, "20240301"]])
    usage(hub, inbox, date(2026, 11, 20))
    usage(hub, inbox, date(2026, 11, 20), esiid=ESIID_2)
    extract = hub.files.extract
    first_duns = min(LSP_DUNS, BB_DUNS)

    def crash(duns: str, at: str) -> None:
        if duns == first_duns and at == "delivered":
            raise Crash

    extract.checkpoint = crash
    with pytest.raises(Crash):
        extract.run()
    extract.checkpoint = lambda *_: None
    assert [o.status for o in extract.run()] == ["delivered", "delivered"]
    assert lse_days(delivered(hub, market, market.lsp, LSP_DUNS)) == [(ESIID, "20261120")]
    assert lse_days(delivered(hub, market, market.bluebonnet, BB_DUNS)) == [(ESIID_2, "20261120")]


def test_without_a_usable_key_the_extract_waits_and_says_why(
    hub: Hub, market: FileMarket, inbox: Path
) -> None:
    ror(hub, inbox, [[ESIID, LSP_DUNS, "20240301"]])
    usage(hub, inbox, date(2026, 11, 20))
    with hub.engine.begin() as conn:
        conn.exec_driver_sql(
            f"UPDATE company_pgp_key SET replaced_at = uploaded_at WHERE company_id = {market.lsp}"
        )
    [outcome] = hub.files.extract.run(duns=LSP_DUNS)
    assert outcome.status == "waiting" and "no PGP public key" in outcome.message
    with hub.engine.connect() as conn:
        cursor = conn.execute(
            select(extract_cursor.c.last_status, extract_cursor.c.counter).where(
                extract_cursor.c.duns == LSP_DUNS
            )
        ).one()
    assert tuple(cursor) == ("waiting", 0)
    assert hub.files.storage.listing(f"company-{market.lsp}", LSP_DUNS) == []
