"""The five TDSPs (wires utilities) that deliver smart-meter data to the hub."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Tdsp:
    code: str
    name: str
    duns: str
    esiid_prefixes: tuple[str, ...]
    esiid_length: int


# DUNS as the TDSPs are registered in the ERCOT market; ESIID prefixes and lengths as seen in real
# data (reference/smt-interfaces.md section 8).
TDSPS: tuple[Tdsp, ...] = (
    Tdsp("ONCOR", "Oncor Electric Delivery", "1039940674000", ("10443720", "1017699"), 17),
    Tdsp("CNP", "CenterPoint Energy Houston Electric", "957877905", ("1008901",), 22),
    Tdsp("AEPC", "AEP Texas Central", "007924772", ("10032789",), 17),
    Tdsp("AEPN", "AEP Texas North", "007923311", ("10204049",), 17),
    Tdsp("TNMP", "Texas-New Mexico Power", "007929441", ("10400511",), 17),
)

_BY_CODE = {t.code: t for t in TDSPS}
_BY_DUNS = {t.duns: t for t in TDSPS}
_BY_PREFIX = sorted(
    ((prefix, t) for t in TDSPS for prefix in t.esiid_prefixes), key=lambda p: -len(p[0])
)


def tdsp_by_code(code: str) -> Tdsp:
    try:
        return _BY_CODE[code]
    except KeyError:
        raise LookupError(f"no TDSP with code {code!r}") from None


def tdsp_by_duns(duns: str) -> Tdsp | None:
    return _BY_DUNS.get(duns)


def tdsp_for_esiid(digits: str) -> Tdsp | None:
    """The TDSP whose ESIID prefix starts `digits`, or None for a prefix outside the hub."""
    for prefix, tdsp in _BY_PREFIX:
        if digits.startswith(prefix):
            return tdsp
    return None
