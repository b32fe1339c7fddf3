"""A head-end that plays meters: answers after a realistic delay (30 to 90 seconds by default),
and sometimes fails as real reads do (the meter does not answer, or the head-end times out).
Deterministic by correlation id, so a test can know what a request will do."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from smt.headend.port import OdrAnswer, OdrOutcome


class SimulatedHeadEnd:
    def __init__(
        self,
        *,
        delay_seconds: tuple[float, float] = (30.0, 90.0),
        failed_share: float = 0.04,
        timed_out_share: float = 0.02,
    ) -> None:
        self._delay = delay_seconds
        self._failed = failed_share
        self._timed_out = timed_out_share

    def read_register(
        self,
        *,
        correlation_id: str,
        esiid: str,
        meter_number: str,
        requested_at: datetime,
        register_wh: int | None,
    ) -> OdrAnswer:
        digest = hashlib.sha256(f"{correlation_id}:{esiid}:{meter_number}".encode()).digest()
        draw = int.from_bytes(digest[:4], "big") / 2**32
        spread = int.from_bytes(digest[4:8], "big") / 2**32
        low, high = self._delay
        completes = requested_at + timedelta(seconds=low + (high - low) * spread)
        if register_wh is None or draw < self._failed:
            return OdrAnswer(completes, OdrOutcome.FAILED, None)
        if draw < self._failed + self._timed_out:
            return OdrAnswer(completes + timedelta(seconds=60), OdrOutcome.TIMED_OUT, None)
        return OdrAnswer(completes, OdrOutcome.COMPLETED, register_wh)
