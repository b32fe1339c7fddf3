"""Fanning a HAN request out to one TDSP's head-end, and recording what the head-end reports.
One job per (request, TDSP), queued after the request commits: a slow or failing head-end
holds up only its own territory's devices."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, and_, delete, insert, select, update

from smt.clock import Clock
from smt.han.model import MessageKind
from smt.han.zcl import Frame, encode
from smt.headend.han import HanEvent, HanHeadEnd, HanOrder, HanTarget
from smt.store.han_tables import han_delivery, han_delivery_event, han_device, han_request

CHUNK = 900


def dispatch(
    engine: Engine,
    headend_for: Callable[[str], HanHeadEnd],
    request_id: str,
    tdsp: str,
    clock: Clock,
    *,
    chunk: int = 500,
) -> int:
    """Send the request's frame to its devices in `tdsp`, a chunk per transaction: each chunk
    is claimed, handed to the head-end and recorded ("sent", then what the head-end reports)
    together, so a hub stopped in the middle resumes with the next chunk and sends nothing
    twice. The number of deliveries this call sent."""
    with engine.connect() as conn:
        request = conn.execute(
            select(han_request).where(han_request.c.request_id == request_id)
        ).one()
    kind = MessageKind(request.kind)
    frame = encode(Frame(kind.spec.command, request.id & 0xFF, request.fields))
    d, v = han_delivery.c, han_device.c
    sent = 0
    while True:
        token = secrets.token_hex(16)
        with engine.begin() as conn:
            # A write first: on SQLite it takes the write lock before anything is read.
            unsent = (
                select(d.id)
                .where(d.request_id == request.id, d.tdsp == tdsp, d.claim.is_(None))
                .order_by(d.id)
                .limit(chunk)
                .scalar_subquery()
            )
            claimed = conn.execute(
                update(han_delivery).where(d.id.in_(unsent)).values(claim=token)
            ).rowcount
            if not claimed:
                return sent
            rows = conn.execute(
                select(d.id, v.eui64, v.device_type)
                .join(han_device, han_device.c.id == d.device_id)
                .where(d.claim == token)
                .order_by(d.id)
            ).all()
            targets = [HanTarget(r.id, r.eui64, r.device_type) for r in rows]
            at = clock.now()
            order = HanOrder(
                request_id,
                kind.value,
                frame,
                request.fields,
                targets,
                sent_at=at,
                cancelled=_cancelled(conn, request, kind, [r.id for r in rows]),
            )
            events = [HanEvent(t.delivery_id, at, "sent") for t in targets]
            events.extend(headend_for(tdsp).deliver(order))
            record(conn, events)
            sent += len(targets)


def undispatched(engine: Engine) -> list[tuple[str, str]]:
    """(request id, TDSP) of every fan-out a stopped hub left unfinished."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(han_request.c.request_id, han_delivery.c.tdsp)
            .join(han_request, han_request.c.id == han_delivery.c.request_id)
            .where(han_delivery.c.claim.is_(None))
            .distinct()
        )
        return [(request_id, tdsp) for request_id, tdsp in rows]


def _cancelled(
    conn: Connection, request: Row[Any], kind: MessageKind, delivery_ids: list[int]
) -> list[HanTarget]:
    """The earlier deliveries, to the devices this request reaches, that it cancels."""
    if kind not in (
        MessageKind.CANCEL_LOAD_CONTROL,
        MessageKind.CANCEL_ALL_LOAD_CONTROL,
        MessageKind.CANCEL_TEXT,
    ):
        return []
    original = MessageKind.TEXT if kind is MessageKind.CANCEL_TEXT else MessageKind.LOAD_CONTROL
    r, d, v = han_request.c, han_delivery.c, han_device.c
    mine = select(d.device_id).where(d.id.in_(delivery_ids)).scalar_subquery()
    which = and_(
        r.duns == request.duns,
        r.kind == original.value,
        r.id < request.id,
    )
    if kind is not MessageKind.CANCEL_ALL_LOAD_CONTROL:
        which = and_(which, r.issuer_id == request.issuer_id)
    rows = conn.execute(
        select(d.id, v.eui64, v.device_type)
        .join(han_request, han_request.c.id == d.request_id)
        .join(han_device, han_device.c.id == d.device_id)
        .where(which, d.device_id.in_(mine))
    )
    return [HanTarget(row.id, row.eui64, row.device_type) for row in rows]


def record(conn: Connection, events: Sequence[HanEvent]) -> None:
    """Store what a head-end reported. A superseding event (a cancellation) voids what was
    reported after it, unless the delivery had already ended before it."""
    plain = [e for e in events if not e.supersedes]
    for event in (e for e in events if e.supersedes):
        e = han_delivery_event.c
        ended = conn.execute(
            select(e.id).where(e.delivery_id == event.delivery_id, e.final == 1, e.at <= event.at)
        ).first()
        if ended is not None:
            continue
        conn.execute(
            delete(han_delivery_event).where(e.delivery_id == event.delivery_id, e.at > event.at)
        )
        plain.append(event)
    rows = [
        {
            "delivery_id": event.delivery_id,
            "at": event.at,
            "status": event.status,
            "detail": event.detail,
            "final": int(event.final),
        }
        for event in plain
    ]
    for start in range(0, len(rows), 5000):
        conn.execute(insert(han_delivery_event), rows[start : start + 5000])


def final_at(conn: Connection, request_row_id: int) -> datetime | None:
    """When the last delivery of a request reaches its final state (None while some have no
    final state reported yet)."""
    d, e = han_delivery.c, han_delivery_event.c
    deliveries = conn.execute(select(d.id).where(d.request_id == request_row_id)).scalars().all()
    latest: datetime | None = None
    ended = 0
    for start in range(0, len(deliveries), CHUNK):
        part = deliveries[start : start + CHUNK]
        for at in conn.execute(select(e.at).where(e.delivery_id.in_(part), e.final == 1)).scalars():
            ended += 1
            latest = at if latest is None or at > latest else latest
    return latest if ended >= len(deliveries) else None
