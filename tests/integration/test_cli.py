"""The `smt` command, run as a real process: simulate → ingest (twice) → watch → serve."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from builders import day_record, place_sample, write_lse_file
from conftest import _service_url

SMT = [sys.executable, "-m", "smt.cli"]


def smt(*args: str, data_dir: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMT_")}
    return subprocess.run(
        [*SMT, "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


def test_simulate_then_ingest_twice(tmp_path: Path) -> None:
    files, data = tmp_path / "files", tmp_path / "var"

    simulated = smt(
        "simulate",
        "--meters",
        "60",
        "--days",
        "5",
        "--start",
        "2026-10-30",
        "--seed",
        "7",
        "--out",
        str(files),
        data_dir=data,
    )
    first = smt("ingest", str(files), data_dir=data)
    second = smt("ingest", str(files), data_dir=data)

    assert simulated.returncode == 0, simulated.stderr
    assert first.returncode == 0, first.stdout + first.stderr
    assert "rejected" in first.stdout
    total = first.stdout.strip().splitlines()[-1]
    assert total.startswith("total: ")
    assert " 0 rejected" in total
    assert second.returncode == 0
    files_count = len(list(files.iterdir()))
    assert f"total: {files_count} files ({files_count} already ingested" in second.stdout


def test_ingest_exits_non_zero_when_anything_is_rejected(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    place_sample("lse_negative_consumption.lse", inbox)

    result = smt("ingest", str(inbox), data_dir=tmp_path / "var")

    assert result.returncode == 1
    assert "1 loaded" in result.stdout
    assert "1 rejected" in result.stdout


def test_ingest_of_a_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    result = smt("ingest", str(tmp_path / "nope.lse"), data_dir=tmp_path / "var")
    assert result.returncode == 2
    assert "no such file or folder" in result.stderr


def test_simulate_refuses_bad_arguments(tmp_path: Path) -> None:
    result = smt(
        "simulate", "--meters", "0", "--days", "1", "--out", str(tmp_path), data_dir=tmp_path
    )
    assert result.returncode == 2
    assert "not a positive number" in result.stderr


def test_watch_takes_settled_files_and_quarantines_rejected_ones(tmp_path: Path) -> None:
    data = tmp_path / "var"
    assert smt("init", data_dir=data).returncode == 0
    oncor = data / "inbound" / "ONCOR"
    good = write_lse_file(oncor, [day_record()])
    partial = oncor / "upload.lse.part"
    partial.write_text("00000001,")
    bad = place_sample("lse_truncated_mid_record.lse", oncor)

    result = smt("watch", "--once", data_dir=data)

    assert result.returncode == 1, result.stdout + result.stderr
    assert (data / "archive" / "ONCOR" / good.name).exists()
    assert (data / "quarantine" / "ONCOR" / bad.name).exists()
    assert partial.exists(), "a partial upload is never taken"
    assert (data / "outbound" / "ONCOR" / f"{good.name}.result.csv").exists()
    assert (data / "outbound" / "ONCOR" / f"{bad.name}.result.csv").read_text().count("F5") == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_healthz(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMT_")}
    server = subprocess.Popen(
        [*SMT, "--data-dir", str(tmp_path / "var"), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("server did not start")
                time.sleep(0.2)
        assert response.status_code == 200
        assert response.json()["status"] == "ok"
        assert response.headers["content-type"] == "application/json"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_several_serving_processes_need_the_redis_queue(tmp_path: Path) -> None:
    port = str(_free_port())
    refused = smt("serve", "--workers", "2", "--port", port, data_dir=tmp_path / "var", timeout=60)
    assert refused.returncode == 2
    assert "needs the Redis job queue" in refused.stderr


def _children(pid: int) -> list[str]:
    """The command lines of the processes whose parent is `pid`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                found.append((stat.parent / "cmdline").read_text().replace("\0", " "))
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
    return found


def workers_pids(parent: int) -> list[int]:
    """The serving processes `parent` spawned (multiprocessing's spawn_main)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_text()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent and "spawn_main" in cmdline:
            found.append(int(stat.parent.name))
    return sorted(found)


def test_serve_refuses_a_port_another_program_holds(tmp_path: Path) -> None:
    redis_url = _service_url("SMT_TEST_REDIS_URL", "Redis")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("SMT_")} | {
            "SMT_JOBS_REDIS_URL": redis_url,
            "SMT_JOBS_QUEUE_NAME": f"smt-test-{uuid.uuid4().hex[:10]}",
        }
        refused = subprocess.run(
            [
                *SMT,
                "--data-dir",
                str(tmp_path / "var"),
                "serve",
                "--port",
                str(port),
                "--workers",
                "2",
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
    assert refused.returncode == 2, refused.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in refused.stderr


def _connections_held_by_each_worker(parent: int, port: int, *, clients: int) -> list[int]:
    """Open `clients` keep-alive connections at once, get one answer on each, and count the
    established ones each serving process holds (its socket inodes in /proc/net/tcp*)."""
    opened = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(clients)]
    try:
        for sock in opened:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: hub\r\n\r\n")
        for sock in opened:
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        established = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
                if local_port == port and fields[3] == "01":  # 01: ESTABLISHED
                    established.add(fields[9])
        counts = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) != parent:
                    continue
                links = [str(fd.readlink()) for fd in (stat.parent / "fd").iterdir()]
            except (OSError, IndexError, ValueError):
                continue
            held = sum(1 for link in links if link.removeprefix("socket:[")[:-1] in established)
            if held:
                counts.append(held)
        return sorted(counts)
    finally:
        for sock in opened:
            sock.close()


def test_serve_with_two_worker_processes(tmp_path: Path) -> None:
    redis_url = _service_url("SMT_TEST_REDIS_URL", "Redis")
    port = _free_port()
    data = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMT_")} | {
        "SMT_JOBS_REDIS_URL": redis_url,
        "SMT_JOBS_QUEUE_NAME": f"smt-test-{uuid.uuid4().hex[:10]}",
    }
    server = subprocess.Popen(
        [*SMT, "--data-dir", str(data), "serve", "--port", str(port), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("server did not start")
                time.sleep(0.2)
        assert response.json()["status"] == "ok"
        # A login reads the accounts table: only the database the command set up has it.
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            answers = [
                client.post("/api/v1/token", json={"username": "nobody", "password": "x"})
                for _ in range(4)
            ]
        assert [a.status_code for a in answers] == [401] * 4, answers[0].text
        workers = [c for c in _children(server.pid) if "spawn_main" in c]
        assert len(workers) == 2, workers
        held = _connections_held_by_each_worker(server.pid, port, clients=32)
        # One socket per process (SO_REUSEPORT): the kernel spreads connections by their
        # addresses. With one shared socket a single process was seen taking 29 of 32.
        assert len(held) == 2, held
        assert min(held) >= 6, f"32 connections split {held}"
        # A serving process that dies is replaced. (Connections the kernel had queued on its
        # socket die with it: SO_REUSEPORT does not move them to the others.)
        victim = int(workers_pids(server.pid)[0])
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while victim in workers_pids(server.pid) or len(workers_pids(server.pid)) < 2:
            assert time.monotonic() < deadline, "the dead serving process was not replaced"
            time.sleep(0.2)
        assert server.poll() is None
        deadline = time.monotonic() + 60
        while True:  # then every new connection is served, whichever process takes it
            try:
                answers = [httpx.get(f"http://127.0.0.1:{port}/healthz") for _ in range(16)]
                assert {a.status_code for a in answers} == {200}
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the new serving process never listened"
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=30)
