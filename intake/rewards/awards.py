"""An award from proposal to payment: proposed by one reward administrator, approved or rejected by
another (the two-person rule), then paid or lapsed; joint reporters share the case's one award."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from i18n import N_
from intake.platform import audit
from intake.platform.clock import aware, local_date
from intake.platform.core import Core
from intake.platform.models.rewards import Award, AwardShare, JointReport
from intake.platform.models.staff import StaffUser
from intake.platform.models.tips import Tip
from intake.rewards.eligibility import judge_eligibility
from intake.rewards.notices import queue_notice
from intake.rewards.scheme import RewardScheme, Tier, end_of_day, local_day, versions, yuan
from intake.rewards.work import SYSTEM, RewardError, check_visible, refused, require_admin, reward_work


# Each use case is one function and one transaction, audited. Amounts are integer fen, never floats.
AWARD_STATUSES = ("proposed", "approved", "rejected", "paid", "lapsed")
COMMITTED = ("proposed", "approved", "paid")  # what counts against the budget


def budget_region(core: Core, current: RewardScheme, region_code: str) -> str:
    """The most specific region with a budget, from the tip's region upwards; else the root."""
    budgeted = {b.region for b in current.budgets}
    for region in core.deployment.region_path(region_code):
        if region.code in budgeted:
            return region.code
    return core.deployment.root_region().code


async def _committed(session: AsyncSession, region: str, year: int) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(Award.amount_fen), 0))
        .where(Award.budget_region == region, Award.budget_year == year, Award.status.in_(COMMITTED)))
    return int(total or 0)


def _check_amount(tier: Tier, amount_fen: object) -> int:
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool):
        raise RewardError(N_("Give the amount in yuan, for example 3000."))
    if not tier.min_fen <= amount_fen <= tier.max_fen:
        raise RewardError(
            N_("The amount must be between %(min)s and %(max)s yuan for this tier (you gave %(amount)s yuan)."),
            min=yuan(tier.min_fen), max=yuan(tier.max_fen), amount=yuan(amount_fen))
    return amount_fen


def split_fen(amount_fen: int, people: int) -> list[int]:
    """One award shared by `people` joint reporters, in integer fen: equal shares, the remainder
    (less than one fen per person) to the first reporter."""
    base, remainder = divmod(amount_fen, people)
    return [base + remainder] + [base] * (people - 1)


async def propose_award(core: Core, tip_id: int, *, staff: StaffUser, tier: str, amount_fen: int, reason: str) -> Award:
    """Administrator A proposes an award: an eligible tip, a tier its outcome implies under the
    scheme in force when it was reported, an amount within the tier's range, within the
    region's budget, one award per case, shared by its joint reporters."""
    require_admin(staff)
    known = await versions(core)
    current = known.at(core.clock.now())  # the budgets in force now
    if not reason.strip():
        raise RewardError(N_("Write the reason for the award."))
    async with reward_work(core, staff, "reward.propose", tip_id) as session:
        tip = await session.get(Tip, tip_id, with_for_update=True)
        check_visible(core, staff, tip)
        applied = known.at(tip.created_at)
        chosen = applied.tier(tier)
        if chosen is None:
            raise RewardError(N_("Choose one of the scheme's tiers."))
        amount = _check_amount(chosen, amount_fen)
        found = await judge_eligibility(core, session, tip, known)
        if not found.eligible:
            failed = next(rule for rule in found.rules if not rule.ok)
            raise RewardError(N_("This tip is not eligible for an award: %(why)s"), why=failed.text(staff.language, applied))
        if tier not in found.tiers:
            raise RewardError(N_("The tip's outcome does not support this tier."))
        if await session.scalar(select(Award.id).where(Award.case_tip_id == tip_id)) is not None:
            raise RewardError(N_("This case already has an award: one award per case."))
        region = budget_region(core, current, tip.region_code)
        year = local_date(core.clock.now(), core.settings.timezone).year
        budget = next((b.yearly_fen for b in current.budgets if b.region == region), None)
        if budget is not None and await _committed(session, region, year) + amount > budget:
            left = budget - await _committed(session, region, year)
            raise RewardError(N_("The award is more than this year's budget has left (%(left)s yuan)."), left=yuan(left))
        award = Award(
            tip_id=tip_id, case_tip_id=tip_id, status="proposed", tier=tier, amount_fen=amount, budget_region=region,
            budget_year=year, scheme_digest=applied.digest, reason=reason.strip(), proposed_by=staff.username,
            proposed_at=core.clock.now(),
        )
        session.add(award)
        try:
            await session.flush()
        except IntegrityError:
            raise RewardError(N_("This case already has an award: one award per case.")) from None
        sharers = (tip_id, *found.joint)
        for sharer, share in zip(sharers, split_fen(amount, len(sharers))):
            session.add(AwardShare(award_id=award.id, tip_id=sharer, amount_fen=share))
        audit.record(session, core, staff.username, "reward.propose", tip_id, award=award.id, tier=tier, amount_fen=amount,
                     shares=len(sharers))
        return award


async def award_shares(session: AsyncSession, award: Award) -> list[tuple[Tip, int]]:
    """Each joint reporter's tip and share in fen; an award without shares is the case tip's alone."""
    rows = (await session.scalars(select(AwardShare).where(AwardShare.award_id == award.id).order_by(AwardShare.id))).all()
    if not rows:
        return [(await session.get(Tip, award.tip_id), award.amount_fen)]
    return [(await session.get(Tip, row.tip_id), row.amount_fen) for row in rows]


async def shares_of(core: Core, award_id: int) -> list[tuple[int, int]]:
    """(tip id, fen) of each joint reporter's share of an award."""
    async with core.db.session() as session:
        award = await session.get(Award, award_id)
        return [(tip.id, fen) for tip, fen in await award_shares(session, award)] if award else []


async def mark_joint(core: Core, tip_id: int, *, staff: StaffUser, note: str) -> JointReport:
    """Mark a tip merged into a case as reported jointly with the case's first reporter: the two
    (or more) share the case's one award. Fixed once an award is proposed."""
    require_admin(staff)
    if not note.strip():
        raise RewardError(N_("Write a note on how the report was made jointly."))
    async with reward_work(core, staff, "reward.joint", tip_id) as session:
        tip = await session.get(Tip, tip_id)
        check_visible(core, staff, tip)
        if tip.merged_into_id is None:
            raise RewardError(N_("Only a report merged into a case can be marked as reported jointly with it."))
        case = await session.get(Tip, tip.merged_into_id, with_for_update=True)
        if await session.scalar(select(Award.id).where(Award.case_tip_id == case.id)) is not None:
            raise RewardError(N_("The case's award is already proposed: joint reporters cannot change now."))
        if await session.scalar(select(JointReport.id).where(JointReport.tip_id == tip_id)) is not None:
            raise RewardError(N_("This report is already marked as a joint report."))
        joint = JointReport(case_tip_id=case.id, tip_id=tip_id, note=note.strip(), recorded_by=staff.username,
                            recorded_at=core.clock.now())
        session.add(joint)
        try:
            await session.flush()
        except IntegrityError:
            raise RewardError(N_("This report is already marked as a joint report.")) from None
        audit.record(session, core, staff.username, "reward.joint", case.id, joint_tip=tip_id)
        return joint


async def unmark_joint(core: Core, tip_id: int, *, staff: StaffUser) -> None:
    """Undo a joint-report mark made in error (before an award is proposed)."""
    require_admin(staff)
    async with reward_work(core, staff, "reward.joint_remove", tip_id) as session:
        joint = await session.scalar(select(JointReport).where(JointReport.tip_id == tip_id))
        if joint is None:
            raise RewardError(N_("This report is not marked as a joint report."))
        check_visible(core, staff, await session.get(Tip, joint.case_tip_id))
        if await session.scalar(select(Award.id).where(Award.case_tip_id == joint.case_tip_id)) is not None:
            raise RewardError(N_("The case's award is already proposed: joint reporters cannot change now."))
        await session.delete(joint)
        audit.record(session, core, staff.username, "reward.joint_remove", joint.case_tip_id, joint_tip=tip_id)


async def joint_reports_of(core: Core, case_tip_id: int) -> list[JointReport]:
    async with core.db.session() as session:
        return list((await session.scalars(
            select(JointReport).where(JointReport.case_tip_id == case_tip_id).order_by(JointReport.id))).all())


Then = Callable[[AsyncSession, Award], Awaitable[None]]


async def _decide(core: Core, award_id: int, staff: StaffUser, action: str, target: str, reason: str, then: Then | None = None,
                  **values: object) -> Award:
    """Move a proposed award to `target`, by a different administrator, in one statement that
    only succeeds if it is still proposed: two decisions racing produce one."""
    require_admin(staff)
    async with reward_work(core, staff, f"reward.{action}", None) as session:
        award = await session.get(Award, award_id)
        if award is None:
            raise RewardError(N_("No such award."))
        check_visible(core, staff, await session.get(Tip, award.tip_id))
        if award.proposed_by == staff.username:
            error = refused(N_("You proposed this award, so a different reward administrator must approve or reject it."))
            error.tip_id = award.tip_id
            raise error
        now = core.clock.now()
        result = await session.execute(
            update(Award).where(Award.id == award_id, Award.status == "proposed", Award.proposed_by != staff.username)
            .values(status=target, decided_by=staff.username, decided_at=now, decision_reason=reason or None, **values)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise RewardError(N_("This award was already decided by someone else; reload the page to see it."))
        await session.refresh(award)
        if then is not None:
            await then(session, award)
        audit.record(session, core, staff.username, f"reward.{action}", award.tip_id, award=award.id, reason=reason)
        return award


async def approve_award(core: Core, award_id: int, *, staff: StaffUser, reason: str = "") -> Award:
    """Administrator B approves: the claim period starts and the reporter is told what to bring,
    where and until when; reporters whose tips were merged into this one are told, kindly, why
    they are not eligible."""
    known = await versions(core)
    award = await get_award(core, award_id)
    applied = (known.by_digest(award.scheme_digest) if award else None) or known.at(core.clock.now())
    claim_until = end_of_day(core, core.clock.now() + timedelta(days=applied.claim_days))

    async def tell(session: AsyncSession, award: Award) -> None:
        shares = await award_shares(session, award)
        for sharer, fen in shares:
            await queue_notice(core, session, sharer, "reward_approved", amount=yuan(fen), until=local_day(core, claim_until))
        sharing = {sharer.id for sharer, _fen in shares}
        for merged in (await session.scalars(select(Tip).where(Tip.merged_into_id == award.tip_id).order_by(Tip.id))).all():
            if merged.id not in sharing:
                await queue_notice(core, session, merged, "reward_not_eligible_merged")

    return await _decide(core, award_id, staff, "approve", "approved", reason.strip(), tell, claim_until=claim_until)


async def reject_award(core: Core, award_id: int, *, staff: StaffUser, reason: str) -> Award:
    """Administrator B rejects, with a reason; the case may then get a new proposal."""
    if not reason.strip():
        raise RewardError(N_("Write the reason for rejecting the award."))
    return await _decide(core, award_id, staff, "reject", "rejected", reason.strip(), case_tip_id=None)


async def pay_award(core: Core, award_id: int, *, staff: StaffUser, reference: str, paid_on: date, id_checked: bool) -> Award:
    """Mark an approved award paid, after the claimant's identity document was checked."""
    require_admin(staff)
    if not id_checked:
        raise RewardError(N_("Record that you checked the claimant's identity document before paying."))
    reference = reference.strip()
    if not reference:
        raise RewardError(N_("Give the payment reference."))
    if paid_on > core.today():
        raise RewardError(N_("The payment date cannot be in the future."))
    async with reward_work(core, staff, "reward.pay", None) as session:
        award = await session.get(Award, award_id)
        if award is None:
            raise RewardError(N_("No such award."))
        check_visible(core, staff, await session.get(Tip, award.tip_id))
        if award.claim_until is not None and core.clock.now() > aware(award.claim_until):
            raise RewardError(N_("The claim period of this award has ended."))
        result = await session.execute(
            update(Award).where(Award.id == award_id, Award.status == "approved")
            .values(status="paid", id_checked_by=staff.username, payment_reference=reference[:100],
                    paid_on=paid_on.isoformat(), paid_by=staff.username, paid_at=core.clock.now())
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise RewardError(N_("Only an approved award can be paid."))
        await session.refresh(award)
        for sharer, fen in await award_shares(session, award):
            await queue_notice(core, session, sharer, "reward_paid", amount=yuan(fen), date=paid_on.isoformat())
        audit.record(session, core, staff.username, "reward.pay", award.tip_id, award=award.id, reference=reference[:100],
                     id_checked=True)
        return award


async def lapse_due_awards(core: Core, *, staff: StaffUser | None = None) -> int:
    """Approved awards whose claim period has ended lapse, and their reporters are told. Run
    it daily (`tipline rewards lapse`, by a reward administrator); returns how many lapsed."""
    if staff is not None:
        require_admin(staff)
    actor = staff.username if staff else SYSTEM
    now = core.clock.now()
    lapsed = 0
    async with core.db.transaction() as session:
        due = (await session.scalars(select(Award).where(Award.status == "approved", Award.claim_until < now))).all()
        for award in due:
            result = await session.execute(
                update(Award).where(Award.id == award.id, Award.status == "approved")
                .values(status="lapsed", lapsed_at=now).execution_options(synchronize_session=False))
            if result.rowcount != 1:
                continue
            lapsed += 1
            for sharer, _fen in await award_shares(session, award):
                await queue_notice(core, session, sharer, "reward_lapsed", until=local_day(core, aware(award.claim_until)))
            audit.record(session, core, actor, "reward.lapse", award.tip_id, award=award.id)
    return lapsed


async def awards_of(core: Core, tip_id: int) -> list[Award]:
    async with core.db.session() as session:
        return list((await session.scalars(select(Award).where(Award.tip_id == tip_id).order_by(Award.id))).all())


async def get_award(core: Core, award_id: int) -> Award | None:
    async with core.db.session() as session:
        return await session.get(Award, award_id)
