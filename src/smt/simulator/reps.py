"""The retail electric providers of the simulated market.

Fictitious companies with made-up DUNS numbers (none is a TDSP's). The demo creates an account for
each of them, so the list is public and fixed.
"""

from __future__ import annotations

from typing import NamedTuple


class Rep(NamedTuple):
    name: str
    duns: str


REPS: tuple[Rep, ...] = (
    Rep("Lone Star Power & Light", "078412365"),
    Rep("Bluebonnet Energy", "116503478"),
    Rep("Gulf Coast Electric Supply", "626148290"),
    Rep("Pecan Valley Power", "830227561"),
    Rep("Prairie Wind Energy", "961740383"),
    Rep("Rio Grande Retail Electric", "043516297"),
    Rep("Cap Rock Power Company", "1488327610001"),
    Rep("Big Thicket Energy", "8075519340002"),
)

# Relative market shares, in the order of REPS (a few large retailers, a long tail).
REP_SHARES: tuple[float, ...] = (0.22, 0.18, 0.15, 0.12, 0.10, 0.09, 0.08, 0.06)
