"""The budget and the payout ledger: each region's budget, committed and paid for a year, and every
award with its totals, as rows for the console page and the exports."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from i18n import N_, Translator
from intake.platform.clock import aware
from intake.platform.core import Core
from intake.platform.models.rewards import Award
from intake.platform.models.staff import StaffUser
from intake.platform.models.tips import Tip
from intake.rewards.awards import AWARD_STATUSES, COMMITTED, award_shares
from intake.rewards.scheme import local_day, scheme, scheme_in_force, yuan
from intake.rewards.work import require_admin


@dataclass(frozen=True)
class BudgetLine:
    region: str
    year: int
    budget_fen: int | None
    committed_fen: int
    paid_fen: int

    @property
    def left_fen(self) -> int | None:
        return None if self.budget_fen is None else self.budget_fen - self.committed_fen


async def budgets(core: Core, year: int | None = None) -> list[BudgetLine]:
    """Each budget region's budget for the year, what is committed (proposed, approved, paid),
    what is paid and what is left, under the scheme in force now."""
    current = await scheme_in_force(core)
    year = year or core.today().year
    regions = [b.region for b in current.budgets]
    async with core.db.session() as session:
        used = (await session.execute(
            select(Award.budget_region, Award.status, func.sum(Award.amount_fen))
            .where(Award.budget_year == year).group_by(Award.budget_region, Award.status))).all()
    for region, _status, _sum in used:
        if region not in regions:
            regions.append(region)
    lines = []
    for region in regions:
        committed = sum(int(s) for r, st, s in used if r == region and st in COMMITTED)
        paid = sum(int(s) for r, st, s in used if r == region and st == "paid")
        budget = next((b.yearly_fen for b in current.budgets if b.region == region), None)
        lines.append(BudgetLine(region, year, budget, committed, paid))
    return lines


@dataclass(frozen=True)
class LedgerRow:
    award_id: int
    tip_id: int
    status: str
    tier: str
    amount_fen: int
    region: str
    budget_region: str
    unit: str | None
    category: str
    proposed_by: str
    proposed_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    claim_until: datetime | None
    paid_on: str | None
    payment_reference: str | None
    scheme_digest: str
    shares: tuple[tuple[int, int], ...] = ()  # (tip id, fen) of each joint reporter


@dataclass(frozen=True)
class Ledger:
    rows: list[LedgerRow]
    by_status: dict[str, int]  # fen
    paid_by_region_year: dict[tuple[str, int], int]  # fen
    paid_by_month: dict[str, int]  # "YYYY-MM" of paid_on → fen

    @property
    def committed_fen(self) -> int:
        return sum(self.by_status.get(s, 0) for s in COMMITTED)


async def ledger(core: Core, staff: StaffUser, *, year: int | None = None) -> Ledger:
    """The payout ledger: every award (of a budget year, or all), with totals."""
    require_admin(staff)
    async with core.db.session() as session:
        query = select(Award, Tip).join(Tip, Tip.id == Award.tip_id).order_by(Award.id)
        if year:
            query = query.where(Award.budget_year == year)
        found = (await session.execute(query)).all()
        shares = {a.id: tuple((tip.id, fen) for tip, fen in await award_shares(session, a)) for a, _t in found}
    rows = [
        LedgerRow(a.id, a.tip_id, a.status, a.tier, a.amount_fen, t.region_code, a.budget_region, t.lead_unit, t.category,
                  a.proposed_by, aware(a.proposed_at), a.decided_by, aware(a.decided_at) if a.decided_at else None,
                  aware(a.claim_until) if a.claim_until else None, a.paid_on, a.payment_reference, a.scheme_digest,
                  shares[a.id])
        for a, t in found
    ]
    by_status = {status: sum(r.amount_fen for r in rows if r.status == status) for status in AWARD_STATUSES}
    by_region: dict[tuple[str, int], int] = {}
    by_month: dict[str, int] = {}
    for a, _t in found:
        if a.status == "paid":
            by_region[(a.budget_region, a.budget_year)] = by_region.get((a.budget_region, a.budget_year), 0) + a.amount_fen
            month = (a.paid_on or "")[:7]
            by_month[month] = by_month.get(month, 0) + a.amount_fen
    return Ledger(rows, by_status, by_region, dict(sorted(by_month.items())))


AWARD_STATUS_LABELS = {
    "proposed": N_("Proposed, waiting for a second administrator"),
    "approved": N_("Approved, waiting to be collected"),
    "rejected": N_("Rejected"),
    "paid": N_("Paid"),
    "lapsed": N_("Lapsed (not collected in time)"),
}
LEDGER_HEADER = (
    N_("Award"), N_("Tip"), N_("Status"), N_("Tier"), N_("Amount (yuan)"), N_("Amount (fen)"), N_("Region"), N_("Budget region"),
    N_("Unit"), N_("Category"), N_("Proposed by"), N_("Proposed on"), N_("Decided by"), N_("Decided on"), N_("Collect by"),
    N_("Paid on"), N_("Payment reference"), N_("Scheme version"), N_("Shares of joint reporters (tip: yuan)"),
)
def ledger_cells(core: Core, found: Ledger, language: str) -> tuple[list[str], list[list[object]]]:
    """The payout ledger as a header and rows in `language`, for the console page and the
    exports of the console and the command line (amounts in yuan as text and in fen as numbers)."""
    _ = Translator(language)
    deployment = core.deployment
    labels = {t.code: t.label.get(language) for t in scheme(core).tiers}

    def day(moment: datetime | None) -> str:
        return local_day(core, moment) if moment else ""

    rows = [
        [r.award_id, r.tip_id, _(AWARD_STATUS_LABELS[r.status]), labels.get(r.tier, r.tier), yuan(r.amount_fen), r.amount_fen,
         deployment.region_name(r.region, language), deployment.region_name(r.budget_region, language),
         deployment.unit_name(r.unit, language) if r.unit else "", deployment.category_label(r.category, language),
         r.proposed_by, day(r.proposed_at), r.decided_by or "", day(r.decided_at), day(r.claim_until), r.paid_on or "",
         r.payment_reference or "", r.scheme_digest[:12],
         "; ".join(f"{tip}: {yuan(fen)}" for tip, fen in r.shares) if len(r.shares) > 1 else ""]
        for r in found.rows
    ]
    return [_(label) for label in LEDGER_HEADER], rows
