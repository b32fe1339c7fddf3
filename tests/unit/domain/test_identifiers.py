"""ESIIDs, DUNS numbers and the TDSP registry."""

from __future__ import annotations

import pytest

from smt.domain.duns import Duns, InvalidDuns
from smt.domain.esiid import Esiid, InvalidEsiid
from smt.domain.tdsp import TDSPS, tdsp_by_code, tdsp_by_duns, tdsp_for_esiid


@pytest.mark.parametrize(
    ("text", "tdsp"),
    [
        ("1008901012126195372100", "CNP"),  # the interface guide's example
        ("10443720004000001", "ONCOR"),
        ("10176990000000001", "ONCOR"),  # former TXU SESCO, East Texas
        ("10032789000000001", "AEPC"),
        ("10204049739986221", "AEPN"),
        ("10400511114390001", "TNMP"),
        ("'10443720004000001", "ONCOR"),  # the spreadsheet apostrophe of SMT's CSV
        (" 10443720004000001 ", "ONCOR"),
    ],
)
def test_valid_esiids_find_their_tdsp(text: str, tdsp: str) -> None:
    esiid = Esiid.parse(text)
    assert esiid.tdsp.code == tdsp
    assert str(esiid) == text.strip().lstrip("'")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1044372000400000", "16 digits"),
        ("104437200040000011", "18 digits"),
        ("10443720004X00001", "digits only"),
        ("20443720004000001", "start with 10"),
        ("10999999000000001", "no TDSP"),
        ("10089010121261953", "CenterPoint"),  # truncated to 17: the classic integration bug
        ("1044372000400000100000", "Oncor"),
        ("１0443720004000001", "digits only"),  # noqa: RUF001  # a full-width digit is not ASCII
        ("", "digits only"),
    ],
)
def test_invalid_esiids_say_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidEsiid, match=reason):
        Esiid.parse(text)


def test_esiids_are_strings_never_numbers() -> None:
    assert Esiid("1008901012126195372100") < Esiid("1008901012126195372101")
    assert float("1008901012126195372100") == float("1008901012126195372101")


@pytest.mark.parametrize("text", ["007924772", "1039940674000", " 957877905 "])
def test_duns(text: str) -> None:
    assert Duns.parse(text).value == text.strip()


@pytest.mark.parametrize("text", ["12345678", "1234567890", "12345678901234", "12345678a", ""])
def test_malformed_duns(text: str) -> None:
    with pytest.raises(InvalidDuns, match="9 or 13 digits"):
        Duns.parse(text)


def test_registry_is_consistent() -> None:
    assert {t.code for t in TDSPS} == {"ONCOR", "CNP", "AEPC", "AEPN", "TNMP"}
    for tdsp in TDSPS:
        assert tdsp_by_code(tdsp.code) is tdsp
        assert tdsp_by_duns(tdsp.duns) is tdsp
        Duns(tdsp.duns)
        for prefix in tdsp.esiid_prefixes:
            assert tdsp_for_esiid(prefix + "0" * (tdsp.esiid_length - len(prefix))) is tdsp
    assert tdsp_by_duns("123456789") is None
    with pytest.raises(LookupError):
        tdsp_by_code("LCRA")
