"""Every figure computed from the tips of the period and their timelines (GROUP BY, sums, a median
by ORDER BY … OFFSET): the reference for the counted figures (from_counts)."""
from __future__ import annotations

import asyncio

from sqlalchemy import BigInteger, and_, case, cast, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement

from intake.platform.core import Core
from intake.platform.models.tip_records import Outcome, Rating
from intake.platform.models.tips import StatusEvent, Tip
from intake.reports.prevention_figures import prevention_figures
from intake.reports.statistics.figures import (
    OVERDUE_LIST_LIMIT, Durations, Period, Scope, Statistics, _add_groups, _add_others, _prevention_regions, _utc,
)
from intake.domain.workflow import ACTIVE, Status


def money_lost_fen(dialect: str) -> ColumnElement[int]:
    """tip.answers["money_lost"] when it is a whole number of fen; 0 otherwise ("no money",
    "don't know")."""
    if dialect == "postgresql":
        node = Tip.answers.op("->")("money_lost")
        return case(
            (func.json_typeof(node) == "number", cast(Tip.answers.op("->>")("money_lost"), BigInteger)), else_=0,
        )
    return case(
        (func.json_type(Tip.answers, "$.money_lost") == "integer", func.json_extract(Tip.answers, "$.money_lost")),
        else_=0,
    )


def _days_between(later, earlier, dialect: str) -> ColumnElement[float]:
    if dialect == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def _base(scope: Scope, period: Period, tz: str, dialect: str) -> list[ColumnElement[bool]]:
    low, high = period.bounds(tz)
    return [scope.condition(dialect), Tip.created_at >= low, Tip.created_at < high]


def _first_event(status: Status, conditions: list[ColumnElement[bool]]):
    """The first time each counted tip reached `status` (only the tips in scope and period are read)."""
    return (
        select(StatusEvent.tip_id.label("tip_id"), func.min(StatusEvent.at).label("at"))
        .join(Tip, Tip.id == StatusEvent.tip_id)
        .where(*conditions, StatusEvent.to_status == status, StatusEvent.action == "status")
        .group_by(StatusEvent.tip_id)
        .subquery()
    )


async def _durations(session, days: ColumnElement[float], source, conditions) -> Durations:
    """Count, mean and median in one pass: the middle row(s) by row number over the sorted values."""
    values = select(days.label("d")).select_from(source).where(*conditions).subquery()
    ranked = select(
        values.c.d,
        func.row_number().over(order_by=values.c.d).label("rn"),
        func.count().over().label("n"),
        func.avg(values.c.d).over().label("mean"),
    ).subquery()
    middle = (await session.execute(
        select(ranked.c.d, ranked.c.n, ranked.c.mean)
        .where(ranked.c.rn.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2]))
    )).all()
    if not middle:
        return Durations(0, None, None)
    median = sum(float(row.d) for row in middle) / len(middle)
    return Durations(int(middle[0].n), round(float(middle[0].mean), 2), round(median, 2))


async def statistics_from_tips(core: Core, scope: Scope, period: Period) -> Statistics:
    """The figures computed from every tip of the period and its timeline (see the module)."""
    tz = core.settings.timezone
    dialect = core.db.dialect
    now = core.clock.now()
    now_utc = _utc(now)
    stats = Statistics(period=period, scope=scope, computed_at=now)
    in_scope = _base(scope, period, tz, dialect)
    counted = [*in_scope, Tip.status != Status.MERGED]
    lost = money_lost_fen(dialect)
    late_accept = and_(Tip.status == Status.SUBMITTED, Tip.accept_due < now_utc)
    late_finish = and_(Tip.status.in_(ACTIVE), Tip.paused_at.is_(None), Tip.finish_due < now_utc)
    one = literal(1)
    accepted, closed = _first_event(Status.ACCEPTED, counted), _first_event(Status.CLOSED, counted)

    async def read(work):
        # Each figure on its own reader connection, all at once: the database does the work.
        async with core.db.session() as session:
            return await work(session)

    async def group_rows(session):
        return (await session.execute(
            select(
                Tip.category, Tip.lead_unit, Tip.status, Tip.region_code, func.count(),
                func.coalesce(func.sum(lost), 0), func.sum(case((lost > 0, one), else_=0)),
                func.sum(case((late_accept, one), else_=0)), func.sum(case((late_finish, one), else_=0)),
            ).where(*counted).group_by(Tip.category, Tip.lead_unit, Tip.status, Tip.region_code)
        )).all()

    async def merged(session):
        return int(await session.scalar(
            select(func.count()).select_from(Tip).where(*in_scope, Tip.status == Status.MERGED)) or 0)

    async def recovered_money(session):
        return (await session.execute(
            select(func.coalesce(func.sum(Outcome.money_recovered_fen), 0),
                   func.sum(case((Outcome.money_recovered_fen > 0, one), else_=0)))
            .select_from(Tip).join(Outcome, Outcome.tip_id == Tip.id).where(*counted)
        )).one()

    async def to_accept(session):
        return await _durations(
            session, _days_between(accepted.c.at, Tip.created_at, dialect),
            Tip.__table__.join(accepted, accepted.c.tip_id == Tip.id), counted,
        )

    async def to_finish(session):
        return await _durations(
            session, _days_between(closed.c.at, accepted.c.at, dialect),
            Tip.__table__.join(accepted, accepted.c.tip_id == Tip.id).join(closed, closed.c.tip_id == Tip.id),
            [*counted, closed.c.at >= accepted.c.at],
        )

    async def rating_rows(session):
        return (await session.execute(
            select(Rating.satisfied, func.count()).select_from(Tip).join(Rating, Rating.tip_id == Tip.id)
            .where(*counted).group_by(Rating.satisfied)
        )).all()

    async def late_rows(session):
        return (await session.execute(
            select(Tip.id, Tip.status, Tip.category, Tip.region_code, Tip.lead_unit, Tip.created_at, Tip.accept_due, Tip.finish_due)
            .where(*counted, or_(late_accept, late_finish))
            .order_by(case((Tip.status == Status.SUBMITTED, Tip.accept_due), else_=Tip.finish_due), Tip.id)
            .limit(OVERDUE_LIST_LIMIT)
        )).all()

    groups, stats.merged_not_counted, recovered, stats.to_accept, stats.to_finish, ratings, late, stats.prevention = (
        await asyncio.gather(
            *(read(work) for work in (group_rows, merged, recovered_money, to_accept, to_finish, rating_rows, late_rows)),
            prevention_figures(core, _prevention_regions(core, scope), period.start, period.end, period.bounds(tz)),
        ))

    for *_group, late_a, late_f in groups:
        stats.overdue_accept += int(late_a or 0)
        stats.overdue_finish += int(late_f or 0)
    _add_groups(core, stats, [group[:7] for group in groups])
    _add_others(stats, recovered, ratings, late)
    return stats


