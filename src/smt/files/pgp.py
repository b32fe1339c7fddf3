"""OpenPGP behind a small port: check a company's public key, and encrypt files to it.

The real implementation is GnuPG (Debian's `gpg`, what Texas market participants use) through
python-gnupg for keys, and `gpg` itself for encryption so that a file streams through it
(python-gnupg would buffer or need a path). Compression is off: it costs 35 times the time for
files that are mostly digits and commas, and the transfer is the cheap part. Output is ASCII
armoured (`.asc`), as SMT delivers.

A key is accepted when it is one public certificate (never secret material), not revoked, with
a usable encryption key that is strong enough (RSA of at least 2048 bits, or a modern curve) and
not expired; a key expiring within 30 days is accepted with a warning.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, BinaryIO, Protocol

MIN_RSA_BITS = 2048
MAX_KEY_BYTES = 64 * 1024
EXPIRY_WARNING = timedelta(days=30)
# RSA (1, 2 encrypt-only, 3 sign-only) and the modern curves; DSA and Elgamal are refused.
_RSA = {"1", "2", "3"}
_ECC = {"18", "19", "22"}
_CURVES = {"cv25519", "ed25519", "curve25519", "ed448", "cv448", "nistp256", "nistp384", "nistp521"}
_ALGORITHMS = {"1": "RSA", "2": "RSA", "3": "RSA", "16": "Elgamal", "17": "DSA", "18": "ECDH"}
_ALGORITHMS |= {"19": "ECDSA", "22": "EdDSA"}


class KeyRefused(ValueError):
    """The key cannot be used; the message says why, for the company's administrators."""


@dataclass(frozen=True, slots=True)
class KeyInfo:
    fingerprint: str
    algorithm: str  # of the encryption key: "RSA", "ECDH"
    bits: int
    user_ids: tuple[str, ...]
    expires_at: datetime | None  # of the encryption key (or of the certificate, if sooner)
    warning: str = ""

    def usable_at(self, now: datetime) -> str:
        """Empty when the key may be used at `now`, else why not."""
        if self.expires_at is not None and self.expires_at <= now:
            return f"the PGP key {self.fingerprint[-16:]} expired on {self.expires_at.date()}"
        return ""


class Encryptor(Protocol):
    def inspect(self, armored: str, *, now: datetime) -> KeyInfo:
        """Check a public key; raises KeyRefused with the reason."""
        ...

    def encrypting(
        self, target: BinaryIO, *, recipient: str, fingerprint: str
    ) -> AbstractContextManager[IO[bytes]]:
        """A writer whose bytes reach `target` encrypted to the armoured key `recipient`."""
        ...


def _when(epoch: str) -> datetime | None:
    return datetime.fromtimestamp(int(epoch), UTC) if epoch else None


def judge(keys: list[dict[str, Any]], now: datetime) -> KeyInfo:
    """The rules, on python-gnupg's scan of a key block (shared by the real port and tests)."""
    if any(k.get("type") == "sec" for k in keys):
        raise KeyRefused("this is a secret key: upload only the public key")
    if len(keys) != 1:
        raise KeyRefused("upload exactly one public key")
    key = keys[0]
    if key.get("trust") == "r":
        raise KeyRefused("the key is revoked")
    primary_expiry = _when(key.get("expires", ""))
    if primary_expiry is not None and primary_expiry <= now:
        raise KeyRefused(f"the key expired on {primary_expiry.date()}")
    candidates = [key, *key.get("subkey_info", {}).values()]
    reasons = []
    for candidate in candidates:
        if "e" not in candidate.get("cap", "") or candidate.get("trust") == "r":
            continue
        algo = candidate.get("algo", "")
        bits = int(candidate.get("length") or 0)
        name = _ALGORITHMS.get(algo, f"algorithm {algo}")
        if algo in _RSA and bits < MIN_RSA_BITS:
            reasons.append(f"{name} {bits} bits is too weak (at least {MIN_RSA_BITS})")
            continue
        if algo not in _RSA and not (algo in _ECC and candidate.get("curve") in _CURVES):
            reasons.append(f"{name} {candidate.get('curve', '')} is not accepted".strip())
            continue
        expiry = _when(candidate.get("expires", ""))
        if expiry is not None and expiry <= now:
            reasons.append(f"its encryption key expired on {expiry.date()}")
            continue
        if primary_expiry is not None and (expiry is None or primary_expiry < expiry):
            expiry = primary_expiry
        warning = ""
        if expiry is not None and expiry - now < EXPIRY_WARNING:
            warning = f"the key expires on {expiry.date()}: upload its successor soon"
        return KeyInfo(key["fingerprint"], name, bits, tuple(key.get("uids", ())), expiry, warning)
    if reasons:
        raise KeyRefused("; ".join(reasons))
    raise KeyRefused("the key has no encryption key")


class GpgEncryptor:
    """GnuPG with the hub's own keyring (`home`); companies' keys are imported on first use.
    With `signing_key` (the hub's armoured secret key, in a file the operator keeps out of the
    repository), every file is also signed."""

    def __init__(
        self,
        home: Path,
        *,
        signing_key: Path | None = None,
        passphrase_file: Path | None = None,
        binary: str = "gpg",
    ) -> None:
        self._home = home
        self._signing_key = signing_key
        self._signer: str | None = None
        self._passphrase_file = passphrase_file
        self._binary = binary
        self._known: set[str] = set()
        self._lock = threading.Lock()
        self._gpg: Any = None  # python-gnupg, opened on first use: building does no I/O

    def _keyring(self) -> Any:
        with self._lock:
            if self._gpg is None:
                import gnupg  # type: ignore[import-untyped]  # noqa: PLC0415 - on first use

                self._home.mkdir(parents=True, exist_ok=True)
                self._home.chmod(0o700)
                gpg = gnupg.GPG(gnupghome=str(self._home), gpgbinary=self._binary)
                if self._signing_key is not None:
                    result = gpg.import_keys(self._signing_key.read_text())
                    if not result.fingerprints:
                        raise KeyRefused("the hub's signing key could not be imported")
                    self._signer = str(result.fingerprints[0])
                self._gpg = gpg
            return self._gpg

    def inspect(self, armored: str, *, now: datetime) -> KeyInfo:
        if len(armored.encode()) > MAX_KEY_BYTES:
            raise KeyRefused("the key is too large")
        if "-----BEGIN PGP PUBLIC KEY BLOCK-----" not in armored:
            if "PRIVATE KEY" in armored:
                raise KeyRefused("this is a secret key: upload only the public key")
            raise KeyRefused("not an ASCII-armoured OpenPGP public key")
        keys = list(self._keyring().scan_keys_mem(armored))
        if not keys:
            raise KeyRefused("not an ASCII-armoured OpenPGP public key")
        return judge(keys, now)

    def _ensure(self, armored: str, fingerprint: str) -> None:
        if fingerprint in self._known:
            return
        gpg = self._keyring()
        present = {k["fingerprint"] for k in gpg.list_keys(keys=[fingerprint])}
        if fingerprint not in present:
            gpg.import_keys(armored)
        self._known.add(fingerprint)

    def command(self, fingerprint: str) -> list[str]:
        """The gpg command line that encrypts standard input to standard output."""
        args = [
            self._binary,
            "--homedir",
            str(self._home),
            "--batch",
            "--no-tty",
            "--quiet",
            "--trust-model",
            "always",
            "--compress-algo",
            "none",
            "--armor",
            "--recipient",
            fingerprint,
        ]
        if self._signer:
            args += ["--local-user", self._signer, "--sign"]
            if self._passphrase_file is not None:
                args += [
                    "--pinentry-mode",
                    "loopback",
                    "--passphrase-file",
                    str(self._passphrase_file),
                ]
        return [*args, "--encrypt", "--output", "-"]

    @contextmanager
    def encrypting(
        self, target: BinaryIO, *, recipient: str, fingerprint: str
    ) -> Iterator[IO[bytes]]:
        self._ensure(recipient, fingerprint)
        stdout: Any = target if _has_fileno(target) else subprocess.PIPE
        process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
            self.command(fingerprint),
            stdin=subprocess.PIPE,
            stdout=stdout,
            stderr=subprocess.PIPE,
        )
        assert process.stdin is not None  # noqa: S101 - asked for above
        pump = None
        if stdout is subprocess.PIPE:
            pump = threading.Thread(target=_copy, args=(process.stdout, target), daemon=True)
            pump.start()
        failed = False
        try:
            yield process.stdin
        except BaseException:
            failed = True
            process.kill()
            raise
        finally:
            try:
                process.stdin.close()
            except BrokenPipeError:
                failed = True
            errors = process.stderr.read() if process.stderr else b""
            code = process.wait()
            if pump is not None:
                pump.join()
        if code != 0 and not failed:
            raise OSError(f"gpg failed ({code}): {errors.decode(errors='replace')[:300]}")
        if code != 0:
            raise OSError("gpg failed")


def _has_fileno(stream: BinaryIO) -> bool:
    try:
        stream.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    return True


def _copy(source: IO[bytes] | None, target: BinaryIO) -> None:
    assert source is not None  # noqa: S101
    while chunk := source.read(1 << 16):
        target.write(chunk)


class FakeEncryptor:
    """The fake: keys are text blocks the tests write (`FAKE-PGP-KEY fpr=… bits=… algo=…
    expires=<ISO>|never secret=no`), judged by the same rules; "encryption" wraps the bytes
    in a readable envelope naming the recipient, so tests can check what went where."""

    HEADER = b"FAKE-PGP-MESSAGE to="

    def inspect(self, armored: str, *, now: datetime) -> KeyInfo:
        fields = dict(part.split("=", 1) for part in armored.split()[1:] if "=" in part)
        if not armored.startswith("FAKE-PGP-KEY") or "fpr" not in fields:
            raise KeyRefused("not an ASCII-armoured OpenPGP public key")
        expires = fields.get("expires", "never")
        scan = {
            "type": "sec" if fields.get("secret") == "yes" else "pub",
            "trust": fields.get("trust", "-"),
            "fingerprint": fields["fpr"],
            "algo": fields.get("algo", "1"),
            "length": fields.get("bits", "3072"),
            "curve": fields.get("curve", ""),
            "cap": fields.get("cap", "escESC"),
            "expires": ""
            if expires == "never"
            else str(int(datetime.fromisoformat(expires).timestamp())),
            "uids": [fields.get("uid", "test")],
        }
        return judge([scan], now)

    @contextmanager
    def encrypting(
        self, target: BinaryIO, *, recipient: str, fingerprint: str
    ) -> Iterator[IO[bytes]]:
        del recipient  # the fake needs only the fingerprint
        target.write(self.HEADER + fingerprint.encode() + b"\n")
        yield target
