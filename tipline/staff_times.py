"""Times on the staff command line, in the deployment's time zone (`settings.timezone`), as the
console and the status page show them: a tip received at 01:30 UTC was received at 09:30 in
Beijing, and on the day the office counts its deadlines in."""
from __future__ import annotations

from datetime import datetime

from intake.platform.clock import in_zone


def local_minute(moment: datetime | None, zone: str) -> str:
    """"2026-11-27 10:00" in `zone`; "" for no time."""
    return f"{in_zone(moment, zone):%Y-%m-%d %H:%M}" if moment is not None else ""


def local_day(moment: datetime | None, zone: str) -> str:
    """"2026-11-27", the day in `zone`; "" for no time."""
    return f"{in_zone(moment, zone):%Y-%m-%d}" if moment is not None else ""
