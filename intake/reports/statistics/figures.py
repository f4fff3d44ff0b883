"""The statistics' scope (who sees which tips), period and figures, and how rows become figures."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import literal
from sqlalchemy.sql.elements import ColumnElement

from intake.platform.core import Core
from intake.platform.models.staff import StaffUser
from intake.platform.models.tips import Tip
from intake.reports.prevention_figures import PreventionFigures
from intake.staff.staff import UNIT_ROLES, Role, staff_region
from intake.domain.refusals import Refused
from intake.domain.workflow import Status

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


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)


def roll_up_region(core: Core, code: str, chosen: str) -> str:
    """The region directly under `chosen` that contains `code` (or `chosen` itself)."""
    for region in core.deployment.region_path(code):
        if region.code == chosen or region.parent == chosen:
            return region.code
    return code


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
