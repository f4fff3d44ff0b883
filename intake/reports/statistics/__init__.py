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

Two ways to the same figures: `from_counts` reads the counts per day and month the database
keeps (migration 0018r) and asks the tips only what cannot be counted ahead; `from_tips` computes
everything from the tips and their timelines, the reference the tests compare the counts with and
the way for a deployment whose time zone is not the one the counts are kept in. The scope, the
period and the figures themselves are in `figures`.
"""
from __future__ import annotations

from intake.platform.core import Core
from intake.platform.models.staff import StaffUser
from intake.reports.statistics.figures import (  # noqa: F401 - the package's names
    COUNTS_TIMEZONE, OVERDUE_LIST_LIMIT, SATISFACTION, Durations, OverdueTip, Period, Scope, Statistics, StatisticsRefused,
    regions_in_scope, roll_up_region, scope_for,
)
from intake.reports.statistics.from_counts import statistics_from_counts
from intake.reports.statistics.from_tips import money_lost_fen, statistics_from_tips  # noqa: F401


async def campaign_statistics(core: Core, staff: StaffUser, period: Period, *, region: str | None = None) -> Statistics:
    """The campaign's figures for tips submitted in `period`, in the scope of `staff` (narrowed to
    `region`); see the module's definitions."""
    scope = scope_for(core, staff, region)
    if core.settings.timezone != COUNTS_TIMEZONE:
        return await statistics_from_tips(core, scope, period)
    return await statistics_from_counts(core, scope, period)
