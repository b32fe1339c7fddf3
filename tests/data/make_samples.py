"""Writes the malformed and edge-case sample files in this folder (run it after a layout
change: `python tests/data/make_samples.py`). Each file is named for what it shows; most hold a
good record beside the bad one, so a test sees the bad one rejected and the good one loaded."""

from __future__ import annotations

import gzip
import sys
from datetime import date
from io import StringIO
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))

from smt.domain.channel import Channel  # noqa: E402
from smt.formats.file_names import InboundKind  # noqa: E402
from smt.formats.lse import format_record, format_trailer  # noqa: E402
from smt.formats.tdsp_csv import write_tdsp_csv  # noqa: E402

from builders import CNP_ESIID, ESIID, ESIID_2, day_record  # noqa: E402

GOOD = format_record(day_record(ESIID_2))


def lse(*bodies: str, records: int | None = None, trailer: bool = True) -> str:
    count = (
        records
        if records is not None
        else sum(line.startswith("00000001,") for b in bodies for line in b.splitlines())
    )
    return "".join(bodies) + (format_trailer(count) if trailer else "")


def edit(record: str, row: int, old: str, new: str) -> str:
    rows = record.splitlines(keepends=True)
    assert old in rows[row], (old, rows[row])
    rows[row] = rows[row].replace(old, new, 1)
    return "".join(rows)


def main() -> None:
    bad = format_record(day_record(ESIID))
    samples: dict[str, str | bytes] = {
        "lse_good_consumption_and_generation.lse": lse(
            format_record(day_record(ESIID)),
            format_record(day_record(ESIID, channel=Channel.SURPLUS_GENERATION, base=5)),
        ),
        "lse_fall_dst_100_intervals.lse": lse(format_record(day_record(day=date(2026, 11, 1)))),
        "lse_spring_dst_92_intervals.lse": lse(format_record(day_record(day=date(2026, 3, 8)))),
        "lse_fall_dst_declared_96_intervals.lse": lse(
            edit(
                edit(format_record(day_record(day=date(2026, 11, 1))), 1, ",900,100,", ",900,96,"),
                0,
                "",
                "",
            ),
            GOOD,
        ),
        "lse_95_values_on_96_slot_day.lse": lse(
            edit(edit(bad, 2, ",0.100,", ","), 3, "A", ""), GOOD
        ),
        "lse_negative_consumption.lse": lse(edit(bad, 2, ",0.101,", ",-0.101,"), GOOD),
        "lse_non_numeric_value.lse": lse(edit(bad, 2, ",0.101,", ",abc,"), GOOD),
        "lse_finer_than_one_watt_hour.lse": lse(edit(bad, 2, ",0.101,", ",0.1015,"), GOOD),
        "lse_other_tdsp_esiid.lse": lse(format_record(day_record(CNP_ESIID)), GOOD),
        "lse_invalid_esiid_16_digits.lse": lse(edit(bad, 0, ESIID, ESIID[:16]), GOOD),
        "lse_future_date.lse": lse(format_record(day_record(day=date(2026, 12, 1))), GOOD),
        "lse_today_not_over.lse": lse(format_record(day_record(day=date(2026, 11, 27))), GOOD),
        "lse_duplicate_record.lse": lse(bad, GOOD, bad),
        "lse_unknown_channel.lse": lse(edit(bad, 0, f"{ESIID},4,", f"{ESIID},7,"), GOOD),
        "lse_quality_letter_x.lse": lse(edit(bad, 3, "AAA", "AXA"), GOOD),
        "lse_missing_slot_with_value.lse": lse(edit(bad, 3, "AAA", "AMA"), GOOD),
        "lse_empty_value_not_missing.lse": lse(edit(bad, 2, ",0.101,", ",,"), GOOD),
        "lse_register_end_below_start.lse": lse(edit(bad, 1, ",1000.000,", ",99999.000,"), GOOD),
        "lse_flagged_invalid.lse": lse(edit(bad, 0, ",Y,N", ",Y,Y"), GOOD),
        "lse_header_two_missing_element.lse": lse(edit(bad, 1, ",900,", ","), GOOD),
        "lse_record_without_quality_row.lse": lse("".join(bad.splitlines(keepends=True)[:3]), GOOD),
        "lse_not_a_full_day_stop_at_noon.lse": lse(edit(bad, 0, "235959", "120000"), GOOD),
        "lse_truncated_mid_record.lse": lse(GOOD, bad[: len(bad) // 2], trailer=False),
        "lse_trailer_count_wrong.lse": lse(GOOD, bad, records=3),
        "lse_binary_gzip.lse": gzip.compress(lse(GOOD).encode(), mtime=0),
    }
    monthly = StringIO()
    write_tdsp_csv(
        monthly,
        InboundKind.MONTHLY_USAGE,
        [
            [ESIID, "M1", "20261001", "20261031", "20261102070000", "812.345", "", "A"],
            [ESIID_2, "M2", "20261031", "20261001", "20261102070000", "700.000", "", "A"],
            [ESIID_2, "M2", "20261001", "20261031", "20261102070000", "-5.000", "", "A"],
            [ESIID_2, "M2", "20261001", "20260231", "20261102070000", "5.000", "", "A"],
            ["10443720000000", "M2", "20261001", "20261031", "20261102070000", "5.000", "", "A"],
            [ESIID_2, "M2", "20261001", "20261031", "20261102070000", "5.000", "", "Q"],
            [ESIID_2, "M2", "20261001", "20261031", "20261102070000", "", "", "A"],
            [ESIID_2, "M2", "20261001"],
        ],
    )
    samples["monthly_usage_one_good_seven_bad.csv"] = monthly.getvalue()
    samples["ror_full_wrong_header.csv"] = "ESIID,REP,START\n" + f"{ESIID},123456789,20261101\n"
    for name, content in samples.items():
        path = HERE / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")


if __name__ == "__main__":
    main()
