"""What `smt serve --workers N` runs: N serving processes, each with a listening socket of its own
on the same port (SO_REUSEPORT), so that the kernel spreads connections between them. With one
shared socket (uvicorn's own supervisor), whichever process wakes first accepts every pending
connection: 32 keep-alive clients were seen split 29/3, and the busy process set the tail latency.
The kernel's spread is by hash, so the processes also even out what it leaves lopsided
(web/connection_share.py).

The processes are spawned, not forked, and find the app by import name: the hub is built again
in each from the SMT_* environment the parent exported. One that dies after it started is started
again."""

from __future__ import annotations

import gc
import logging
import multiprocessing
import signal
import socket
import time
from collections.abc import MutableSequence
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

from fastapi import FastAPI

from smt.composition import build_hub
from smt.config import Settings
from smt.web.app import create_app
from smt.web.connection_share import ConnectionShare
from smt.web.tls_server import protocol_class

SHUTDOWN_SECONDS = 30.0

log = logging.getLogger("smt.serve")


def app_from_environment() -> FastAPI:
    """One worker's app: the hub as the environment describes it (migrated by the parent)."""
    app = create_app(build_hub(Settings()))
    freeze_startup_heap()
    return app


def freeze_startup_heap() -> None:
    """Take what startup built (the app, its routes, schemas and templates: ~170,000 objects)
    out of the cyclic garbage collector's sight. Each full collection walked all of it, and
    under load one ran every few seconds for 100-200 ms with the process holding its requests:
    the 40-day query's p99 and even /healthz's (115 ms -> 42 ms) were those pauses. Objects
    made later are collected as before."""
    gc.collect()
    gc.freeze()


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to host:port with SO_REUSEPORT, not yet listening: each serving
    process listens on one of its own, and the kernel balances new connections between them."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


def _serve_one(
    options: dict[str, Any],
    counts: MutableSequence[int],
    started: MutableSequence[int],
    index: int,
) -> None:
    """Serving process `index`: its own socket, uvicorn on it until SIGTERM or SIGINT, its
    open connections counted in `counts` and `started[index]` set once it serves (both
    shared by all the processes)."""
    import uvicorn  # noqa: PLC0415 - only serving processes need the server

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                started[index] = 1

    config = uvicorn.Config(
        "smt.web.serving:app_from_environment",
        factory=True,
        http=protocol_class(ConnectionShare(counts, index)),
        **options,
    )
    sock = reuse_port_socket(config.host, config.port)
    Server(config).run(sockets=[sock])


def serve_processes(options: dict[str, Any], workers: int) -> int:
    """Run `workers` serving processes until SIGTERM or SIGINT; start again one that dies after
    it had started serving; stop everything (exit 1) when one dies before (its port, database
    or configuration is wrong: starting it again would only loop). OSError when the address
    cannot be listened on."""
    # Held, bound and never listening, for as long as the server runs: the port is refused to
    # any other program at once, and no connection is ever queued on this socket.
    placeholder = reuse_port_socket(options["host"], options["port"])
    context = multiprocessing.get_context("spawn")
    stopping: list[int] = []

    def stop(signum: int, _frame: FrameType | None) -> None:
        stopping.append(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}

    counts = context.RawArray("i", workers)  # open connections per process
    started = context.RawArray("i", workers)  # 1 once the process serves

    def start(index: int) -> BaseProcess:
        counts[index] = started[index] = 0  # a process that died took its connections along
        process = context.Process(
            target=_serve_one, args=(options, counts, started, index), name=f"smt-serve-{index}"
        )
        process.start()
        return process

    running = [start(index) for index in range(workers)]
    failed = False
    try:
        while not stopping and not failed:
            wait([p.sentinel for p in running], timeout=0.5)
            for index, process in enumerate(running):
                if process.is_alive() or stopping:
                    continue
                if not started[index]:
                    log.error(
                        "serving process %s failed to start (exit %s)",
                        process.pid,
                        process.exitcode,
                    )
                    failed = True
                    break
                log.warning(
                    "serving process %s died (exit %s); starting another",
                    process.pid,
                    process.exitcode,
                )
                running[index] = start(index)
    finally:
        for process in running:
            if process.is_alive():
                process.terminate()  # uvicorn finishes the requests in flight
        deadline = time.monotonic() + SHUTDOWN_SECONDS
        for process in running:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        placeholder.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 1 if failed else 0
