"""Validation, estimation and editing as a TDSP does it: comms outages, estimates, corrections.

* About 1% of meter-days lose a run of 1 to 8 hours of reads; the TDSP estimates them (quality
  E) from the premise's expected shape, prorated so that the day still adds up to the difference
  of the midnight register reads.
* Very rarely (0.03% of meter-days) 1 to 4 slots stay missing (quality M, written empty).
* About 0.5% of meter-days are corrected and resent 1 to 4 days later: 40% of the estimated days
  get their actual reads back, and 0.1% of other days are re-edited (energy moved between
  neighbouring slots). A correction never changes the day's total, so register reads stay
  continuous and monthly totals stay exact whichever version is current.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

ESTIMATED_RUN_RATE = 0.01
ESTIMATED_RUN_SLOTS = (4, 32)  # inclusive
MISSING_RATE = 0.0003
MISSING_RUN_SLOTS = (1, 4)
CORRECT_ESTIMATED_SHARE = 0.4
CORRECT_PLAIN_RATE = 0.001
CORRECTION_DELAY_DAYS = (1, 4)
EDITED_SLOT_PAIRS = 3


@dataclass
class Readings:
    """The current (latest) version of every meter's consumption day, and the first-sent version
    of the days that will be corrected."""

    values: Ints  # (meters, slots)
    qualities: list[str]
    flagged: Bools  # the current version has an estimated or missing slot
    first_sent: dict[int, tuple[list[int], str]] = field(default_factory=dict)
    correction_delay: dict[int, int] = field(default_factory=dict)


def prorate(weights: Floats, total: int) -> Ints:
    """Non-negative integers proportional to `weights` that add up to exactly `total`."""
    w = np.clip(weights, 0.0, None)
    if w.sum() <= 0:
        w = np.ones_like(w)
    raw = w / w.sum() * total
    out: Ints = np.floor(raw).astype(np.int64)
    short = int(total - out.sum())
    if short:
        order = np.argsort(-(raw - out), kind="stable")
        out[order[:short]] += 1
    return out


def apply_vee(
    consumption: Ints, expected: Floats, rng: np.random.Generator, *, days_left: int
) -> Readings:
    """Mark outages and corrections on `consumption` (changed in place into the current version).

    `days_left` is how many later usage days the simulation still writes: a day is only
    corrected if its resend falls inside the run.
    """
    n, slots = int(consumption.shape[0]), int(consumption.shape[1])
    all_actual = "A" * slots
    qualities = [all_actual] * n
    flagged = np.zeros(n, dtype=np.bool_)
    readings = Readings(consumption, qualities, flagged)

    estimated = rng.random(size=n) < ESTIMATED_RUN_RATE
    run_len = rng.integers(ESTIMATED_RUN_SLOTS[0], ESTIMATED_RUN_SLOTS[1] + 1, size=n)
    run_pos = rng.random(size=n)
    missing = (rng.random(size=n) < MISSING_RATE) & ~estimated
    miss_len = rng.integers(MISSING_RUN_SLOTS[0], MISSING_RUN_SLOTS[1] + 1, size=n)
    delay = rng.integers(CORRECTION_DELAY_DAYS[0], CORRECTION_DELAY_DAYS[1] + 1, size=n)
    correct = (rng.random(size=n) < CORRECT_ESTIMATED_SHARE) & estimated & (delay <= days_left)
    plain = (rng.random(size=n) < CORRECT_PLAIN_RATE) & ~estimated & ~missing & (delay <= days_left)

    for i in np.flatnonzero(estimated).tolist():
        length = int(run_len[i])
        first = int(run_pos[i] * (slots - length + 1))
        run = slice(first, first + length)
        actual = consumption[i].copy()
        estimate = actual.copy()
        estimate[run] = prorate(expected[i, run], int(actual[run].sum()))
        q = "A" * first + "E" * length + "A" * (slots - first - length)
        if correct[i] and not np.array_equal(estimate, actual):
            readings.first_sent[i] = (estimate.tolist(), q)
            readings.correction_delay[i] = int(delay[i])
        else:
            consumption[i] = estimate
            qualities[i] = q
            flagged[i] = True

    for i in np.flatnonzero(missing).tolist():
        length = int(miss_len[i])
        first = int(run_pos[i] * (slots - length + 1))
        consumption[i, first : first + length] = 0
        qualities[i] = "A" * first + "M" * length + "A" * (slots - first - length)
        flagged[i] = True

    for i in np.flatnonzero(plain).tolist():
        original = consumption[i].tolist()
        for j in rng.integers(0, slots - 1, size=EDITED_SLOT_PAIRS).tolist():
            moved = int(consumption[i, j + 1]) // 3
            consumption[i, j] += moved
            consumption[i, j + 1] -= moved
        if consumption[i].tolist() != original:
            readings.first_sent[i] = (original, all_actual)
            readings.correction_delay[i] = int(delay[i])
    return readings
