"""The campaign figures from the daily counts (tip_counts_daily, kept by the database) are the
figures computed from the tips themselves, after a seeded random month of work: submissions
either side of midnight in Shanghai, the workflow's steps, re-routing, category corrections,
merges, re-opening, outcomes, ratings and retention's erasure; for the whole city, a county,
a unit's officer, and periods of a day, a week and the month."""
from __future__ import annotations

import asyncio
import random
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from intake.admin.retention import Periods, RetentionPolicy, run_retention
from intake.casework.casework import CaseworkError, move_tip, record_outcome, reroute_tip
from intake.casework.categorising import set_category
from intake.platform.models.tips import Tip, TipCountDay, TipCountMonth
from intake.reporting.ratings import rate
from intake.reports.statistics import Period, campaign_statistics, scope_for, statistics_from_tips
from tests.conftest import POSTGRES_URL
from tests.factories import file_tip, staff

CATEGORIES = ("care_service", "care_product", "care_project", "medical", "posters")
REGIONS = ("990121", "990122", "990123")
MONEY = ("none", "dont_know", "3万", "5000", "2000", "10万")
NEXT = {"submitted": ("accepted", "declined"), "accepted": ("verifying",), "verifying": ("substantiated", "unsubstantiated"),
        "substantiated": ("closed",), "unsubstantiated": ("closed",)}
START = datetime(2026, 9, 30, 12, 0, tzinfo=timezone.utc)  # 20:00 on 30 September in Shanghai


async def test_the_counted_figures_are_the_figures_of_the_tips(core, clock):
    rng = random.Random(20261207)
    coordinator = await staff(core, "zhou", "coordinator", "990100-coordination")
    leads: dict[str, object] = {}

    async def lead_of(unit: str):
        if unit not in leads:
            leads[unit] = await staff(core, f"lead{len(leads)}", "unit_lead", unit)
        return leads[unit]

    tips: list[int] = []
    clock.current = START
    for _ in range(150):  # about five a day for a month, at any hour, so some land either side of midnight
        clock.current += timedelta(minutes=rng.randrange(1, 300))
        receipt = await file_tip(core, category=rng.choice(CATEGORIES), region=rng.choice(REGIONS),
                                 money_lost=rng.choice(MONEY), when="dont_know")
        tips.append(receipt.tip_id)
        for _step in range(rng.randrange(0, 4)):
            await _some_work(core, rng, tips, coordinator, lead_of)

    clock.current += timedelta(days=200)  # retention's shortest period has passed for every finished tip
    erased = await run_retention(core, policy=RetentionPolicy(periods=Periods(
        closed_substantiated=30, closed_unsubstantiated=30, closed_referred=30, declined=30, merged=30)))
    assert erased.erased, "the random month finished some tips, whose personal data retention erased"
    for _step in range(40):  # and work goes on after the erasure: re-opening, re-routing, more steps
        await _some_work(core, rng, tips, coordinator, lead_of)

    async with core.db.session() as session:
        statuses = set((await session.scalars(select(Tip.status))).all())
        kept = [await session.scalar(select(func.sum(table.tips))) for table in (TipCountDay, TipCountMonth)]
    assert {"merged", "closed", "declined", "verifying", "submitted"} <= statuses
    assert kept == [len(tips)] * 2  # every tip counted once a day and once a month, in one group

    county_coordinator = await staff(core, "xu", "coordinator", "990122-civil_affairs")
    officer = await staff(core, "li", "officer", "990121-civil_affairs")
    periods = [Period(date(2026, 10, 1), date(2026, 10, 31)), Period(date(2026, 10, 5), date(2026, 10, 11)),
               Period(date(2026, 10, 9), date(2026, 10, 9)), Period(date(2026, 9, 29), date(2026, 11, 2)),
               Period(date(2026, 9, 1), date(2026, 12, 31))]
    for person, region in ((coordinator, None), (coordinator, "990123"), (county_coordinator, None), (officer, None)):
        for period in periods:
            counted = await campaign_statistics(core, person, period, region=region)
            reference = await statistics_from_tips(core, scope_for(core, person, region), period)
            assert replace(counted, computed_at=None) == replace(reference, computed_at=None), (person.username, region, period)
    whole = await campaign_statistics(core, coordinator, periods[-1])
    assert whole.total + whole.merged_not_counted == len(tips)
    assert whole.merged_not_counted and whole.to_accept.count and whole.to_finish.count and whole.ratings


async def _some_work(core, rng: random.Random, tips: list[int], coordinator, lead_of) -> None:
    """One step of a tip chosen at random, a few hours after the last: the workflow's next
    step mostly, now and then a re-routing, a category correction, a merge, a re-opening, an
    outcome or a rating. Steps the workflow refuses are skipped."""
    core.clock.current += timedelta(minutes=rng.randrange(10, 600))
    tip_id = rng.choice(tips)
    async with core.db.session() as session:
        tip = await session.get(Tip, tip_id)
    lead = await lead_of(tip.lead_unit)
    roll = rng.random()
    try:
        if roll < 0.55 and tip.status in NEXT:
            await move_tip(core, tip_id, rng.choice(NEXT[tip.status]), staff=lead)
        elif roll < 0.63 and tip.status in ("submitted", "accepted"):
            unit = f"{rng.choice(REGIONS)}-{rng.choice(('civil_affairs', 'market_regulation', 'health'))}"
            await reroute_tip(core, tip_id, unit, staff=coordinator, reason="另一单位负责")
        elif roll < 0.71:
            await set_category(core, tip_id, rng.choice(CATEGORIES), staff=coordinator, reason="类别更正")
        elif roll < 0.78 and tip.status in ("submitted", "accepted"):
            other = rng.choice(tips)
            await move_tip(core, tip_id, "merged", staff=coordinator, merged_into=other)
        elif roll < 0.85 and tip.status == "closed":
            await move_tip(core, tip_id, "verifying", staff=coordinator, internal_note="当事人又来电，重新核查")
        elif roll < 0.92 and tip.status in ("substantiated", "closed"):
            await record_outcome(core, tip_id, staff=lead, money_recovered_fen=rng.choice((0, 50_000, 1_000_000)))
        elif tip.status == "closed":
            await rate(core, tip_id, rng.choice(("yes", "partly", "no")))
    except CaseworkError:
        pass


@pytest.mark.skipif(not POSTGRES_URL, reason="row locks of concurrent writers: SQLite has one writer at a time")
async def test_a_move_takes_the_locks_of_its_two_count_rows_in_one_order_whatever_its_direction(core):
    """Two officers moving tips of one month in opposite directions (verifying → substantiated,
    substantiated → verifying) must not deadlock on the count rows: each move locks the lower
    group's row first. Here the substantiated row is held by another transaction: the move waits
    for it without holding the verifying row, so a move the other way could not be waiting for it."""
    moving, other = (await file_tip(core)).tip_id, (await file_tip(core)).tip_id
    writer = core.db.writer
    async with writer.begin() as connection:
        await connection.execute(text("UPDATE tips SET status = 'verifying' WHERE id = :id"), {"id": moving})
        await connection.execute(text("UPDATE tips SET status = 'substantiated' WHERE id = :id"), {"id": other})
    row = "SELECT tips FROM tip_counts_monthly WHERE status = :status FOR UPDATE"
    async with writer.connect() as holder, writer.connect() as mover, writer.connect() as prober:
        await holder.begin()
        await holder.execute(text(row), {"status": "substantiated"})

        async def move() -> None:
            await mover.begin()
            await mover.execute(text("UPDATE tips SET status = 'substantiated' WHERE id = :id"), {"id": moving})
            await mover.commit()  # the counts' trigger runs here, and waits for the held row

        moved = asyncio.create_task(move())
        try:
            for _ in range(500):  # until the move waits for a lock
                if await prober.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted")):
                    break
                await asyncio.sleep(0.01)
            else:
                raise AssertionError(f"the move never waited for the held count row ({moved})")
            await prober.rollback()
            try:
                verifying = (await prober.execute(text(row + " NOWAIT"), {"status": "verifying"})).all()
            except DBAPIError as error:  # 55P03: the move holds it while it waits
                verifying = str(error.orig)
            await prober.rollback()
            assert verifying == [(1,)]
        finally:
            await holder.commit()
            await asyncio.wait_for(moved, 30)
    async with core.db.session() as session:
        counts = dict((await session.execute(select(TipCountMonth.status, TipCountMonth.tips))).all())
    assert counts == {"submitted": 0, "verifying": 0, "substantiated": 2}
