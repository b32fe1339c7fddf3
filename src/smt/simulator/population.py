"""The simulated service points: ESIIDs, premises, meters, initial REPs and load parameters.

Everything is drawn once from the configuration's seed, as numpy arrays indexed by meter (one
meter per ESIID), with the few text attributes in lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from smt.domain.esiid import esiid_fault
from smt.domain.tdsp import TDSPS, Tdsp
from smt.simulator.places import (
    BUSINESS_STREETS,
    CITIES,
    METER_MODELS,
    RESIDENTIAL_MODEL_WEIGHTS,
    STREETS,
    ZONE_INDEX,
)
from smt.simulator.reps import REP_SHARES, REPS

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

# Share of meters per TDSP, in TDSPS order (ONCOR, CNP, AEPC, AEPN, TNMP).
TDSP_SHARES: tuple[float, ...] = (0.45, 0.32, 0.11, 0.05, 0.07)
COMMERCIAL_SHARE = 0.10
SOLAR_SHARE_OF_RESIDENTIAL = 0.08
ELECTRIC_HEAT_SHARE = 0.40
ONCOR_EAST_PREFIX = "1017699"  # ex-TXU SESCO, East Texas
RESIDENTIAL_VARIANTS = 3  # early, usual and late households (time-of-day shapes)
COMMERCIAL_VARIANTS = 2  # office hours, retail hours
METER_SERIAL_BASE = 100_000_000
AMS_DEPLOYMENT = (date(2009, 6, 1), date(2014, 12, 31))


@dataclass(frozen=True, slots=True)
class Premise:
    address1: str
    address2: str
    city: str
    zip: str
    premise_type: str  # RES or NRES
    load_profile: str
    zone: str


@dataclass
class Population:
    esiids: list[str]
    tdsp: Ints  # index into TDSPS
    commercial: Bools
    solar: Bools
    zone: Ints  # index into places.ZONES
    base_kw: Floats
    cool_kw_per_f: Floats
    cool_set_f: Floats
    heat_kw_per_f: Floats
    heat_set_f: Floats
    pv_kw: Floats
    noise_sigma: Floats
    variant: Ints  # time-of-day shape, within the class
    cycle_day: Ints  # day of month the billing cycle ends (1..28)
    connect_day: Ints  # ordinal of the first day of service; later than start: a new connection
    premises: list[Premise]
    model: Ints  # index into METER_MODELS
    han: list[str]
    meter_serial: Ints
    meter_installed: Ints  # ordinal
    initial_rep: Ints  # index into REPS
    ror_start: Ints  # ordinal of the initial REP's start date
    initial_register_wh: Ints
    by_tdsp: list[npt.NDArray[np.intp]]

    @property
    def size(self) -> int:
        return len(self.esiids)

    def meter_number(self, serial: int, model: int) -> str:
        return f"{serial:09d}{METER_MODELS[model].suffix}"


def allocate(total: int, shares: tuple[float, ...]) -> list[int]:
    """Split `total` by `shares` with the largest-remainder method (deterministic, exact)."""
    raw = [total * s / sum(shares) for s in shares]
    counts = [int(r) for r in raw]
    by_remainder = sorted(range(len(shares)), key=lambda i: (counts[i] - raw[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _suffixes(rng: np.random.Generator, digits: int, count: int) -> list[str]:
    values = rng.choice(10**digits, size=count, replace=False)
    return [f"{int(v):0{digits}d}" for v in values]


def make_esiids(
    rng: np.random.Generator, tdsp: Tdsp, count: int, *, east: Bools | None = None
) -> list[str]:
    """`count` distinct valid ESIIDs of `tdsp` (Oncor East Texas meters get the SESCO prefix)."""
    main = tdsp.esiid_prefixes[0]
    out = [main + s for s in _suffixes(rng, tdsp.esiid_length - len(main), count)]
    if east is not None and tdsp.code == "ONCOR":
        alt = _suffixes(rng, tdsp.esiid_length - len(ONCOR_EAST_PREFIX), count)
        out = [ONCOR_EAST_PREFIX + a if e else m for m, a, e in zip(out, alt, east, strict=True)]
    for esiid in out:
        if esiid_fault(esiid) is not None:  # pragma: no cover - prefixes come from TDSPS
            raise AssertionError(esiid_fault(esiid))
    return out


def build_population(
    rng: np.random.Generator, *, meters: int, start: date, days: int, new_connection_rate: float
) -> Population:
    counts = allocate(meters, TDSP_SHARES)
    tdsp = np.repeat(np.arange(len(TDSPS), dtype=np.int64), counts)
    n = meters
    commercial = rng.random(n) < COMMERCIAL_SHARE
    solar = (rng.random(n) < SOLAR_SHARE_OF_RESIDENTIAL) & ~commercial
    electric_heat = (rng.random(n) < ELECTRIC_HEAT_SHARE) & ~commercial

    esiids: list[str] = []
    premises: list[Premise] = []
    zone = np.zeros(n, dtype=np.int64)
    model = np.zeros(n, dtype=np.int64)
    variant = np.where(
        commercial,
        rng.integers(0, COMMERCIAL_VARIANTS, n),
        rng.integers(0, RESIDENTIAL_VARIANTS, n),
    ).astype(np.int64)
    residential_models = [i for i, m in enumerate(METER_MODELS) if not m.commercial]
    commercial_models = [i for i, m in enumerate(METER_MODELS) if m.commercial]
    offset = 0
    for t, (info, count) in enumerate(zip(TDSPS, counts, strict=True)):
        block = slice(offset, offset + count)
        offset += count
        cities = CITIES[info.code]
        weights = np.array([c.weight for c in cities])
        city_ix = rng.choice(len(cities), size=count, p=weights / weights.sum())
        zone[block] = [ZONE_INDEX[cities[c].zone] for c in city_ix]
        east = zone[block] == ZONE_INDEX["EAST"]
        esiids.extend(make_esiids(rng, TDSPS[t], count, east=east))
        res_w = np.array(RESIDENTIAL_MODEL_WEIGHTS[info.code])
        model[block] = np.where(
            commercial[block],
            rng.choice(commercial_models, size=count),
            rng.choice(residential_models, size=count, p=res_w / res_w.sum()),
        )
        numbers = rng.integers(100, 9900, count)
        streets = rng.integers(0, len(STREETS), count)
        business = rng.integers(0, len(BUSINESS_STREETS), count)
        unit = rng.random(count)
        unit_no = rng.integers(1, 40, count)
        zip_pick = rng.random(count)
        for k, c in enumerate(city_ix):
            i = block.start + k
            city = cities[c]
            is_com = bool(commercial[i])
            if is_com:
                address1 = f"{numbers[k] * 2 + 1000} {BUSINESS_STREETS[business[k]]}"
                address2 = f"Ste {unit_no[k] * 10 + 100}" if unit[k] < 0.4 else ""
                profile = ("BUSMEDLF", "BUSHILF")[int(variant[i])]
                premise_type = "NRES"
            else:
                address1 = f"{numbers[k]} {STREETS[streets[k]]}"
                address2 = (
                    f"Apt {unit_no[k]}{'ABCD'[int(numbers[k]) % 4]}" if unit[k] < 0.15 else ""
                )
                winter = "HI" if electric_heat[i] else "LO"
                profile = f"RES{winter}PV" if solar[i] else f"RES{winter}WR"
                premise_type = "RES"
            premises.append(
                Premise(
                    address1=address1,
                    address2=address2,
                    city=city.name,
                    zip=city.zips[int(zip_pick[k] * len(city.zips))],
                    premise_type=premise_type,
                    load_profile=f"{profile}_{city.zone}",
                    zone=city.zone,
                )
            )

    # Load model (kW and degrees F); see load_shapes.py.
    size = rng.lognormal(0.0, 0.3, n)  # house or business size
    base_kw = np.where(commercial, rng.lognormal(np.log(12.0), 0.7, n), 0.55 * size)
    cool = np.where(
        commercial, base_kw * rng.uniform(0.03, 0.05, n), rng.uniform(0.1, 0.2, n) * size
    )
    heat = np.where(
        electric_heat,
        rng.uniform(0.10, 0.22, n) * size,
        np.where(commercial, base_kw * 0.01, rng.uniform(0.01, 0.03, n)),
    )
    pv_kw = np.where(solar, rng.uniform(4.0, 11.5, n), 0.0)

    start_ordinal = start.toordinal()
    new = (rng.random(n) < min(new_connection_rate * (days - 1), 0.5)) & (days > 1)
    connect_day = np.where(
        new, start_ordinal + rng.integers(1, max(days, 2), n), start_ordinal
    ).astype(np.int64)
    deploy_lo, deploy_hi = (d.toordinal() for d in AMS_DEPLOYMENT)
    installed = np.minimum(rng.integers(deploy_lo, deploy_hi + 1, n), start_ordinal - 30)
    installed = np.where(new, connect_day, installed)
    register_kwh = np.where(
        commercial, rng.uniform(50_000, 2_000_000, n), rng.uniform(5_000, 180_000, n)
    )
    register = np.where(new, rng.integers(0, 2_000, n), (register_kwh * 1000).astype(np.int64))
    shares = np.array(REP_SHARES)
    han_draw = rng.random(n)
    han = [
        ("NONE" if h < 0.6 else "SE1.1") if c else ("SE1.0" if h < 0.55 else "SE1.1")
        for c, h in zip(commercial.tolist(), han_draw.tolist(), strict=True)
    ]
    by_tdsp = [np.flatnonzero(tdsp == t) for t in range(len(TDSPS))]
    return Population(
        esiids=esiids,
        tdsp=tdsp,
        commercial=commercial,
        solar=solar,
        zone=zone,
        base_kw=base_kw,
        cool_kw_per_f=cool,
        cool_set_f=np.where(commercial, rng.uniform(64, 70, n), rng.uniform(71, 78, n)),
        heat_kw_per_f=heat,
        heat_set_f=rng.uniform(55, 62, n),
        pv_kw=pv_kw,
        noise_sigma=np.where(commercial, 0.12, 0.35),
        variant=variant,
        cycle_day=rng.integers(1, 29, n),
        connect_day=connect_day,
        premises=premises,
        model=model,
        han=han,
        meter_serial=METER_SERIAL_BASE
        + rng.choice(800_000_000, size=n, replace=False).astype(np.int64),
        meter_installed=installed.astype(np.int64),
        initial_rep=rng.choice(len(REPS), size=n, p=shares / shares.sum()).astype(np.int64),
        ror_start=start_ordinal - rng.integers(0, 2500, n),
        initial_register_wh=register.astype(np.int64),
        by_tdsp=by_tdsp,
    )
