"""A company's side of OpenPGP in tests: a throwaway GNUPGHOME, keys made by `gpg` itself, and
`gpg` decrypting (and verifying) what the hub delivered."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

GPG = "/usr/bin/gpg"


@dataclass
class Keyring:
    home: Path

    def __post_init__(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self.home.chmod(0o700)

    def run(self, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [
                GPG,
                "--homedir",
                str(self.home),
                "--batch",
                "--pinentry-mode",
                "loopback",
                "--passphrase",
                "",
                *args,
            ],
            input=stdin,
            capture_output=True,
            check=False,
            timeout=120,
        )

    def generate(
        self, uid: str, algo: str = "future-default", usage: str = "default", expire: str = "0"
    ) -> str:
        """A new key; its fingerprint."""
        done = self.run("--quick-gen-key", uid, algo, usage, expire)
        assert done.returncode == 0, done.stderr.decode()
        listed = self.run("--with-colons", "--list-keys", uid).stdout.decode()
        return next(line.split(":")[9] for line in listed.splitlines() if line.startswith("fpr"))

    def export(self, fingerprint: str) -> str:
        return self.run("--armor", "--export", fingerprint).stdout.decode()

    def export_secret(self, fingerprint: str) -> str:
        return self.run("--armor", "--export-secret-keys", fingerprint).stdout.decode()

    def import_key(self, armored: str) -> None:
        done = self.run("--import", stdin=armored.encode())
        assert done.returncode == 0, done.stderr.decode()

    def decrypt(self, data: bytes) -> tuple[bytes, str]:
        """The clear bytes and gpg's status lines (GOODSIG, VALIDSIG, ...)."""
        done = self.run("--status-fd", "2", "--decrypt", stdin=data)
        assert done.returncode == 0, done.stderr.decode()
        return done.stdout, done.stderr.decode()
