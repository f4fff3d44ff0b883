"""Housekeeping that `tipline serve` runs on its own: a job shortly after start, then once per
period, until the service stops. A failed run is logged and tried again at the next turn, so one
bad night never stops the service or the later runs."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

log = logging.getLogger(__name__)

DAY = timedelta(days=1)


async def every_period(
    name: str, job: Callable[[], Awaitable[object]], stop: asyncio.Event, *,
    every: timedelta = DAY, first_after: float = 60.0,
) -> None:
    delay = first_after
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), timeout=delay)
            return
        except TimeoutError:
            pass
        try:
            await job()
        except Exception:  # noqa: BLE001 - a schedule must survive one bad run; the log line says why
            log.exception("%s failed; trying again at the next turn", name)
        delay = every.total_seconds()
