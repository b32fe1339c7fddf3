"""`smt accounts`, run as a real process: passwords on standard input, clear refusals."""

from __future__ import annotations

import hashlib
import os
import ssl
import subprocess
import sys
from pathlib import Path

import trustme

PASSWORD = "Correct-Horse-42\n"


def smt(data: Path, *args: str, password: str = PASSWORD) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMT_")}
    return subprocess.run(
        [sys.executable, "-m", "smt.cli", "--data-dir", str(data), "accounts", *args],
        input=password,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def person(user_id: str) -> list[str]:
    return [
        "--user-id",
        user_id,
        "--first-name",
        "Rosa",
        "--last-name",
        "Vela",
        "--email",
        f"{user_id}@example.com",
    ]


def test_bootstrap_every_kind_of_party(tmp_path: Path) -> None:
    data = tmp_path / "var"
    ca = trustme.CA()
    leaf = ca.issue_cert("b2b.lonestarpower.example")
    pem = tmp_path / "client.pem"
    leaf.cert_chain_pems[0].write_to_path(str(pem))

    results = [
        smt(data, "add-operator", *person("ops.rosa")),
        smt(data, "add-tdsp", "--tdsp", "oncor", *person("oncor.admin")),
        smt(
            data,
            "add-rep",
            "--name",
            "Lone Star Power",
            "--duns",
            "111111111",
            "--duns",
            "1111111110001",
            *person("lsp.admin"),
        ),
        smt(data, "add-customer", "--esiid", "10443720000000001:2025-06-01", *person("maria.h")),
        smt(
            data,
            "add-system-account",
            "--name",
            "lsp.b2b",
            "--duns",
            "111111111",
            "--certificate",
            str(pem),
        ),
    ]
    listing = smt(data, "list", password="")

    for result in results:
        assert result.returncode == 0, result.stderr
    assert results[0].stdout == "operator ops.rosa\n"
    assert "TDSP administrator oncor.admin (ONCOR)" in results[1].stdout
    assert "administrator lsp.admin" in results[2].stdout
    assert "10443720000000001 from 2025-06-01" in results[3].stdout
    fingerprint = hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem.read_text())).hexdigest()
    assert fingerprint in results[4].stdout
    assert "account lsp.admin\trep-admin\tactive\tLone Star Power" in listing.stdout
    assert "company 3\trep\tactive\tLone Star Power" in listing.stdout


def test_bad_input_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    data = tmp_path / "var"
    no_password = smt(data, "add-operator", *person("ops.rosa"), password="")
    weak = smt(data, "add-operator", *person("ops.rosa"), password="short\n")
    bad_duns = smt(data, "add-rep", "--name", "X Power", "--duns", "12-34", *person("x.admin"))
    bad_tdsp = smt(data, "add-tdsp", "--tdsp", "LCRA", *person("lcra.admin"))
    unknown_duns = smt(data, "add-system-account", "--name", "ghost", "--duns", "999999999")
    assert smt(data, "add-operator", *person("ops.rosa")).returncode == 0
    again = smt(data, "add-operator", *person("OPS.ROSA"))

    for result, message in (
        (no_password, "give the password on standard input"),
        (weak, "at least 10 characters"),
        (bad_duns, "9 or 13 digits"),
        (bad_tdsp, "no TDSP 'LCRA'"),
        (unknown_duns, "not an approved DUNS"),
        (again, "is taken"),
    ):
        assert result.returncode == 2, result.stdout
        assert message in result.stderr
