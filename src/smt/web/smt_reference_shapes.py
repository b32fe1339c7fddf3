"""The official API's `/meterInfo/` and `/premiseInfo/` answers, filled from the meter and
premise tables (reference/smt-interfaces.md section 4.4; docs/smt-official-api.md says which
field comes from where and which are defaults because the TDSP files do not carry the fact).

`MeterData` has SMT's field names (as a client of the real API reads them); `PremiseData` is
this hub's own shape, since SMT's answer has not been captured publicly."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from smt.domain.tdsp import tdsp_by_code
from smt.store.schema import meter, premise
from smt.web.smt_shapes import central_stamp, us_day

# The HAN version of a meter as SMT names the profile ("SE1.1" -> "1.1"; none -> "").
_PROFILE = {"SE1.0": "1.0", "SE1.1": "1.1"}


def _utility(tdsp_code: str) -> tuple[str, str]:
    try:
        tdsp = tdsp_by_code(tdsp_code)
    except LookupError:
        return "", tdsp_code
    return tdsp.duns, tdsp.name


def meter_data(conn: Connection, esiid: str) -> dict[str, str] | None:
    """The ESIID's meter in service (else the one installed last) as SMT's `MeterData`."""
    m = meter.c
    row = conn.execute(
        select(meter)
        .where(m.esiid == esiid)
        .order_by(m.removed_on.is_(None).desc(), m.installed_on.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    generation = row.channels == "CG"
    # A self-contained meter (multiplier 1) is not instrument rated and its transformer
    # ratios are 1; an instrument-rated one's ratios are not in the TDSP's file.
    self_contained = row.kwh_multiplier == 1
    return {
        "utilityCompanyId": _utility(row.tdsp)[0],
        "meterSerialNumber": row.meter_number,
        "utilityMeterId": row.meter_number,
        "KWHMeterMultiplier": str(row.kwh_multiplier),
        "configuredChannels": "2" if generation else "1",
        "manufacturerName": row.manufacturer,
        "meterClass": row.meter_class,
        "intervalSetting": str(row.interval_minutes),
        "reverseFlowHandling": "Separate channel" if generation else "",
        "DGChannel": "Y" if generation else "N",
        "disconnect": "",
        "meterStatus": "Active" if row.removed_on is None else "Removed",
        "meterPhases": "",
        "meterModel": row.model,
        "testDate": "",
        "installationDate": us_day(row.installed_on),
        "initialProvisionDate": "",
        "LastUpdated": central_stamp(row.updated_at),
        "communicationIndicator": "",
        "instrumentRated": "N" if self_contained else "Y",
        "currentTransformersRatio": "1" if self_contained else "",
        "potentialTransformersRatio": "1" if self_contained else "",
        "esiFirmwareVersion": "",
        "HANProtocol": row.han_protocol,
        "smartEnergyProfile": _PROFILE.get(row.han_protocol, ""),
    }


def premise_data(conn: Connection, esiid: str) -> dict[str, Any] | None:
    """The ESIID's premise (IF1140/IF1150 as stored), in the hub's own shape."""
    row = conn.execute(select(premise).where(premise.c.esiid == esiid)).first()
    if row is None:
        return None
    duns, name = _utility(row.tdsp)
    return {
        "esiid": esiid,
        "utilityCompanyId": duns,
        "utilityCompanyName": name,
        "serviceAddress1": row.address1,
        "serviceAddress2": row.address2,
        "city": row.city,
        "state": row.state,
        "zipCode": row.zip,
        "premiseType": row.premise_type,
        "premiseStatus": row.status,
        "statusDate": us_day(row.status_date),
        "loadProfile": row.load_profile,
        "weatherZone": row.weather_zone,
        "LastUpdated": central_stamp(row.updated_at),
    }
