"""Even load across the serving processes of `smt serve --workers N`.

Each process listens on a socket of its own (SO_REUSEPORT) and the kernel hands it new
connections by a hash of their addresses: fair over many short connections, lopsided over a
few long keep-alive ones (32 clients split 21/11 were seen, and the busier process set the
tail latency). So the processes keep their counts of open connections in shared memory, and a
process holding more than the least busy one plus one asks one client at a time to reconnect
(`Connection: close` on an answer, which HTTP/1.1 clients honour by opening a new
connection); the kernel places that one afresh. No request is refused or cut."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping, MutableSequence
from typing import Any

Scope = MutableMapping[str, Any]
Asgi = Callable[[Scope, Any, Any], Awaitable[None]]

# Connections a process may hold above the least busy one before it sheds one.
SLACK = 1


class ConnectionShare:
    """This process's slot in the shared counts of open connections."""

    def __init__(self, counts: MutableSequence[int], index: int) -> None:
        self._counts = counts
        self._index = index
        self._shedding = False  # one reconnection asked for at a time, until a connection ends

    def opened(self) -> None:
        self._counts[self._index] += 1

    def closed(self) -> None:
        self._counts[self._index] -= 1
        self._shedding = False

    def shed_one(self) -> bool:
        """Whether to ask the client of the answer being sent to reconnect."""
        if self._shedding or self._counts[self._index] <= min(self._counts) + SLACK:
            return False
        self._shedding = True
        return True


def shedding(app: Asgi, share: ConnectionShare) -> Asgi:
    """`app` for one connection, adding `Connection: close` to an answer when this process
    sheds a connection. Never on a connection's first answer: while clients are connecting,
    the counts say only who accepted first (32 connections opened at once had their first
    answers shed down to 9)."""
    answered = 0

    async def wrapped(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def send_maybe_closing(message: MutableMapping[str, Any]) -> None:
            nonlocal answered
            if message["type"] != "http.response.start":
                await send(message)
                return
            answered += 1
            if answered > 1 and share.shed_one():
                headers = [
                    (n, v) for n, v in message.get("headers", ()) if n.lower() != b"connection"
                ]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        await app(scope, receive, send_maybe_closing)

    return wrapped
