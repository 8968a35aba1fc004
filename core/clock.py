"""The server's clock is the only clock (DESIGN.md section 2); tests move a frozen one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to: deadlines can be tested to the second."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> None:
        self._at += delta

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)


def to_shanghai(value: datetime) -> datetime:
    """What people see: Asia/Shanghai time."""
    return value.astimezone(SHANGHAI)


def shanghai_text(value: datetime) -> str:
    """A time as pages and records print it: Asia/Shanghai, to the second."""
    return to_shanghai(value).strftime("%Y-%m-%d %H:%M:%S")


def from_local(value: datetime) -> datetime:
    """A naive time typed by a person in China, as aware UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=SHANGHAI)
    return value.astimezone(UTC)
