"""Housekeeping that `tipline serve` runs on its own.

`Job`s that must be done once for the whole deployment (the units' digest, retention, the reward
lapse, ...) run under a lease (intake/platform/leases.py) named after the job: every instance
looks every little while (`run_jobs`), and the one that takes a job's lease runs it, then leaves
the lease until the job is next due. A job whose instance was killed half-way is taken over once
its lease runs out (jobs are written to be run again: each does what is still left to do). A
failed run is logged and tried again at its next turn, so one bad night never stops the service
or the later runs.

`every_period` runs a job in every process (each process's own state, like the suggestion model
it has in memory).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from intake.platform import leases
from intake.platform.core import Core

log = logging.getLogger(__name__)

DAY = timedelta(days=1)
LEASE_PREFIX = "job:"
QUIET_BELOW = timedelta(hours=1)


@dataclass(frozen=True)
class Job:
    """A job done once per deployment every `every`: `run(core)`."""

    name: str
    run: Callable[[Core], Awaitable[object]]
    every: timedelta = DAY


async def run_due(core: Core, jobs: Sequence[Job], holder: str, *, hold: timedelta) -> list[str]:
    """Run, one after the other, each of `jobs` that is due and that no other instance is running
    (holding its lease, renewed every third of `hold` while it runs); returns the names run here."""
    ran = []
    for job in jobs:
        name = LEASE_PREFIX + job.name
        started = core.clock.now()
        try:
            if not await leases.take(core, name, holder, until=started + hold):
                continue
        except Exception:  # noqa: BLE001 - the database away: the next turn tries again
            log.exception("%s: could not take its lease; trying again at the next turn", job.name)
            continue
        try:
            await leases.keep_while(core, name, holder, job.run(core), hold=hold)
        except Exception:  # noqa: BLE001 - a schedule must survive one bad run; the log line says why
            log.exception("%s failed; trying again at its next turn", job.name)
        try:
            await leases.release(core, name, holder, until=started + job.every)
        except Exception:  # noqa: BLE001 - the lease runs out by itself: the job is then run again
            log.exception("%s: could not record its run", job.name)
        # A job done every few minutes (the digest's look at the hour) is not worth a line each time.
        log.log(logging.INFO if job.every >= QUIET_BELOW else logging.DEBUG, "%s: run by %s", job.name, holder)
        ran.append(job.name)
    return ran


async def run_jobs(core: Core, jobs: Sequence[Job], stop: asyncio.Event, *, holder: str,
                   check_every: float = 60.0, hold: timedelta = timedelta(seconds=60)) -> None:
    """`run_due` every `check_every` seconds (the first time after as long), until `stop`."""
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), timeout=check_every)
            return
        except TimeoutError:
            pass
        await run_due(core, jobs, holder, hold=hold)


async def every_period(
    name: str, job: Callable[[], Awaitable[object]], stop: asyncio.Event, *,
    every: timedelta = DAY, first_after: float = 60.0,
) -> None:
    """`job` in this process, `first_after` seconds after the start, then once every `every`."""
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
