"""Install codes of HAN devices: 6, 8, 12 or 16 random bytes followed by their CRC-16/X-25
(little-endian), as printed on the device. The trust-centre link key is the AES-128
Matyas-Meyer-Oseas hash of the whole code, CRC included (Zigbee spec Annex B.6); the hub hands
it to the TDSP's head-end and never shows it again."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BODY_LENGTHS = (6, 8, 12, 16)
_HEX = re.compile(r"[0-9A-Fa-f]+")


class InvalidInstallCode(ValueError):
    pass


def crc16_x25(data: bytes) -> int:
    """CRC-16/X-25 (poly 0x1021 reflected, init 0xFFFF, final XOR 0xFFFF); binascii.crc_hqx is a
    different CRC."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc ^ 0xFFFF


def aes_mmo_hash(message: bytes) -> bytes:
    """Matyas-Meyer-Oseas over AES-128: H0 = 0, Hj = E(Hj-1, Mj) xor Mj, with the message padded
    by one 1-bit, zeros, and its length in bits (16-bit big-endian under 2**16 bits)."""
    bits = len(message) * 8
    if bits >= 1 << 16:
        raise InvalidInstallCode("message too long for the 16-bit length form")
    padded = bytearray(message) + b"\x80"
    while len(padded) % 16 != 14:
        padded.append(0)
    padded += bits.to_bytes(2, "big")
    digest = bytes(16)
    for start in range(0, len(padded), 16):
        block = bytes(padded[start : start + 16])
        encryptor = Cipher(algorithms.AES(digest), modes.ECB()).encryptor()  # noqa: S305 - MMO is defined on single blocks
        cipher = encryptor.update(block) + encryptor.finalize()
        digest = bytes(a ^ b for a, b in zip(cipher, block, strict=True))
    return digest


@dataclass(frozen=True, slots=True)
class InstallCode:
    code: bytes  # body + CRC, as printed

    @classmethod
    def parse(cls, text: str) -> InstallCode:
        """Hex as printed (spaces and dashes allowed); the CRC must match."""
        compact = re.sub(r"[\s:-]", "", text)
        if not compact or not _HEX.fullmatch(compact) or len(compact) % 2:
            raise InvalidInstallCode("an install code is hexadecimal digits, two per byte")
        code = bytes.fromhex(compact)
        if len(code) - 2 not in BODY_LENGTHS:
            raise InvalidInstallCode(
                f"an install code is 6, 8, 12 or 16 bytes plus a 2-byte CRC; this is {len(code)}"
            )
        body, crc = code[:-2], int.from_bytes(code[-2:], "little")
        if crc16_x25(body) != crc:
            raise InvalidInstallCode("the install code's CRC does not match: check the digits")
        return cls(code)

    @property
    def link_key(self) -> bytes:
        return aes_mmo_hash(self.code)

    def __repr__(self) -> str:
        # Codes are secrets once issued: never in logs or tracebacks.
        return "InstallCode(<hidden>)"
