"""A run with enough interval data parses it on a second core. The results must be exactly
those of parsing inline, faults included; a file the hub stops reading half-way must not leak
into the next; and the same file twice in one run is one file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from smt.composition import Hub
from smt.formats.file_names import InboundKind
from smt.ingest import interval_flow
from smt.ingest.pipeline import Ingester, IngestLimits, IngestOutcome
from smt.store.schema import interval_day

from builders import DATA, ESIID_2, day_record, inbound_name, revisions, write_lse_file

SAMPLES = [
    "lse_negative_consumption.lse",
    "lse_duplicate_record.lse",
    "lse_truncated_mid_record.lse",
    "lse_good_consumption_and_generation.lse",
    "lse_binary_gzip.lse",
    "lse_fall_dst_100_intervals.lse",
]


def _ingester(hub: Hub, *, ahead: bool) -> Ingester:
    limits = IngestLimits(batch_records=2, parse_ahead_bytes=0 if ahead else 1 << 40)
    return Ingester(hub.engine, hub.clock, hub.settings.outbound_dir, limits)


def _copies(folder: Path) -> list[Path]:
    paths = []
    for counter, sample in enumerate(SAMPLES, 1):
        path = folder / inbound_name(InboundKind.INTERVAL, counter=counter)
        path.write_bytes((DATA / sample).read_bytes())
        paths.append(path)
    return paths


def _summaries(outcomes: Iterator[IngestOutcome]) -> list[tuple[object, ...]]:
    return [(o.outcome, o.counts, o.file_code) for o in outcomes]


def test_parsing_ahead_gives_what_parsing_inline_gives(sqlite_hub: Hub, tmp_path: Path) -> None:
    inline_dir, ahead_dir = tmp_path / "a", tmp_path / "b"
    inline_dir.mkdir()
    ahead_dir.mkdir()
    inline = _summaries(
        _ingester(sqlite_hub, ahead=False).ingest_many((p, None) for p in _copies(inline_dir))
    )
    with sqlite_hub.engine.begin() as conn:  # forget the first run, keep the schema
        for table in ("ingest_finding", "interval_day", "register_read", "ingest_file"):
            conn.exec_driver_sql(f"DELETE FROM {table}")
    ingester = _ingester(sqlite_hub, ahead=True)
    ahead = _summaries(ingester.ingest_many((p, None) for p in _copies(ahead_dir)))

    assert ahead == inline
    assert ingester.parse_ahead_peak_rss_mb > 0, "a worker process did the parsing"
    assert [o for o, _, _ in inline].count("rejected") == 2


def test_a_failure_while_persisting_does_not_leak_into_the_next_file(
    hub: Hub, inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    persist = interval_flow._persist
    calls = {"n": 0}

    def fail_on_second_batch(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return persist(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(interval_flow, "_persist", fail_on_second_batch)
    big = write_lse_file(inbox, [day_record(f"104437200002{i:05d}") for i in range(12)])
    small = write_lse_file(inbox, [day_record(ESIID_2)])
    run = _ingester(hub, ahead=True).ingest_many([(big, None), (small, None)])
    with pytest.raises(RuntimeError, match="disk full"):
        next(run)
    monkeypatch.setattr(interval_flow, "_persist", persist)

    again = list(_ingester(hub, ahead=True).ingest_many([(big, None), (small, None)]))

    assert [(o.outcome, o.counts.loaded) for o in again] == [("accepted", 12), ("accepted", 1)]
    assert len(revisions(hub.engine, ESIID_2)) == 1
    with hub.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(interval_day)).scalar_one() == 13


def test_the_same_file_twice_in_one_run_is_one_file(hub: Hub, inbox: Path) -> None:
    first = write_lse_file(inbox, [day_record()])
    second = inbox / inbound_name(InboundKind.INTERVAL)
    second.write_bytes(first.read_bytes())
    outcomes = list(_ingester(hub, ahead=True).ingest_many([(first, None), (second, None)]))
    assert [o.outcome for o in outcomes] == ["accepted", "duplicate"]


def test_a_second_copy_of_a_file_rejected_as_a_whole_is_parsed_after_all(
    hub: Hub, inbox: Path
) -> None:
    good = write_lse_file(inbox, [day_record()])
    misfiled = inbox / "elsewhere" / good.name
    misfiled.parent.mkdir()
    misfiled.write_bytes(good.read_bytes())
    from builders import CNP, ONCOR  # noqa: PLC0415

    outcomes = list(_ingester(hub, ahead=True).ingest_many([(misfiled, CNP), (good, ONCOR)]))
    assert [(o.outcome, o.counts.loaded) for o in outcomes] == [("rejected", 0), ("accepted", 1)]
    # and the other way round: processed first, then a copy in the wrong folder is refused
    again = list(_ingester(hub, ahead=True).ingest_many([(good, ONCOR), (misfiled, CNP)]))
    assert [o.outcome for o in again] == ["duplicate", "rejected"]
