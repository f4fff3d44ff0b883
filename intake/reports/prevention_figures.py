"""The campaign's prevention figures (宣传): warnings published and read, subscribers, look-ups
on "check before you pay", posters and leaflets made; beside the tips' figures in the campaign
statistics (intake/reports/statistics.py), for a date range and a region.

统计口径 (definitions), printed beside every figure by the console (console/report_views.py):
- a warning counts in a region when one of the regions it was published for is that region or
  inside it, and in the period when it was first published then (withdrawn later or not);
- views: openings of a published warning's page on the public site and warnings shown by the
  bot's /warnings, counted per warning and day with nothing about the reader (a person who opens
  it twice counts twice; the feed is not counted); the views in the period, of the warnings in scope;
- look-ups: every answered look-up on "check before you pay" (web and bot), per local day, with
  nothing typed kept; for the whole deployment, since nothing says where a person looked up from;
- posters: each PDF made (console or `tipline posters make`), by the audit log's `poster.made`,
  counted in the region of the unit it was made for;
- subscribers: active subscriptions to new warnings in the region's counties, at the moment of counting.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from intake.platform.core import Core
from intake.platform.models.operations import DailyCount
from intake.platform.models.prevention import ScamWarning, WarningSubscription, WarningViews
from intake.platform.models.staff import AuditEvent
from intake.reporting.checks import CHECKS_COUNTED
from intake.reports.posters import POSTER_MADE

#: Warnings listed with their views, most read first (the total counts them all).
LISTED_WARNINGS = 50


@dataclass(frozen=True)
class WarningRead:
    id: int
    title: str  # in Chinese, the language every warning has
    published_on: date
    views: int


@dataclass
class PreventionFigures:
    warnings_published: int = 0
    views: int = 0
    most_read: list[WarningRead] = field(default_factory=list)
    lookups: int = 0
    lookups_by_month: list[tuple[str, int]] = field(default_factory=list)  # ("2026-11", count), in order
    posters_made: int = 0
    posters_by_languages: list[tuple[str, int]] = field(default_factory=list)  # ("zh_Hans+bo", count)
    subscribers: int = 0


async def subscribers(core: Core, regions: frozenset[str]) -> int:
    """Active subscriptions to new warnings in `regions` (counties), bot and e-mail: an opt-out
    deletes its row, an e-mail address not yet confirmed is `pending` and not counted."""
    async with core.db.session() as session:
        counted = await session.scalar(select(func.count()).select_from(WarningSubscription).where(
            WarningSubscription.status == "active", WarningSubscription.region.in_(sorted(regions))))
    return int(counted or 0)


def _months(period_start: date, period_end: date, days: dict[date, int]) -> list[tuple[str, int]]:
    months: dict[str, int] = {}
    year, month = period_start.year, period_start.month
    while (year, month) <= (period_end.year, period_end.month):
        months[f"{year:04d}-{month:02d}"] = 0
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    for day, count in days.items():
        months[day.strftime("%Y-%m")] += count
    return list(months.items())


async def prevention_figures(core: Core, regions: frozenset[str], start: date, end: date,
                             bounds: tuple[datetime, datetime]) -> PreventionFigures:
    """The prevention figures of the period [start, end] (local days; `bounds` the same in UTC)
    for the regions given (a region and those inside it)."""
    low, high = bounds
    figures = PreventionFigures()
    async with core.db.session() as session:
        warnings = [w for w in (await session.execute(
            select(ScamWarning.id, ScamWarning.regions, ScamWarning.texts, ScamWarning.published_at)
            .where(ScamWarning.published_at.is_not(None)))).all() if set(w.regions) & regions]
        views = dict((await session.execute(
            select(WarningViews.warning_id, func.sum(WarningViews.count))
            .where(WarningViews.day >= start, WarningViews.day <= end).group_by(WarningViews.warning_id))).all())
        lookups = dict((await session.execute(
            select(DailyCount.day, DailyCount.count)
            .where(DailyCount.name == CHECKS_COUNTED, DailyCount.day >= start, DailyCount.day <= end))).all())
        posters = (await session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == POSTER_MADE, AuditEvent.at >= low, AuditEvent.at < high))).all()
    figures.warnings_published = sum(1 for w in warnings if low <= _utc(w.published_at) < high)
    zone = ZoneInfo(core.settings.timezone)
    read = [WarningRead(w.id, w.texts["zh_Hans"]["title"], _utc(w.published_at).astimezone(zone).date(), int(views[w.id]))
            for w in warnings if views.get(w.id)]
    figures.views = sum(r.views for r in read)
    figures.most_read = sorted(read, key=lambda r: (-r.views, -r.id))[:LISTED_WARNINGS]
    figures.lookups = sum(lookups.values())
    figures.lookups_by_month = _months(start, end, lookups)
    units = core.deployment.unit_by_code
    by_languages: Counter[str] = Counter()
    for detail in posters:
        unit = units.get((detail or {}).get("unit", ""))
        if unit is not None and unit.region in regions:
            by_languages[(detail or {}).get("languages", "")] += 1
    figures.posters_made = sum(by_languages.values())
    figures.posters_by_languages = sorted(by_languages.items(), key=lambda kv: (-kv[1], kv[0]))
    figures.subscribers = await subscribers(core, regions)
    return figures



def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)  # SQLite reads naive UTC
