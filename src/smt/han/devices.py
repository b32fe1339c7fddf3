"""Provisioning and de-provisioning HAN devices, one device per request (the seed): the ESIID's
meter in service must have a HAN radio and room under its TDSP's limit; the install code's CRC
must match; the link key derived from it goes to the TDSP's head-end and is never stored or
shown. Whoever may not provision on an ESIID is told exactly what an unknown ESIID is told."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, insert, select, update

from smt.access.facts import reps_of_record_on
from smt.access.policy import Principal, may_provision_han
from smt.accounts import audit
from smt.accounts.model import Role
from smt.domain.central_time import today_in_central
from smt.domain.esiid import Esiid, InvalidEsiid
from smt.domain.tdsp import tdsp_for_esiid
from smt.han.install_code import InstallCode, InvalidInstallCode
from smt.han.model import (
    OCCUPYING,
    DeviceState,
    DeviceType,
    HanLimits,
    HanRefusal,
    normalized_eui64,
)
from smt.headend.han import HanHeadEnd
from smt.store.han_tables import han_device, han_tdsp_setting
from smt.store.schema import meter

NOT_FOUND = "no ESIID and meter of yours with that number"


@dataclass(frozen=True, slots=True)
class DeviceOrder:
    esiid: str
    meter_number: str
    eui64: str
    install_code: str
    device_type: str

    def __repr__(self) -> str:  # the install code is a secret
        return f"DeviceOrder({self.esiid}, {self.meter_number}, {self.eui64}, {self.device_type})"


@dataclass(frozen=True, slots=True)
class Device:
    id: int
    esiid: str
    meter_number: str
    tdsp: str
    eui64: str
    device_type: DeviceType
    state: DeviceState
    reason: str
    requested_at: datetime
    changes_at: datetime | None  # when the head-end's answer takes effect, if still ahead


class HanDevices:
    def __init__(self, headends: Callable[[str], HanHeadEnd]) -> None:
        self._headend = headends

    def limits(self, conn: Connection, tdsp: str) -> HanLimits:
        row = conn.execute(
            select(
                han_tdsp_setting.c.max_devices_per_meter, han_tdsp_setting.c.max_text_bytes
            ).where(han_tdsp_setting.c.tdsp == tdsp)
        ).first()
        return HanLimits(*row) if row else HanLimits()

    def set_limits(
        self, conn: Connection, principal: Principal, limits: HanLimits, *, now: datetime
    ) -> None:
        """A TDSP administrator sets its own head-end's limits."""
        if principal.role is not Role.TDSP_ADMIN or principal.tdsp_code is None:
            raise HanRefusal("only a TDSP's administrator sets its HAN limits")
        if not 1 <= limits.max_devices_per_meter <= 10:
            raise HanRefusal("a meter takes 1 to 10 devices")
        if not 1 <= limits.max_text_bytes <= 59:
            raise HanRefusal("a text message is 1 to 59 bytes (Smart Energy's limit)")
        tdsp = principal.tdsp_code
        values = {
            "max_devices_per_meter": limits.max_devices_per_meter,
            "max_text_bytes": limits.max_text_bytes,
            "updated_by": principal.user_id,
            "updated_at": now,
        }
        changed = conn.execute(
            update(han_tdsp_setting).where(han_tdsp_setting.c.tdsp == tdsp).values(**values)
        )
        if not changed.rowcount:
            conn.execute(insert(han_tdsp_setting).values(tdsp=tdsp, **values))
        audit.record(
            conn,
            at=now,
            actor=principal.user_id,
            action="set-han-limits",
            subject=f"tdsp:{tdsp}",
            details={"devices": limits.max_devices_per_meter, "text": limits.max_text_bytes},
        )

    def provision(
        self, conn: Connection, principal: Principal, order: DeviceOrder, *, now: datetime
    ) -> Device:
        try:
            esiid = Esiid.parse(order.esiid).value
        except InvalidEsiid:
            raise HanRefusal(NOT_FOUND) from None
        try:
            device_type = DeviceType(order.device_type)
        except ValueError:
            kinds = ", ".join(t.value for t in DeviceType)
            raise HanRefusal(f"the device type is one of {kinds}") from None
        eui64 = normalized_eui64(order.eui64)
        try:
            code = InstallCode.parse(order.install_code)
        except InvalidInstallCode as error:
            raise HanRefusal(str(error)) from None
        tdsp = self._reachable(conn, principal, esiid, now)
        on_meter = conn.execute(
            select(meter.c.han_protocol).where(
                meter.c.esiid == esiid,
                meter.c.meter_number == order.meter_number.strip(),
                meter.c.removed_on.is_(None),
            )
        ).first()
        if on_meter is None:
            raise HanRefusal(NOT_FOUND)
        if on_meter.han_protocol.upper() == "NONE":
            raise HanRefusal("this meter has no HAN radio")
        limit = self.limits(conn, tdsp).max_devices_per_meter
        occupied = self._occupying(conn, now, han_device.c.esiid == esiid)
        if occupied >= limit:
            raise HanRefusal(
                f"this meter already has {occupied} devices: {limit} is its TDSP's limit"
            )
        if self._occupying(conn, now, han_device.c.eui64 == eui64):
            raise HanRefusal("that device is already provisioned; de-provision it first")
        answer = self._headend(tdsp).join(
            eui64=eui64,
            link_key=code.link_key,
            esiid=esiid,
            meter_number=order.meter_number.strip(),
            requested_at=now,
        )
        device_id = conn.execute(
            insert(han_device).values(
                esiid=esiid,
                meter_number=order.meter_number.strip(),
                tdsp=tdsp,
                eui64=eui64,
                device_type=device_type.value,
                state=DeviceState.REQUESTED.value,
                state_reason="",
                outcome=(DeviceState.JOINED if answer.joined else DeviceState.FAILED).value,
                outcome_reason=answer.reason,
                outcome_at=answer.at,
                requested_by=principal.user_id,
                requested_at=now,
                updated_at=now,
            )
        ).inserted_primary_key
        audit.record(
            conn,
            at=now,
            actor=principal.user_id,
            action="provision-han-device",
            subject=f"esiid:{esiid}",
            details={"eui64": eui64, "device_type": device_type.value},
        )
        assert device_id is not None  # noqa: S101
        found = self.device(conn, principal, int(device_id[0]), now=now)
        assert found is not None  # noqa: S101
        return found

    def deprovision(
        self, conn: Connection, principal: Principal, device_id: int, *, now: datetime
    ) -> Device:
        current = self.device(conn, principal, device_id, now=now)
        if current is None or current.state is DeviceState.REMOVED:
            raise HanRefusal("no such device of yours")
        gone_at = self._headend(current.tdsp).leave(
            eui64=current.eui64, esiid=current.esiid, requested_at=now
        )
        conn.execute(
            update(han_device)
            .where(han_device.c.id == device_id)
            .values(
                state=current.state.value,
                outcome=DeviceState.REMOVED.value,
                outcome_reason=f"de-provisioned by {principal.user_id}",
                outcome_at=gone_at,
                updated_at=now,
            )
        )
        audit.record(
            conn,
            at=now,
            actor=principal.user_id,
            action="deprovision-han-device",
            subject=f"esiid:{current.esiid}",
            details={"eui64": current.eui64},
        )
        found = self.device(conn, principal, device_id, now=now)
        assert found is not None  # noqa: S101
        return found

    def device(
        self, conn: Connection, principal: Principal, device_id: int, *, now: datetime
    ) -> Device | None:
        row = conn.execute(select(han_device).where(han_device.c.id == device_id)).first()
        if row is None or not self._may(conn, principal, row.esiid, now):
            return None
        return _device(row, now)

    def on_esiid(
        self, conn: Connection, principal: Principal, esiid: str, *, now: datetime
    ) -> list[Device]:
        """Every device provisioned on the ESIID, newest first (an ESIID the principal may
        not provision on has none)."""
        if not self._may(conn, principal, esiid, now):
            return []
        rows = conn.execute(
            select(han_device).where(han_device.c.esiid == esiid).order_by(han_device.c.id.desc())
        )
        return [_device(row, now) for row in rows]

    def _reachable(self, conn: Connection, principal: Principal, esiid: str, now: datetime) -> str:
        tdsp = tdsp_for_esiid(esiid)
        if tdsp is None or not self._may(conn, principal, esiid, now):
            raise HanRefusal(NOT_FOUND)
        return tdsp.code

    def _may(self, conn: Connection, principal: Principal, esiid: str, now: datetime) -> bool:
        tdsp = tdsp_for_esiid(esiid)
        today = today_in_central(now)
        return may_provision_han(
            principal,
            esiid_tdsp=tdsp.code if tdsp else None,
            duns_today=reps_of_record_on(conn, [esiid], today)[esiid],
        )

    @staticmethod
    def _occupying(conn: Connection, now: datetime, where: ColumnElement[bool]) -> int:
        """Devices holding a place: requested or joined, as the head-end's answers stand now."""
        d = han_device.c
        rows = conn.execute(select(d.state, d.outcome, d.outcome_at).where(where))
        return sum(1 for row in rows if _state(*row, now) in OCCUPYING)


def _state(state: str, outcome: str | None, at: datetime | None, now: datetime) -> DeviceState:
    if outcome is not None and at is not None and at <= now:
        return DeviceState(outcome)
    return DeviceState(state)


def _device(row: Row[Any], now: datetime) -> Device:
    state = _state(row.state, row.outcome, row.outcome_at, now)
    pending = row.outcome_at if row.outcome_at and row.outcome_at > now else None
    reason = row.outcome_reason if state.value == row.outcome else row.state_reason
    return Device(
        row.id,
        row.esiid,
        row.meter_number,
        row.tdsp,
        row.eui64,
        DeviceType(row.device_type),
        state,
        reason,
        row.requested_at,
        pending,
    )
