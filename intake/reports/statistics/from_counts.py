"""The figures from the counts per day and month the database keeps (tip_counts_daily and
_monthly, migration 0018r), and the few it cannot count ahead from the tips themselves."""
from __future__ import annotations

import asyncio
from datetime import date, timedelta

from sqlalchemy import case, func, literal, select

from intake.platform.core import Core
from intake.platform.models.tip_records import Outcome, Rating
from intake.platform.models.tips import Tip, TipCountDay, TipCountMonth
from intake.reports.prevention_figures import prevention_figures
from intake.reports.statistics.figures import (
    DAY_SECONDS, OVERDUE_LIST_LIMIT, Durations, Period, Scope, Statistics, _add_groups, _add_others, _aware,
    _prevention_regions, _utc,
)
from intake.domain.workflow import ACTIVE, Status


def _months_within(period: Period) -> tuple[date, date] | None:
    """The first days of the first and the last whole month inside `period`, if there is one."""
    first = period.start if period.start.day == 1 else _next_month(period.start)
    after_last = _next_month(period.end) if _next_month(period.end) - timedelta(days=1) == period.end else period.end.replace(day=1)
    if first >= after_last:
        return None
    last = (after_last - timedelta(days=1)).replace(day=1)
    return first, last


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


async def statistics_from_counts(core: Core, scope: Scope, period: Period) -> Statistics:
    """The figures from the daily and monthly counts, and the few live ones from the tips (see the module)."""
    tz = core.settings.timezone
    dialect = core.db.dialect
    now = core.clock.now()
    now_utc = _utc(now)
    stats = Statistics(period=period, scope=scope, computed_at=now)
    low, high = period.bounds(tz)
    # The live figures walk one index each (tips not yet late by deadline, durations in order): on
    # SQLite, which keeps no statistics, wrapping the other filter columns keeps the planner on it.
    plain = (lambda column: func.coalesce(column, column)) if dialect == "sqlite" else (lambda column: column)
    if scope.unit is not None:
        in_scope = [plain(Tip.lead_unit) == scope.unit]
    elif scope.regions is not None and scope.regions >= {region.code for region in core.deployment.regions}:
        in_scope = []  # the whole deployment: every tip's region is one of its regions
    else:
        in_scope = [plain(Tip.region_code).in_(sorted(scope.regions or ()))]
    in_period = [*in_scope, plain(Tip.created_at) >= low, plain(Tip.created_at) < high]
    counted = [*in_period, Tip.status != Status.MERGED]
    one = literal(1)

    async def read(work):
        async with core.db.session() as session:
            return await work(session)

    def grouped(table, column, first: date, last: date):
        async def rows(session):
            return (await session.execute(
                select(table.category, table.lead_unit, table.status, table.region_code, func.sum(table.tips),
                       func.sum(table.money_lost_fen), func.sum(table.with_money_lost), func.sum(table.unpaused),
                       func.sum(table.accepted), func.sum(table.accept_seconds), func.sum(table.finished),
                       func.sum(table.finish_seconds))
                .where(column >= first, column <= last, scope.counts_condition(table))
                .group_by(table.category, table.lead_unit, table.status, table.region_code)
            )).all()
        return rows

    # Whole months from the monthly counts, the days around them from the daily ones.
    months = _months_within(period)
    parts = []
    if months is None:
        parts.append(grouped(TipCountDay, TipCountDay.day, period.start, period.end))
    else:
        parts.append(grouped(TipCountMonth, TipCountMonth.month, months[0], months[1]))
        if period.start < months[0]:
            parts.append(grouped(TipCountDay, TipCountDay.day, period.start, months[0] - timedelta(days=1)))
        after = _next_month(months[1])
        if after <= period.end:
            parts.append(grouped(TipCountDay, TipCountDay.day, after, period.end))

    # Overdue now = the tips whose clock runs, counted ahead, less those not yet late (the recent
    # ones). Each count and list walks one range of an index (no OR, one status at a time).
    clocks = [([Tip.status == Status.SUBMITTED], Tip.accept_due)] + [
        ([Tip.status == status, Tip.paused_at.is_(None)], Tip.finish_due) for status in ACTIVE]

    async def not_late(session):
        waiting = []
        for running, due in clocks:
            waiting.append(sum([int(await session.scalar(select(func.count()).select_from(Tip).where(*running, *more, *in_period)) or 0)
                                for more in ([due >= now_utc], [due.is_(None)])]))
        return waiting[0], sum(waiting[1:])

    async def late_rows(session):
        columns = (Tip.id, Tip.status, Tip.category, Tip.region_code, Tip.lead_unit, Tip.created_at, Tip.accept_due, Tip.finish_due)
        rows = []
        for running, due in clocks:
            rows += (await session.execute(
                select(*columns).where(*running, due < now_utc, *in_period).order_by(due, Tip.id).limit(OVERDUE_LIST_LIMIT))).all()
        rows.sort(key=lambda tip: (_aware(tip.accept_due if tip.status == Status.SUBMITTED else tip.finish_due), tip.id))
        return rows[:OVERDUE_LIST_LIMIT]

    # Outcomes and ratings are few beside the tips: read from their side, each tip checked by its key.
    async def recovered_money(session):
        return (await session.execute(
            select(func.coalesce(func.sum(Outcome.money_recovered_fen), 0),
                   func.sum(case((Outcome.money_recovered_fen > 0, one), else_=0)))
            .where(select(Tip.id).where(Tip.id == Outcome.tip_id, *counted).exists())
        )).one()

    async def rating_rows(session):
        return (await session.execute(
            select(Rating.satisfied, func.count())
            .where(select(Tip.id).where(Tip.id == Rating.tip_id, *counted).exists()).group_by(Rating.satisfied)
        )).all()

    found = await asyncio.gather(*(read(part) for part in parts))
    groups: dict[tuple, list[int]] = {}
    for rows in found:
        for category, unit, status, region_code, *values in rows:
            sums = groups.setdefault((category, unit or None, status, region_code), [0] * len(values))
            for index, value in enumerate(values):
                sums[index] += int(value or 0)
    counted_groups = {key: sums for key, sums in groups.items() if key[2] != Status.MERGED}
    # sums: tips, money lost, with money lost, unpaused, accepted, accept seconds, finished, finish seconds
    accepted, accept_seconds, finished, finish_seconds = (
        sum(sums[index] for sums in counted_groups.values()) for index in (4, 5, 6, 7))

    async def median(session, column, n: int) -> float | None:
        if not n:
            return None
        middle = (await session.scalars(
            select(column).where(column.is_not(None), *counted).order_by(column)
            .limit(2 - n % 2).offset((n - 1) // 2))).all()
        return sum(int(value) for value in middle) / len(middle) / DAY_SECONDS

    async def accept_median(session):
        return await median(session, Tip.accept_seconds, accepted)

    async def finish_median(session):
        return await median(session, Tip.finish_seconds, finished)

    (waiting, late, recovered, ratings, accept_mid, finish_mid, stats.prevention) = await asyncio.gather(
        *(read(work) for work in (not_late, late_rows, recovered_money, rating_rows, accept_median, finish_median)),
        prevention_figures(core, _prevention_regions(core, scope), period.start, period.end, (low, high)),
    )
    stats.merged_not_counted = sum(sums[0] for key, sums in groups.items() if key[2] == Status.MERGED)
    stats.overdue_accept = sum(sums[0] for key, sums in counted_groups.items() if key[2] == Status.SUBMITTED) - waiting[0]
    stats.overdue_finish = sum(sums[3] for key, sums in counted_groups.items() if key[2] in ACTIVE) - waiting[1]
    stats.to_accept = _from_sums(accepted, accept_seconds, accept_mid)
    stats.to_finish = _from_sums(finished, finish_seconds, finish_mid)
    _add_groups(core, stats, [(*key, *sums[:3]) for key, sums in counted_groups.items()])
    _add_others(stats, recovered, ratings, late)
    return stats


def _from_sums(count: int, seconds: int, median_days: float | None) -> Durations:
    if not count:
        return Durations(0, None, None)
    return Durations(count, round(seconds / count / DAY_SECONDS, 2), round(median_days, 2) if median_days is not None else None)


