"""Smart Energy's UTCTime (seconds since 2000-01-01T00:00Z, 0 = "now" in commands) and the
Central wall-clock times REPs write. A wall-clock time that does not exist (the spring-forward
hour) or exists twice (the fall-back hour) is refused unless an explicit UTC offset says which
instant is meant; Python's zoneinfo would silently pick one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from smt.domain.central_time import CENTRAL

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
INVALID = 0xFFFFFFFF


class InvalidLocalTime(ValueError):
    pass


def to_utc_time(instant: datetime) -> int:
    if instant.tzinfo is None:
        raise InvalidLocalTime("a time needs its UTC offset")
    seconds = int((instant - EPOCH).total_seconds())
    if not 0 < seconds < INVALID:
        raise InvalidLocalTime(f"{instant.isoformat()} is outside Smart Energy's time range")
    return seconds


def from_utc_time(value: int) -> datetime:
    return EPOCH + timedelta(seconds=value)


def parse_central(text: str) -> datetime:
    """An ISO 8601 time in Central prevailing time, with or without its offset."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidLocalTime(f"{text!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is not None:
        local = parsed.astimezone(CENTRAL)
        if local.replace(tzinfo=None) != parsed.replace(tzinfo=None):
            raise InvalidLocalTime(
                f"{text} is not a Central time: at that instant Central clocks read "
                f"{local.isoformat()}"
            )
        return local
    candidates = {parsed.replace(tzinfo=CENTRAL, fold=fold).astimezone(UTC) for fold in (0, 1)}
    real = [c for c in candidates if c.astimezone(CENTRAL).replace(tzinfo=None) == parsed]
    if not real:
        raise InvalidLocalTime(
            f"{text} does not exist in Central time (clocks skip from 2:00 to 3:00)"
        )
    if len(real) > 1:
        raise InvalidLocalTime(
            f"{text} happens twice in Central time: add -05:00 (CDT, the first) or "
            "-06:00 (CST, the second)"
        )
    return real[0].astimezone(CENTRAL)
