"""HAN wired together: one head-end per TDSP, the device registry, messaging, and the jobs that
fan requests out and call REPs back."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select, update

from smt.access.policy import Principal
from smt.accounts.model import Role
from smt.clock import Clock
from smt.domain.tdsp import TDSPS
from smt.han import log
from smt.han.devices import HanDevices
from smt.han.dispatch import dispatch, final_at
from smt.han.messaging import Acknowledgement, HanMessaging, MessageRequest
from smt.headend.han import HanHeadEnd
from smt.jobs.queue import JobQueue
from smt.store.han_tables import han_request

DISPATCH = "han-dispatch"
CALLBACK = "han-callback"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Han:
    devices: HanDevices
    messaging: HanMessaging
    headends: Mapping[str, HanHeadEnd]
    jobs: JobQueue

    def headend(self, tdsp: str) -> HanHeadEnd:
        return self.headends[tdsp]

    def send(
        self, engine: Engine, principal: Principal, request: MessageRequest, *, now: datetime
    ) -> Acknowledgement:
        """Record and acknowledge the request, then fan it out per TDSP once committed."""
        with engine.begin() as conn:
            ack = self.messaging.submit(conn, principal, request, now=now)
        for tdsp in ack.tdsps:
            self.jobs.enqueue(DISPATCH, ack.request_id, tdsp)
        return ack


def build_han(
    engine: Engine,
    clock: Clock,
    jobs: JobQueue,
    headends: Mapping[str, HanHeadEnd],
    *,
    callback_attempts: int = 5,
    callback_backoff_seconds: float = 30.0,
    dispatch_chunk: int = 500,
) -> Han:
    missing = {t.code for t in TDSPS} - set(headends)
    if missing:
        raise ValueError(f"no HAN head-end for {sorted(missing)}")
    devices = HanDevices(lambda tdsp: headends[tdsp])
    han = Han(devices, HanMessaging(devices), headends, jobs)
    jobs.register(DISPATCH, DispatchJob(engine, han, clock, dispatch_chunk))
    jobs.register(
        CALLBACK, CallbackJob(engine, clock, jobs, callback_attempts, callback_backoff_seconds)
    )
    return han


@dataclass(frozen=True)
class DispatchJob:
    engine: Engine
    han: Han
    clock: Clock
    chunk: int

    def __call__(self, request_id: str, tdsp: str) -> None:
        dispatch(self.engine, self.han.headend, request_id, tdsp, self.clock, chunk=self.chunk)
        with self.engine.begin() as conn:
            row = conn.execute(
                select(han_request.c.id, han_request.c.callback_state).where(
                    han_request.c.request_id == request_id
                )
            ).one()
            if row.callback_state != "pending":
                return
            done = final_at(conn, row.id)
            if done is None:
                return
            # Claimed once: the last TDSP's job to finish schedules the callback.
            claimed = conn.execute(
                update(han_request)
                .where(han_request.c.id == row.id, han_request.c.callback_state == "pending")
                .values(callback_state="scheduled")
            )
        if claimed.rowcount == 1:
            delay = max((done - self.clock.now()).total_seconds(), 0.0)
            self.han.jobs.enqueue(CALLBACK, request_id, 0, delay_seconds=delay)


@dataclass(frozen=True)
class CallbackJob:
    """POST the request's final log to the REP's callback URI; retried with exponential
    backoff, then given up (the log stays in the portal and the JSON API)."""

    engine: Engine
    clock: Clock
    jobs: JobQueue
    attempts: int
    backoff_seconds: float

    def __call__(self, request_id: str, attempt: int) -> None:
        operator = Principal("han-callback", Role.OPERATOR)
        with self.engine.connect() as conn:
            view = log.request(conn, operator, request_id, now=self.clock.now())
            uri = conn.execute(
                select(han_request.c.callback_uri).where(han_request.c.request_id == request_id)
            ).scalar_one_or_none()
        if view is None or not uri:
            return
        body = json.dumps(
            {
                "requestId": view.request_id,
                "kind": view.kind,
                "accepted": view.accepted,
                "final": view.final,
                "counts": view.counts,
                "deliveries": [
                    {
                        "address": d.address,
                        "esiid": d.esiid,
                        "device": d.eui64,
                        "status": d.status,
                        "at": d.at.isoformat() if d.at else None,
                    }
                    for d in view.deliveries
                ],
            }
        ).encode()
        outcome = "delivered" if _post(uri, body) else None
        if outcome is None and attempt + 1 < self.attempts:
            delay = self.backoff_seconds * 2**attempt
            self.jobs.enqueue(CALLBACK, request_id, attempt + 1, delay_seconds=delay)
            return
        with self.engine.begin() as conn:
            conn.execute(
                update(han_request)
                .where(han_request.c.request_id == request_id)
                .values(callback_state=outcome or "gave-up")
            )


def _post(uri: str, body: bytes) -> bool:
    request = urllib.request.Request(  # noqa: S310 - https, or http to loopback, checked at submit
        uri, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return bool(200 <= answer.status < 300)
    except (urllib.error.URLError, OSError) as error:
        logger.info("HAN callback to %s failed: %s", uri, error)
        return False
