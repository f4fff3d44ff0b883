"""Rate limits shared by every process: fixed-window counters in the database.

Used against guessing tracking codes and flooding the form or the bot. Limits are generous:
many elderly people can share one carrier address.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from intake.clock import aware
from intake.core import Core
from intake.models import RateCounter


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int


async def hit(core: Core, limit: Limit, key: str) -> bool:
    """Count one event for `key`; False when the limit for the current window is exceeded.

    The key is hashed (it may be an address or a chat id), so no personal data is stored.
    """
    now = core.clock.now()
    row_key = f"{limit.name}:{core.keys.keyed_hash(key, purpose='rate-limit')[:40]}"
    try:
        return await _count(core, row_key, limit, now)
    except IntegrityError:  # two processes created the same counter at once: count again
        return await _count(core, row_key, limit, now)


async def _count(core: Core, row_key: str, limit: Limit, now) -> bool:
    async with core.db.transaction() as session:
        counter = await session.get(RateCounter, row_key, with_for_update=True)
        if counter is None:
            session.add(RateCounter(key=row_key, window_start=now, count=1))
            return True
        if now - aware(counter.window_start) >= timedelta(seconds=limit.seconds):
            counter.window_start, counter.count = now, 1
            return True
        counter.count += 1
        return counter.count <= limit.count


async def purge(core: Core, older_than_seconds: int = 86400) -> None:
    async with core.db.transaction() as session:
        await session.execute(delete(RateCounter).where(RateCounter.window_start < core.clock.now() - timedelta(seconds=older_than_seconds)))
