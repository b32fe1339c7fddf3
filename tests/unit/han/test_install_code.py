"""Install-code vectors of reference/han-sep1.md section 9: CRC-16/X-25 and the AES-MMO link key."""

from __future__ import annotations

import pytest

from smt.han.install_code import InstallCode, InvalidInstallCode, aes_mmo_hash, crc16_x25

VECTORS = [
    ("83FED3407A939723A5C639B26916D505C3B5", "66B6900981E1EE3CA4206B6B861C02BB"),
    ("11223344556677884AF7", "41618FC0C83B0E14A589954B16E31466"),
    ("0102030405060EB8", "A3761FEFADFEBD66D4D8E26EAEC9CD7B"),
    ("0102030405060708D46D", "0A7E11A360AED8C8C173B67367060EF3"),
    ("0102030405060708090A0B0CA528", "B0E05979E16C72567B71A79FDEE35C9E"),
    ("0102030405060708090A0B0C0D0E0F1090FD", "F7DB70E028B72B3F67D90A54F6916FF4"),
]


def test_the_crc_is_x25() -> None:
    assert crc16_x25(b"123456789") == 0x906E


@pytest.mark.parametrize(("code", "key"), VECTORS)
def test_link_keys_of_the_reference_vectors(code: str, key: str) -> None:
    assert InstallCode.parse(code).link_key.hex().upper() == key


def test_the_key_hashes_the_crc_too() -> None:
    body = bytes.fromhex(VECTORS[0][0])[:-2]
    assert aes_mmo_hash(body).hex().upper() == "6360EAEC72A8205E7ADE379FEFDBE897"


def test_printed_codes_may_carry_separators() -> None:
    spaced = "83FE D340 7A93 9723 A5C6 39B2 6916 D505 C3B5"
    assert InstallCode.parse(spaced) == InstallCode.parse(VECTORS[0][0])


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("83FED3407A939723A5C639B26916D505C3B6", "CRC does not match"),
        ("0102030405060708090A0B", "6, 8, 12 or 16 bytes plus a 2-byte CRC; this is 11"),
        ("0102", "this is 2"),
        ("83FED3407A939723A5C639B26916D505C3BZ", "hexadecimal"),
        ("83FED3407A939723A5C639B26916D505C3B", "hexadecimal"),
        ("", "hexadecimal"),
    ],
)
def test_bad_codes_are_refused_precisely(code: str, problem: str) -> None:
    with pytest.raises(InvalidInstallCode, match=problem):
        InstallCode.parse(code)


def test_a_code_never_shows_in_a_repr() -> None:
    assert "83FE" not in repr(InstallCode.parse(VECTORS[0][0])).upper()
