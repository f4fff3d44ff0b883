"""Leases (intake/platform/leases.py) and the once-a-day jobs run under them
(intake/platform/schedule.py), with two instances on one database and the clock moved by hand;
on SQLite and, in the PostgreSQL run, on PostgreSQL. The same with real processes:
tests/test_cluster.py."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from intake.platform import leases
from intake.platform.core import Core
from intake.platform.db import Database
from intake.platform.schedule import DAY, Job, run_due

HOLD = timedelta(minutes=1)


@pytest.fixture
async def other(core):
    """A second instance of the deployment: its own connections to the same database, the same clock."""
    instance = Core(db=Database(core.settings.resolved_database_url), keys=core.keys, deployment=core.deployment,
                    settings=core.settings, clock=core.clock)
    yield instance
    await instance.db.dispose()


async def test_of_two_instances_taking_a_lease_at_once_one_gets_it_until_it_runs_out(core, other, clock):
    taken = await asyncio.gather(*(leases.take(instance, "polling", name, until=clock.now() + HOLD)
                                   for instance, name in ((core, "a"), (other, "b"))))
    assert sorted(taken) == [False, True]
    holder = "a" if taken[0] else "b"
    assert (await leases.held(core, "polling"))[0] == holder
    clock.advance(seconds=59)
    assert not await leases.take(other, "polling", "c", until=clock.now() + HOLD)
    assert await leases.renew(core, "polling", holder, until=clock.now() + HOLD)  # kept by its holder
    clock.advance(seconds=59)
    assert not await leases.take(other, "polling", "c", until=clock.now() + HOLD)
    clock.advance(seconds=2)  # the holder stopped renewing: the lease ran out
    assert not await leases.renew(core, "polling", holder, until=clock.now() + HOLD)
    assert await leases.take(other, "polling", "c", until=clock.now() + HOLD)
    assert not await leases.renew(core, "polling", holder, until=clock.now() + HOLD)  # lost for good
    assert await leases.release(other, "polling", "c")
    assert await leases.take(core, "polling", holder, until=clock.now() + HOLD)  # handed back: free at once


def counting_job(name: str, runs: list[str], *, every: timedelta = DAY, fails: bool = False) -> Job:
    async def run(instance: Core) -> None:
        runs.append(name)
        await asyncio.sleep(0)  # the other instance gets its turn in between
        if fails:
            raise RuntimeError("a bad night")

    return Job(name, run, every=every)


async def test_a_daily_job_runs_once_a_day_whichever_of_two_instances_looks(core, other, clock):
    runs: list[str] = []
    jobs = [counting_job("retention", runs), counting_job("digest", runs, every=timedelta(minutes=1))]
    first = await asyncio.gather(run_due(core, jobs, "a", hold=HOLD), run_due(other, jobs, "b", hold=HOLD))
    assert sorted(runs) == ["digest", "retention"] and sorted(first[0] + first[1]) == ["digest", "retention"]
    clock.advance(minutes=1)
    assert await run_due(other, jobs, "b", hold=HOLD) == ["digest"]
    assert await run_due(core, jobs, "a", hold=HOLD) == []
    clock.advance(hours=23, minutes=58)
    assert await run_due(core, jobs, "a", hold=HOLD) == ["digest"]
    clock.advance(minutes=1)
    assert await run_due(other, jobs, "b", hold=HOLD) == ["retention", "digest"]  # a day after its last run
    assert runs.count("retention") == 2


async def test_a_job_whose_instance_died_half_way_is_run_by_the_other_once_its_lease_ran_out(core, other, clock):
    runs: list[str] = []
    jobs = [counting_job("retention", runs)]
    # Instance a took the job and died in it: it never renews or hands back its lease.
    assert await leases.take(core, "job:retention", "a", until=clock.now() + HOLD)
    assert await run_due(other, jobs, "b", hold=HOLD) == []
    clock.advance(seconds=61)
    assert await run_due(other, jobs, "b", hold=HOLD) == ["retention"]
    assert runs == ["retention"]


async def test_a_failed_job_is_tried_again_at_its_next_turn(core, other, clock):
    runs: list[str] = []
    assert await run_due(core, [counting_job("lapse", runs, fails=True)], "a", hold=HOLD) == ["lapse"]
    clock.advance(hours=12)
    assert await run_due(other, [counting_job("lapse", runs)], "b", hold=HOLD) == []
    clock.advance(hours=12)
    assert await run_due(other, [counting_job("lapse", runs)], "b", hold=HOLD) == ["lapse"]
    assert runs == ["lapse", "lapse"]


async def test_work_held_under_a_lease_stops_when_the_lease_is_lost(core, other, clock):
    started = asyncio.Event()

    async def polling() -> None:
        started.set()
        await asyncio.Event().wait()  # for ever, like long polling

    assert await leases.take(core, "polling", "a", until=clock.now() + HOLD)
    held = asyncio.create_task(leases.keep_while(core, "polling", "a", polling(), hold=timedelta(seconds=0.3)))
    await asyncio.wait_for(started.wait(), 5)
    clock.advance(minutes=2)  # a's renewals stopped reaching the database in time; b took over
    assert await leases.take(other, "polling", "b", until=clock.now() + HOLD)
    await asyncio.wait_for(held, 5)  # a noticed at its next renewal and stopped polling
    assert (await leases.held(core, "polling"))[0] == "b"


async def test_one_instance_at_a_time_runs_work_held_under_a_lease_and_the_other_takes_over_when_it_stops(core, other):
    """The bot's long polling on two instances (serve's `hold_while_running`): one polls; when it
    stops, it hands the lease back and the other starts within a third of the lease."""
    running: list[str] = []
    overlaps: list[set[str]] = []

    def polling(name: str):
        async def poll() -> None:
            running.append(name)
            overlaps.append(set(running))
            try:
                await asyncio.Event().wait()
            finally:
                running.remove(name)
        return poll

    stops = {"a": asyncio.Event(), "b": asyncio.Event()}
    tasks = {name: asyncio.create_task(leases.hold_while_running(instance, "polling", name, polling(name), stops[name],
                                                                 hold=timedelta(seconds=0.3)))
             for name, instance in (("a", core), ("b", other))}
    try:
        for _ in range(100):
            if running:
                break
            await asyncio.sleep(0.02)
        first = running[0]
        second = "b" if first == "a" else "a"
        stops[first].set()
        await asyncio.wait_for(tasks[first], 5)
        for _ in range(100):
            if running:
                break
            await asyncio.sleep(0.02)
        assert running == [second]
        assert all(len(together) == 1 for together in overlaps)
    finally:
        for name in stops:
            stops[name].set()
        await asyncio.wait_for(asyncio.gather(*tasks.values()), 5)
