"""Time as a dependency: the real clock in production, a controllable one in tests.

Deadlines run in calendar days of the deployment's time zone (Asia/Shanghai by default),
so every "now" is timezone-aware and stored in UTC.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


@dataclass
class FrozenClock:
    """A clock that only moves when told to (tests, demos)."""

    current: datetime = field(default_factory=lambda: datetime(2026, 11, 27, 2, 0, tzinfo=timezone.utc))

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


def local_date(moment: datetime, tz: str = "Asia/Shanghai") -> date:
    return moment.astimezone(ZoneInfo(tz)).date()


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def in_zone(moment: datetime, tz: str) -> datetime:
    """A stored moment (UTC, naive from SQLite) in the deployment's time zone, for showing."""
    return aware(moment).astimezone(ZoneInfo(tz))
