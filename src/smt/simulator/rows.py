"""Rows of the TDSP CSV flows, built by field name and put in the order smt.formats.tdsp_csv
declares (so a change of layout there is followed here, or fails loudly)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from smt.formats.file_names import InboundKind
from smt.formats.tdsp_csv import LAYOUTS
from smt.simulator.places import METER_MODELS
from smt.simulator.population import Population

Row = dict[str, str]


def ymd(day: date) -> str:
    return day.strftime("%Y%m%d")


def as_list(kind: InboundKind, row: Mapping[str, str]) -> list[str]:
    return [row[f.name] for f in LAYOUTS[kind]]


def meter_row(
    pop: Population,
    i: int,
    *,
    serial: int,
    model: int,
    installed: date,
    removed: date | None = None,
) -> Row:
    m = METER_MODELS[model]
    return {
        "ESIID": pop.esiids[i],
        "METER_NUMBER": pop.meter_number(serial, model),
        "MANUFACTURER": m.manufacturer,
        "MODEL": m.model,
        "METER_CLASS": "COM" if pop.commercial[i] else "RES",
        "KWH_MULTIPLIER": "1",
        "CHANNELS": "CG" if pop.solar[i] else "C",
        "INTERVAL_MINUTES": "15",
        "HAN_PROTOCOL": pop.han[i],
        "INSTALLED_ON": ymd(installed),
        "REMOVED_ON": "" if removed is None else ymd(removed),
    }


def premise_row(pop: Population, i: int, status: str, since: date) -> Row:
    p = pop.premises[i]
    return {
        "ESIID": pop.esiids[i],
        "ADDRESS1": p.address1,
        "ADDRESS2": p.address2,
        "CITY": p.city,
        "STATE": "TX",
        "ZIP": p.zip,
        "PREMISE_TYPE": p.premise_type,
        "STATUS": status,
        "STATUS_DATE": ymd(since),
        "LOAD_PROFILE": p.load_profile,
        "WEATHER_ZONE": p.zone,
    }


def ror_full_row(esiid: str, duns: str, start: date) -> Row:
    return {"ESIID": esiid, "DUNS": duns, "START_DATE": ymd(start)}


def ror_event_row(esiid: str, duns: str, event: str, effective: date) -> Row:
    return {"ESIID": esiid, "DUNS": duns, "EVENT": event, "EFFECTIVE_DATE": ymd(effective)}


def monthly_row(
    *,
    esiid: str,
    meter_number: str,
    start: date,
    end: date,
    revision: str,
    usage_kwh: str,
    demand_kw: str,
    estimated: bool,
) -> Row:
    return {
        "ESIID": esiid,
        "METER_NUMBER": meter_number,
        "START_DATE": ymd(start),
        "END_DATE": ymd(end),
        "REVISION_TS": revision,
        "USAGE_KWH": usage_kwh,
        "DEMAND_KW": demand_kw,
        "ESTIMATED_ACTUAL": "E" if estimated else "A",
    }
