"""Rate limits shared by every process: fixed-window counters in Redis (`TIPLINE_REDIS_URL`),
or in the database without it, or when Redis is down.

A caller whose events for a key all reach this one process (the bot's long polling: Telegram
hands every update to its one poller) may pass `LocalCounts` instead: without Redis the count is
then kept in this process's memory, exact, and no database write per event.

Used against guessing tracking codes and flooding the form or the bot. Limits are generous:
many elderly people can share one carrier address. Redis takes these writes off the database
(every counted request is a write, and SQLite has one writer); when Redis cannot be reached the
database counts instead, so a Redis outage never takes the site down nor lifts the limits.
"""
from __future__ import annotations

import asyncio
import logging
import time
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, literal, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from intake.platform.core import Core
from intake.platform.models.operations import RateCounter

log = logging.getLogger(__name__)

REDIS_PREFIX = "tipline:rl:"
REDIS_TIMEOUT_SECONDS = 0.5  # a request never waits longer than this for Redis
REDIS_RETRY_SECONDS = 5.0  # after a failure, the database counts for this long before Redis is tried again


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int


@dataclass(frozen=True)
class Counted:
    """One counted event (`count`): the window's count with it, and where to give it back
    (`refund`) when the event turns out not to be one the limit is about (a reservation)."""

    limit: Limit
    count: int
    slot: str  # the key where it was counted: the limit and key (memory), the Redis key, the database row
    window: object = None  # memory: the window's number; database: the window's start; Redis: in the key
    local: LocalCounts | None = None  # counted in this process's memory
    redis_url: str = ""  # counted in Redis

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit.count


class LocalCounts:
    """Fixed windows counted in this process's memory, for events that all reach this process.

    Windows are aligned on the clock, as in Redis. Nothing is written anywhere (the keys stay in
    memory only); a restart forgets the counts of the current window, no more. Each limit's
    windows past are swept when its window turns, so memory holds the keys of one window."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str], tuple[int, int]] = {}  # (limit, key) -> (window, count)
        self._windows: dict[str, int] = {}  # limit -> its window last seen

    def hit(self, limit: Limit, key: str, timestamp: float) -> bool:
        return self.count(limit, key, timestamp)[1] <= limit.count

    def count(self, limit: Limit, key: str, timestamp: float) -> tuple[int, int]:
        """(window, count) after counting one event for `key`."""
        window = int(timestamp // limit.seconds)
        if self._windows.get(limit.name) != window:
            self._windows[limit.name] = window
            self._counts = {k: v for k, v in self._counts.items() if k[0] != limit.name or v[0] == window}
        slot = (limit.name, key)
        seen = self._counts.get(slot)
        count = seen[1] + 1 if seen is not None and seen[0] == window else 1
        self._counts[slot] = (window, count)
        return window, count

    def refund(self, limit: Limit, key: str, window: int) -> None:
        """Give back one event counted in `window` (nothing once that window has passed)."""
        seen = self._counts.get((limit.name, key))
        if seen is not None and seen[0] == window and seen[1] > 0:
            self._counts[(limit.name, key)] = (window, seen[1] - 1)

    def __len__(self) -> int:
        return len(self._counts)


async def hit(
    core: Core, limit: Limit, key: str, *, local: LocalCounts | None = None, session: AsyncSession | None = None,
) -> bool:
    """Count one event for `key`; False when the limit for the current window is exceeded.

    The key is hashed (it may be an address or a chat id), so no personal data is stored.
    `local`: every event for this limit reaches this process, so without Redis it is counted
    there, in memory (with Redis configured, Redis counts, and the database while Redis is down).
    `session`: count in the caller's transaction (a refused request then counts only if it
    commits); `session.info["rate_counted"]` tells the caller that the database counted.
    """
    return (await count(core, limit, key, local=local, session=session)).allowed


async def count(
    core: Core, limit: Limit, key: str, *, local: LocalCounts | None = None, session: AsyncSession | None = None,
) -> Counted:
    """`hit`, telling the count and where it was counted, so that it can be given back (`refund`)."""
    now = core.clock.now()
    redis_url = getattr(core.settings, "redis_url", "")
    if local is not None and not redis_url:
        window, counted = local.count(limit, key, now.timestamp())
        return Counted(limit, counted, key, window, local=local)
    row_key = f"{limit.name}:{core.keys.keyed_hash(key, purpose='rate-limit')[:40]}"
    if redis_url:
        counted = await _redis_count(redis_url, row_key, limit, now.timestamp())
        if counted is not None:
            return Counted(limit, counted[0], counted[1], redis_url=redis_url)
    if session is not None:
        session.info["rate_counted"] = True
        return Counted(limit, *await _count_in(session, core, row_key, limit, now))
    try:
        return Counted(limit, *await _count(core, row_key, limit, now))
    except IntegrityError:  # two processes created the same counter at once: count again
        return Counted(limit, *await _count(core, row_key, limit, now))


async def refund(core: Core, counted: Counted) -> None:
    """Give back one event counted by `count`, in the window it was counted in (nothing once that
    window has passed). Used for reservations: an event counted before it is known whether it is
    one the limit is about, so that many at once cannot all pass a check made before any counted."""
    if counted.local is not None:
        counted.local.refund(counted.limit, counted.slot, counted.window)
        return
    if counted.redis_url:  # Redis away: the event stays counted (the limit holds either way)
        await _redis_refund(counted.redis_url, counted.slot)
        return
    table = RateCounter.__table__
    async with core.db.transaction() as session:
        await session.execute(
            update(table).where(table.c.key == counted.slot, table.c.window_start == counted.window, table.c.count > 0)
            .values(count=table.c.count - 1)
        )


async def _count(core: Core, row_key: str, limit: Limit, now) -> tuple[int, str, datetime]:
    async with core.db.transaction() as session:
        return await _count_in(session, core, row_key, limit, now)


async def _count_in(session: AsyncSession, core: Core, row_key: str, limit: Limit, now) -> tuple[int, str, datetime]:
    # One statement (an upsert that starts, restarts or bumps the window and returns the count):
    # every counted request is a write, so it must be short (bench/submission_bench.py).
    table = RateCounter.__table__
    at = literal(now, table.c.window_start.type)
    expired = table.c.window_start <= literal(now - timedelta(seconds=limit.seconds), table.c.window_start.type)
    insert = (sqlite_insert if core.db.is_sqlite else postgresql_insert)(table).values(key=row_key, window_start=at, count=1)
    upsert = insert.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={"count": case((expired, 1), else_=table.c.count + 1), "window_start": case((expired, at), else_=table.c.window_start)},
    ).returning(table.c.count, table.c.window_start)
    count, window_start = (await session.execute(upsert)).one()
    return count, row_key, window_start


# --- Redis ---------------------------------------------------------------------------------------

class _RedisBackend:
    """One client per URL and event loop (a redis.asyncio connection belongs to its loop)."""

    def __init__(self, url: str) -> None:
        from redis.asyncio import Redis

        self.client = Redis.from_url(url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
        self.down_until = 0.0

    async def count(self, row_key: str, limit: Limit, timestamp: float) -> tuple[int, str]:
        # Windows aligned on the clock: every process agrees on the window without talking.
        window = int(timestamp // limit.seconds)
        key = f"{REDIS_PREFIX}{row_key}:{window}"
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, limit.seconds + 60)
            count, _ = await pipe.execute()
        return int(count), key

    async def refund(self, key: str) -> None:
        # Only while the window's key lives: a DECR of a key gone would start it at -1, forever.
        await self.client.eval(_REDIS_REFUND, 1, key)


_backends: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _RedisBackend]] = weakref.WeakKeyDictionary()


def _backend(url: str) -> _RedisBackend:
    per_loop = _backends.setdefault(asyncio.get_running_loop(), {})
    backend = per_loop.get(url)
    if backend is None:
        backend = per_loop[url] = _RedisBackend(url)
    return backend


_REDIS_REFUND = "if redis.call('exists', KEYS[1]) == 1 and tonumber(redis.call('get', KEYS[1])) > 0 then return redis.call('decr', KEYS[1]) end return 0"


async def _redis_refund(url: str, key: str) -> None:
    backend = _backend(url)
    try:
        await asyncio.wait_for(backend.refund(key), REDIS_TIMEOUT_SECONDS * 2)
    except (OSError, TimeoutError, _redis_errors()) as error:
        log.warning("rate limits: Redis unavailable for a refund (%s); the event stays counted", type(error).__name__)


async def _redis_count(url: str, row_key: str, limit: Limit, timestamp: float) -> tuple[int, str] | None:
    """(count, key) from Redis, or None when Redis cannot answer (the database counts then)."""
    backend = _backend(url)
    if time.monotonic() < backend.down_until:
        return None
    try:
        return await asyncio.wait_for(backend.count(row_key, limit, timestamp), REDIS_TIMEOUT_SECONDS * 2)
    except (OSError, TimeoutError, _redis_errors()) as error:
        backend.down_until = time.monotonic() + REDIS_RETRY_SECONDS
        log.warning("rate limits: Redis unavailable (%s); counting in the database for %.0f s",
                    type(error).__name__, REDIS_RETRY_SECONDS)
        return None


def _redis_errors() -> type[Exception]:
    from redis.exceptions import RedisError

    return RedisError


async def close_redis() -> None:
    """Close this loop's Redis clients (at shutdown)."""
    for backend in _backends.pop(asyncio.get_running_loop(), {}).values():
        await backend.client.aclose()


async def purge(core: Core, older_than_seconds: int = 86400) -> int:
    """Delete the database's counters whose window started over a day ago (every limit's window
    is shorter, so they count nothing any more); `tipline serve` runs it daily. Returns how many."""
    async with core.db.transaction() as session:
        result = await session.execute(
            delete(RateCounter).where(RateCounter.window_start < core.clock.now() - timedelta(seconds=older_than_seconds)))
        return result.rowcount or 0
