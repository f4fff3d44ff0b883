"""Campaign statistics (专项行动统计) for a date range and a region: the figures of a 工作总结.

统计口径 (definitions), printed beside every figure by the console (console/report_views.py):
- a tip counts by its **submission date** in the deployment's time zone (Asia/Shanghai);
- a **merged** tip (status merged) is not counted: it is counted once, as the tip it joined;
- a tip sent to several units counts **once, under its lead unit**; by region, under the region
  of the tip (where the suspect operates; for phone or online scams, where the victim lives);
- money reported lost: the reporter's answer when they gave an amount (in fen); recovered: the
  outcome staff recorded (挽回损失);
- time to accept: submission to the first acceptance; time to finish: the first acceptance to the
  first closing; tips not yet accepted (or closed) are left out of those two figures;
- overdue: as of the moment the figures are computed, on the workflow clocks (casefile.overdue);
- prevention (warnings, look-ups, posters, subscribers): intake/reports/prevention_figures.py.

Two ways to the same figures. `campaign_statistics` reads the daily counts (tip_counts_daily,
kept by the database in the transaction of every change to a tip: migration 0018r) for the
counts, the money lost and the durations' counts and means; it asks the tips themselves only
what cannot be counted ahead: overdue *now* (a walk of the late tips' partial indexes), the
medians (a walk of the duration's index to the middle one), money recovered and ratings (from
their own small tables). `statistics_from_tips` computes everything from the tips and their
timelines (GROUP BY over every tip of the period): the reference the tests compare the counts
with, and the way for a deployment whose time zone is not the one the counts are kept in.
"""
from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, and_, case, cast, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement

from intake.platform.core import Core
from intake.platform.models.staff import StaffUser
from intake.platform.models.tip_records import Outcome, Rating
from intake.platform.models.tips import StatusEvent, Tip, TipCountDay, TipCountMonth
from intake.reports.prevention_figures import PreventionFigures, prevention_figures
from intake.staff.staff import UNIT_ROLES, Role, staff_region
from intake.domain.refusals import Refused
from intake.domain.workflow import ACTIVE, Status

# Who may read statistics (scope_for): coordinators and auditors for their region and below; a
# unit's officers and lead for the tips their unit leads.
SATISFACTION = ("yes", "partly", "no")
OVERDUE_LIST_LIMIT = 500
#: The time zone whose local days tip_counts_daily counts in (the triggers of migration 0018r).
COUNTS_TIMEZONE = "Asia/Shanghai"
DAY_SECONDS = 86400


class StatisticsRefused(Refused):
    """This person may not read statistics of that region."""


@dataclass(frozen=True)
class Period:
    """A range of submission dates, both ends included, in the deployment's time zone."""

    start: date
    end: date

    def bounds(self, tz: str) -> tuple[datetime, datetime]:
        """[start, end) in UTC, as stored (SQLite compares the stored UTC text)."""
        zone = ZoneInfo(tz)
        low = datetime.combine(self.start, time(0), zone).astimezone(timezone.utc)
        high = datetime.combine(self.end + timedelta(days=1), time(0), zone).astimezone(timezone.utc)
        return low, high


@dataclass(frozen=True)
class Scope:
    """Which tips a figure covers: the tips of some regions (and below), or those a unit leads."""

    regions: frozenset[str] | None = None
    unit: str | None = None
    region: str = ""  # the region chosen (coordinators), for the roll-up by region

    def condition(self, dialect: str = "") -> ColumnElement[bool]:
        if self.unit is not None:
            return Tip.lead_unit == self.unit
        # A region and below is most of the table: on SQLite, `region_code || ''` keeps the planner
        # on the submission-date index (the period) instead of walking the region index.
        column = Tip.region_code + literal("") if dialect == "sqlite" else Tip.region_code
        return column.in_(sorted(self.regions or ()))

    def counts_condition(self, table) -> ColumnElement[bool]:  # noqa: ANN001 - TipCountDay or TipCountMonth
        """The same scope on the counts."""
        if self.unit is not None:
            return table.lead_unit == self.unit
        return table.region_code.in_(sorted(self.regions or ()))


def regions_in_scope(core: Core, staff: StaffUser) -> list[str]:
    """The regions this person may choose for statistics or the ledger, widest first."""
    if staff.role not in (Role.COORDINATOR, Role.AUDITOR):
        return []
    top = staff_region(core, staff) or core.deployment.root_region().code
    below = core.deployment.region_and_below(top)
    return [r.code for r in core.deployment.regions if r.code in below]


def scope_for(core: Core, staff: StaffUser, region: str | None = None) -> Scope:
    """The scope of `staff` narrowed to `region` (one of regions_in_scope); a unit's officers
    get their unit. Raises StatisticsRefused for anyone else or a region outside their own."""
    if staff.role in UNIT_ROLES:
        if not staff.unit_code:
            raise StatisticsRefused()
        return Scope(unit=staff.unit_code)
    allowed = regions_in_scope(core, staff)
    if not allowed:
        raise StatisticsRefused()
    chosen = region or allowed[0]
    if chosen not in allowed:
        raise StatisticsRefused()
    return Scope(regions=frozenset(core.deployment.region_and_below(chosen)), region=chosen)


@dataclass(frozen=True)
class Durations:
    """Days between two steps of the tips that made both."""

    count: int
    mean_days: float | None
    median_days: float | None


@dataclass(frozen=True)
class OverdueTip:
    id: int
    kind: str  # "accept" or "finish"
    category: str
    region: str
    lead_unit: str | None
    created_at: datetime
    due: datetime


@dataclass
class Statistics:
    period: Period
    scope: Scope
    computed_at: datetime
    total: int = 0
    merged_not_counted: int = 0
    by_category: list[tuple[str, int]] = field(default_factory=list)
    by_unit: list[tuple[str | None, int]] = field(default_factory=list)
    by_status: list[tuple[str, int]] = field(default_factory=list)
    by_region: list[tuple[str, int]] = field(default_factory=list)
    money_lost_fen: int = 0
    tips_with_money_lost: int = 0
    money_recovered_fen: int = 0
    tips_with_money_recovered: int = 0
    to_accept: Durations = Durations(0, None, None)
    to_finish: Durations = Durations(0, None, None)
    overdue_accept: int = 0
    overdue_finish: int = 0
    overdue: list[OverdueTip] = field(default_factory=list)
    satisfaction: dict[str, int] = field(default_factory=dict)
    prevention: PreventionFigures = field(default_factory=PreventionFigures)  # warnings, look-ups, posters

    @property
    def overdue_total(self) -> int:
        return self.overdue_accept + self.overdue_finish

    @property
    def ratings(self) -> int:
        return sum(self.satisfaction.values())


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


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)


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


def roll_up_region(core: Core, code: str, chosen: str) -> str:
    """The region directly under `chosen` that contains `code` (or `chosen` itself)."""
    for region in core.deployment.region_path(code):
        if region.code == chosen or region.parent == chosen:
            return region.code
    return code


async def campaign_statistics(core: Core, staff: StaffUser, period: Period, *, region: str | None = None) -> Statistics:
    """The campaign's figures for tips submitted in `period`, in the scope of `staff` (narrowed to
    `region`); see the module's definitions."""
    scope = scope_for(core, staff, region)
    if core.settings.timezone != COUNTS_TIMEZONE:
        return await statistics_from_tips(core, scope, period)
    return await _statistics_from_counts(core, scope, period)


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


async def _statistics_from_counts(core: Core, scope: Scope, period: Period) -> Statistics:
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

    # Overdue now = the tips whose clock runs, counted ahead, less those not yet late (the recent ones).
    not_late_accept = [Tip.status == Status.SUBMITTED, or_(Tip.accept_due >= now_utc, Tip.accept_due.is_(None))]
    not_late_finish = [Tip.status.in_(ACTIVE), Tip.paused_at.is_(None), or_(Tip.finish_due >= now_utc, Tip.finish_due.is_(None))]

    async def not_late(session):
        return [int(await session.scalar(select(func.count()).select_from(Tip).where(*waiting, *in_period)) or 0)
                for waiting in (not_late_accept, not_late_finish)]

    async def late_rows(session):
        columns = (Tip.id, Tip.status, Tip.category, Tip.region_code, Tip.lead_unit, Tip.created_at, Tip.accept_due, Tip.finish_due)
        rows = []
        for late, due in (([Tip.status == Status.SUBMITTED, Tip.accept_due < now_utc], Tip.accept_due),
                          ([Tip.status.in_(ACTIVE), Tip.paused_at.is_(None), Tip.finish_due < now_utc], Tip.finish_due)):
            rows += (await session.execute(
                select(*columns).where(*late, *in_period).order_by(due, Tip.id).limit(OVERDUE_LIST_LIMIT))).all()
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


def _add_groups(core: Core, stats: Statistics, groups) -> None:  # noqa: ANN001 - rows of (category, unit, status, region, tips, lost, with lost)
    """The counts by category, lead unit, status and region, and the money lost, from the groups."""
    scope = stats.scope
    by_category: Counter[str] = Counter()
    by_unit: Counter[str | None] = Counter()
    by_status: Counter[str] = Counter()
    by_region: Counter[str] = Counter()
    for category, unit, status, region_code, count, lost_fen, with_lost in groups:
        count = int(count)
        if not count:
            continue
        stats.total += count
        by_category[category] += count
        by_unit[unit] += count
        by_status[status] += count
        by_region[roll_up_region(core, region_code, scope.region) if scope.region else region_code] += count
        stats.money_lost_fen += int(lost_fen or 0)
        stats.tips_with_money_lost += int(with_lost or 0)
    category_order = {c.code: i for i, c in enumerate(core.deployment.categories)}
    region_order = {r.code: i for i, r in enumerate(core.deployment.regions)}
    status_order = {s.value: i for i, s in enumerate(Status)}
    stats.by_category = sorted(by_category.items(), key=lambda kv: (-kv[1], category_order.get(kv[0], 999)))
    stats.by_unit = sorted(by_unit.items(), key=lambda kv: (-kv[1], kv[0] or ""))
    stats.by_status = sorted(by_status.items(), key=lambda kv: status_order.get(kv[0], 999))
    stats.by_region = sorted(by_region.items(), key=lambda kv: (-kv[1], region_order.get(kv[0], 999)))


def _add_others(stats: Statistics, recovered, ratings, late) -> None:  # noqa: ANN001 - rows
    """Money recovered, satisfaction and the overdue list, from their rows."""
    stats.money_recovered_fen = int(recovered[0] or 0)
    stats.tips_with_money_recovered = int(recovered[1] or 0)
    stats.satisfaction = {choice: 0 for choice in SATISFACTION} | {str(k): int(v) for k, v in ratings}
    stats.overdue = [
        OverdueTip(
            id=tip.id, kind="accept" if tip.status == Status.SUBMITTED else "finish", category=tip.category,
            region=tip.region_code, lead_unit=tip.lead_unit, created_at=_aware(tip.created_at),
            due=_aware(tip.accept_due if tip.status == Status.SUBMITTED else tip.finish_due),
        )
        for tip in late
    ]


def _prevention_regions(core: Core, scope: Scope) -> frozenset[str]:
    """The regions whose prevention work counts: those chosen, or a unit's region and below."""
    if scope.regions is not None:
        return scope.regions
    unit = core.deployment.unit_by_code.get(scope.unit or "")
    return frozenset(core.deployment.region_and_below(unit.region)) if unit else frozenset()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
