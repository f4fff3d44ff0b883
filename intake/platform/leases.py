"""Leases: one instance of a deployment (of many, on one database) does a job the others must not
do at the same time, or twice: the daily housekeeping (`intake.platform.schedule`), the Telegram
bot's long polling (Telegram answers a second poller 409 Conflict).

A lease is a row `leases(name, holder, until)`. Taking it is one statement that succeeds only
when the row is free (its `until` has passed) or missing, so of two instances trying at once
exactly one gets it, on PostgreSQL (the second UPDATE waits for the first's row lock, then finds
`until` in the future) as on SQLite (one writer). A holder keeps a lease by renewing it; one that
stops (killed, its machine gone) loses it when `until` passes, and another instance takes over.
Times are the application's clock (`core.clock`): the machines of a deployment keep theirs in
step (NTP), and tests move it by hand.
"""
from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import literal, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from intake.platform.core import Core
from intake.platform.models.operations import Lease

log = logging.getLogger(__name__)

_TABLE = Lease.__table__


def this_process() -> str:
    """A holder name unique to this process: machine, process id and a random part (a process
    id comes back after a restart)."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(3)}"


def _at(moment: datetime):  # noqa: ANN202 - a bound literal of the column's type (SQLite stores text)
    return literal(moment, _TABLE.c.until.type)


async def take(core: Core, name: str, holder: str, *, until: datetime) -> bool:
    """Take the lease `name` until `until` if nobody holds it now; True when taken."""
    now = core.clock.now()
    async with core.db.transaction() as session:
        taken = await session.scalar(
            update(_TABLE).where(_TABLE.c.name == name, _TABLE.c.until <= _at(now))
            .values(holder=holder, until=_at(until)).returning(_TABLE.c.name))
        if taken is not None:
            return True
        insert = (sqlite_insert if core.db.is_sqlite else postgresql_insert)(_TABLE)
        created = await session.scalar(
            insert.values(name=name, holder=holder, until=_at(until))
            .on_conflict_do_nothing(index_elements=[_TABLE.c.name]).returning(_TABLE.c.name))
        return created is not None


async def renew(core: Core, name: str, holder: str, *, until: datetime) -> bool:
    """Keep a lease this holder has (and has not lost: its `until` has not passed); False when lost."""
    now = core.clock.now()
    async with core.db.transaction() as session:
        kept = await session.scalar(
            update(_TABLE).where(_TABLE.c.name == name, _TABLE.c.holder == holder, _TABLE.c.until > _at(now))
            .values(until=_at(until)).returning(_TABLE.c.name))
        return kept is not None


async def release(core: Core, name: str, holder: str, *, until: datetime | None = None) -> bool:
    """Hand a lease back: free from `until` on (now when not given), if this holder still has it."""
    async with core.db.transaction() as session:
        given = await session.scalar(
            update(_TABLE).where(_TABLE.c.name == name, _TABLE.c.holder == holder)
            .values(until=_at(until or core.clock.now())).returning(_TABLE.c.name))
        return given is not None


async def held(core: Core, name: str) -> tuple[str, datetime] | None:
    """(holder, until) of the lease `name`, or None when it was never taken."""
    async with core.db.session() as session:
        row = (await session.execute(select(Lease.holder, Lease.until).where(Lease.name == name))).first()
    return (row.holder, row.until) if row is not None else None


async def keep_while(core: Core, name: str, holder: str, work: Awaitable[object], *, hold: timedelta) -> None:
    """Run `work` while renewing the lease (taken already) every third of `hold`; when the lease
    cannot be renewed (lost, or the database away for that long), `work` is cancelled: another
    instance may have taken over."""
    task = asyncio.ensure_future(work)
    try:
        while not task.done():
            await asyncio.wait({task}, timeout=hold.total_seconds() / 3)
            if task.done():
                break
            try:
                kept = await renew(core, name, holder, until=core.clock.now() + hold)
            except Exception:  # noqa: BLE001 - cannot confirm the lease: stop rather than run twice
                log.exception("lease %s: could not be renewed; stopping its work", name)
                kept = False
            if not kept:
                log.warning("lease %s: lost by %s; stopping its work", name, holder)
                break
    finally:
        if not task.done():
            task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    if not task.cancelled() and task.exception() is not None:
        raise task.exception()


async def hold_while_running(core: Core, name: str, holder: str, work: Callable[[], Awaitable[object]],
                             stop: asyncio.Event, *, hold: timedelta) -> None:
    """Until `stop`: take the lease `name` when it is free and run `work` while holding it (an
    instance that stops holding it, killed or cut off, is taken over within `hold` and a third).
    For a job that runs for ever on one instance only, like the bot's long polling."""
    check = hold.total_seconds() / 3
    while not stop.is_set():
        try:
            taken = await take(core, name, holder, until=core.clock.now() + hold)
        except Exception:  # noqa: BLE001 - a database hiccup: try again at the next turn
            log.exception("lease %s: could not be taken; trying again", name)
            taken = False
        if taken:
            log.info("lease %s: taken by %s", name, holder)
            running = asyncio.ensure_future(keep_while(core, name, holder, work(), hold=hold))
            stopping = asyncio.ensure_future(stop.wait())
            try:
                await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stopping.cancel()
                running.cancel()
                outcome = (await asyncio.gather(running, return_exceptions=True))[0]
                if isinstance(outcome, Exception):
                    log.error("lease %s: its work ended with an error: %r", name, outcome)
                try:
                    await release(core, name, holder)
                except Exception:  # noqa: BLE001 - it runs out by itself
                    log.warning("lease %s: could not be released; it runs out within %s", name, hold)
        try:
            await asyncio.wait_for(stop.wait(), timeout=check)
        except TimeoutError:
            pass
