"""The HAN messaging log: each request, where each of its deliveries stands at a given instant
(the last event reported at or before it), and the history of one delivery. A REP sees the
requests of its DUNS; an operator sees everyone's; anyone else sees none."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, select

from smt.access.policy import Principal
from smt.accounts.model import Role
from smt.store.han_tables import han_delivery, han_delivery_event, han_device, han_request

CHUNK = 900


@dataclass(frozen=True, slots=True)
class DeliveryState:
    delivery_id: int
    address: str
    esiid: str
    eui64: str
    status: str
    detail: str
    at: datetime | None
    final: bool


@dataclass(frozen=True, slots=True)
class RequestView:
    request_id: str
    kind: str
    duns: str
    requested_by: str
    requested_at: datetime
    fields: dict[str, object]
    accepted: int
    refused: list[dict[str, str]]
    callback_state: str | None
    deliveries: list[DeliveryState] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(d.status for d in self.deliveries))

    @property
    def final(self) -> int:
        return sum(1 for d in self.deliveries if d.final)


def _visible(principal: Principal) -> ColumnElement[bool] | bool:
    if principal.role is Role.OPERATOR:
        return True
    if principal.role in (Role.REP_ADMIN, Role.REP_USER) and principal.duns:
        return han_request.c.duns.in_(sorted(principal.duns))
    return False


def requests(conn: Connection, principal: Principal, *, limit: int = 50) -> list[RequestView]:
    """The newest requests the principal may see, without their deliveries."""
    where = _visible(principal)
    if where is False:
        return []
    query = select(han_request).order_by(han_request.c.id.desc()).limit(limit)
    if where is not True:
        query = query.where(where)
    return [_view(row) for row in conn.execute(query)]


def request(
    conn: Connection, principal: Principal, request_id: str, *, now: datetime
) -> RequestView | None:
    """One request with where each delivery stands at `now`; None if not the principal's."""
    where = _visible(principal)
    if where is False:
        return None
    query = select(han_request).where(han_request.c.request_id == request_id[:32])
    if where is not True:
        query = query.where(where)
    row = conn.execute(query).first()
    if row is None:
        return None
    view = _view(row)
    view.deliveries.extend(_states(conn, row.id, now))
    return view


def history(
    conn: Connection, principal: Principal, request_id: str, delivery_id: int, *, now: datetime
) -> list[tuple[datetime, str, str]]:
    """Every event of one delivery up to `now`."""
    found = request(conn, principal, request_id, now=now)
    if found is None or delivery_id not in {d.delivery_id for d in found.deliveries}:
        return []
    e = han_delivery_event.c
    rows = conn.execute(
        select(e.at, e.status, e.detail)
        .where(e.delivery_id == delivery_id, e.at <= now)
        .order_by(e.at, e.id)
    )
    return [(at, status, detail) for at, status, detail in rows]


def _view(row: Row[Any]) -> RequestView:
    return RequestView(
        row.request_id,
        row.kind,
        row.duns,
        row.requested_by,
        row.requested_at,
        dict(row.fields),
        row.accepted,
        list(row.refused),
        row.callback_state,
    )


def _states(conn: Connection, request_row_id: int, now: datetime) -> Iterator[DeliveryState]:
    d, v, e = han_delivery.c, han_device.c, han_delivery_event.c
    deliveries = conn.execute(
        select(d.id, d.address, d.esiid, v.eui64)
        .join(han_device, han_device.c.id == d.device_id)
        .where(d.request_id == request_row_id)
        .order_by(d.id)
    ).all()
    last: dict[int, tuple[datetime, str, str, bool]] = {}
    ids = [row.id for row in deliveries]
    for start in range(0, len(ids), CHUNK):
        rows = conn.execute(
            select(e.delivery_id, e.at, e.status, e.detail, e.final)
            .where(e.delivery_id.in_(ids[start : start + CHUNK]), e.at <= now)
            .order_by(e.delivery_id, e.at, e.id)
        )
        for delivery_id, at, status, detail, final in rows:
            last[delivery_id] = (at, status, detail, bool(final))
    for row in deliveries:
        at, status, detail, final = last.get(row.id, (None, "accepted", "", False))
        yield DeliveryState(row.id, row.address, row.esiid, row.eui64, status, detail, at, final)
