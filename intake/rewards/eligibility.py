"""Whether a tip may earn an award, rule by rule under the scheme in force when it was reported;
the reward candidates, the tips whose reporter a reward administrator may reveal, and exclusions."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from i18n import N_, Translator
from intake.domain import joins, purposes
from intake.domain.workflow import STATUS_LABELS, Status
from intake.platform import audit
from intake.platform.clock import aware
from intake.platform.core import Core
from intake.platform.models.rewards import Award, AwardShare, JointReport, RewardExclusion
from intake.platform.models.staff import StaffUser
from intake.platform.models.tip_records import Outcome
from intake.platform.models.tips import Person, StatusEvent, Tip
from intake.rewards.scheme import RewardScheme, Versions, versions
from intake.rewards.work import RewardError, check_visible, require_admin, reward_work
from intake.staff.staff import can_see


EXCLUSION_REASONS = {
    "staff": N_("Excluded: the reporter is a member of staff of a department (recorded by %(who)s)."),
    "staff_relative": N_("Excluded: the reporter is a relative of a member of staff (recorded by %(who)s)."),
    "participant": N_("Excluded: the reporter took part in the scheme (recorded by %(who)s)."),
}


@dataclass(frozen=True)
class Rule:
    code: str
    ok: bool
    message: str  # a message id
    params: dict = field(default_factory=dict)

    def text(self, language: str, current: RewardScheme | None = None) -> str:
        params = dict(self.params)
        if "tiers" in params:  # tier codes, shown by their labels
            labels = {t.code: t.label.get(language) for t in current.tiers} if current else {}
            params["tiers"] = joins.listed((labels.get(code, code) for code in params["tiers"]), language)
        translate = Translator(language)
        if params.get("status") in Status.__members__.values():
            params["status"] = translate(STATUS_LABELS[Status(params["status"])])
        return translate(self.message, **params)


@dataclass(frozen=True)
class Eligibility:
    tip_id: int
    rules: tuple[Rule, ...]
    tiers: tuple[str, ...]  # the tiers the outcome implies
    later_reports: tuple[int, ...]  # tips merged into this one
    joint: tuple[int, ...] = ()  # of those, the joint reports sharing the award
    scheme: RewardScheme | None = None  # the version in force when the tip was reported

    @property
    def eligible(self) -> bool:
        return all(rule.ok for rule in self.rules)


RULES = ("substantiated", "named", "first", "not_known", "not_excluded", "tier", "joint")


async def _named(core: Core, session: AsyncSession, tip: Tip) -> bool:
    """The reporter gave a real name and a phone number (and did not stay anonymous)."""
    if tip.anonymous:
        return False
    person = await session.get(Person, tip.reporter_id) if tip.reporter_id else None
    data = core.keys.open_json(person.sealed, purpose=purposes.PEOPLE) if person else {}
    return bool(str(data.get("name") or "").strip() and str(data.get("phone") or "").strip())


async def _exclusion(session: AsyncSession, tip_id: int) -> RewardExclusion | None:
    return await session.scalar(select(RewardExclusion).where(RewardExclusion.tip_id == tip_id).order_by(RewardExclusion.id))


async def _joint_of(session: AsyncSession, case_tip_id: int) -> tuple[int, ...]:
    return tuple((await session.scalars(
        select(JointReport.tip_id).join(Tip, Tip.id == JointReport.tip_id)
        .where(JointReport.case_tip_id == case_tip_id, Tip.merged_into_id == case_tip_id)
        .order_by(Tip.created_at, Tip.id))).all())


async def judge_eligibility(core: Core, session: AsyncSession, tip: Tip, known: Versions) -> Eligibility:
    """The tip's eligibility rule by rule, in the caller's session, under the version in force when it was reported."""
    version = known.at(tip.created_at)
    rules: list[Rule] = []
    # 1. substantiated, or closed after being substantiated
    was_substantiated = tip.status == Status.SUBSTANTIATED or (
        tip.status == Status.CLOSED and await session.scalar(
            select(func.count()).select_from(StatusEvent)
            .where(StatusEvent.tip_id == tip.id, StatusEvent.to_status == Status.SUBSTANTIATED)) > 0
    )
    rules.append(Rule("substantiated", True, N_("The facts were confirmed (substantiated).")) if was_substantiated else
                 Rule("substantiated", False, N_("The tip has not been substantiated (its status is %(status)s)."), {"status": tip.status}))
    # 2. a named reporter with a real name and a contact
    if tip.anonymous:
        rules.append(Rule("named", False, N_("The reporter chose to stay anonymous; they can come forward with the tracking code and reply PIN.")))
    elif not await _named(core, session, tip):
        rules.append(Rule("named", False, N_("The reporter did not give both a real name and a phone number.")))
    else:
        rules.append(Rule("named", True, N_("The reporter gave a real name and a phone number.")))
    # 3. the first report of its duplicate group
    later = tuple((await session.scalars(
        select(Tip.id).where(Tip.merged_into_id == tip.id).order_by(Tip.created_at, Tip.id))).all())
    joint = await _joint_of(session, tip.id)
    earlier = [other for other in (await session.scalars(
        select(Tip.id).where(Tip.merged_into_id == tip.id, Tip.created_at < tip.created_at).order_by(Tip.id))).all()
        if other not in joint]  # a joint reporter may have been a little quicker
    joined = tip.merged_into_id is not None and await session.scalar(
        select(JointReport.id).where(JointReport.tip_id == tip.id, JointReport.case_tip_id == tip.merged_into_id)) is not None
    if joined:
        rules.append(Rule("first", False, N_("This report was made jointly with tip %(id)s and shares the award of that case."),
                          {"id": tip.merged_into_id}))
    elif tip.merged_into_id is not None or tip.status == Status.MERGED:
        rules.append(Rule("first", False, N_("This tip was merged into tip %(id)s; the first report of the group earns the award."),
                          {"id": tip.merged_into_id}))
    elif earlier:
        rules.append(Rule("first", False, N_("An earlier report (tip %(id)s) was merged into this one; the first report earns the award."),
                          {"id": earlier[0]}))
    else:
        rules.append(Rule("first", True, N_("This is the first report of its group (later reports merged into it: %(n)s)."),
                          {"n": len(later)}))
    # 4. the facts were not already known
    outcome = await session.get(Outcome, tip.id)
    if outcome is None:
        rules.append(Rule("not_known", False, N_("No outcome is recorded yet, so it is not known whether the authorities already knew the facts.")))
    elif outcome.already_known:
        rules.append(Rule("not_known", False, N_("The outcome records that the authorities already knew these facts.")))
    else:
        rules.append(Rule("not_known", True, N_("The authorities did not already know these facts.")))
    # 5. the reporter is not excluded
    exclusion = await _exclusion(session, tip.id)
    if exclusion is not None:
        rules.append(Rule("not_excluded", False, EXCLUSION_REASONS[exclusion.reason], {"who": exclusion.recorded_by}))
    else:
        rules.append(Rule("not_excluded", True, N_("No exclusion is recorded (staff, relative of staff, participant).")))
    # 6. the outcome implies a tier
    tiers = _implied_tiers(version, outcome)
    if tiers:
        rules.append(Rule("tier", True, N_("The outcome allows the tier: %(tiers)s."), {"tiers": tiers}))
    else:
        rules.append(Rule("tier", False, N_("The outcome records neither an administrative penalty decision nor a conviction.")))
    # 7. joint reporters, who share the award, must each be named and not excluded
    joint_rule = Rule("joint", True, N_("No joint reporters are recorded: the award goes to this reporter alone."))
    for other_id in joint:
        other = await session.get(Tip, other_id)
        if not await _named(core, session, other):
            joint_rule = Rule("joint", False, N_("Joint report tip %(id)s: the reporter did not give both a real name and a phone number."),
                              {"id": other_id})
            break
        if await _exclusion(session, other_id) is not None:
            joint_rule = Rule("joint", False, N_("Joint report tip %(id)s: the reporter is excluded from rewards."), {"id": other_id})
            break
    else:
        if joint:
            joint_rule = Rule("joint", True, N_("Joint reporters share the award: tips %(ids)s."),
                              {"ids": ", ".join(str(i) for i in joint)})
    rules.append(joint_rule)
    return Eligibility(tip.id, tuple(rules), tiers, later, joint, version)


def _implied_tiers(current: RewardScheme, outcome: Outcome | None) -> tuple[str, ...]:
    if outcome is None:
        return ()
    facts = {"penalty_decision": bool((outcome.penalty_decision_no or "").strip()), "conviction": bool(outcome.convicted)}
    return tuple(t.code for t in current.tiers if facts[t.when])


async def tip_eligibility(core: Core, staff: StaffUser, tip_id: int) -> Eligibility:
    """A reward administrator's view of one tip's eligibility; a tip outside their region is "not found"."""
    require_admin(staff)
    known = await versions(core)
    async with reward_work(core, staff, "reward.view", tip_id) as session:  # a refusal is audited
        tip = await session.get(Tip, tip_id)
        check_visible(core, staff, tip)
        return await judge_eligibility(core, session, tip, known)


async def eligibility(core: Core, tip_id: int) -> Eligibility | None:
    known = await versions(core)
    async with core.db.session() as session:
        tip = await session.get(Tip, tip_id)
        return await judge_eligibility(core, session, tip, known) if tip else None


#: A tip that may earn an award: substantiated or closed, and not merged into another (the
#: rewards overview lists these; the first report of a group carries the case).
CANDIDATE = and_(Tip.status.in_((Status.SUBSTANTIATED, Status.CLOSED)), Tip.merged_into_id.is_(None))


async def is_reward_case(session: AsyncSession, tip_id: int) -> bool:
    """The tip is a reward candidate, has an award, or is a joint report sharing a case's award:
    the only tips whose reporter a reward administrator may reveal (to decide on or pay an
    award), however wide their region."""
    return bool(await session.scalar(select(or_(
        exists().where(Tip.id == tip_id, CANDIDATE),
        exists().where(Award.tip_id == tip_id),
        exists().where(AwardShare.tip_id == tip_id),
        exists().where(JointReport.tip_id == tip_id),
    ))))


async def may_reveal_for_rewards(core: Core, tip_id: int) -> bool:
    async with core.db.session() as session:
        return await is_reward_case(session, tip_id)


@dataclass(frozen=True)
class Candidate:
    tip_id: int
    status: str
    category: str
    region: str
    lead_unit: str | None
    created_at: datetime
    eligibility: Eligibility
    award: Award | None


async def candidates(core: Core, staff: StaffUser, *, limit: int = 200) -> list[Candidate]:
    """Tips that may earn an award (substantiated or closed, not merged), newest first, each
    with its eligibility rule by rule and its award if any."""
    require_admin(staff)
    known = await versions(core)
    async with core.db.session() as session:
        tips = (await session.scalars(
            select(Tip).where(CANDIDATE).order_by(Tip.id.desc()).limit(limit))).all()
        found = []
        for tip in tips:
            if not can_see(core, staff, tip, []):  # a reward administrator's region and below
                continue
            award = await session.scalar(select(Award).where(Award.case_tip_id == tip.id))
            found.append(Candidate(tip.id, tip.status, tip.category, tip.region_code, tip.lead_unit, aware(tip.created_at),
                                   await judge_eligibility(core, session, tip, known), award))
    return found


async def exclude_reporter(core: Core, tip_id: int, *, staff: StaffUser, reason: str, note: str) -> RewardExclusion:
    """Record that the tip's reporter may not receive a reward, and why."""
    require_admin(staff)
    if reason not in EXCLUSION_REASONS:
        raise RewardError(N_("Choose why the reporter is excluded."))
    if not note.strip():
        raise RewardError(N_("Write a note on how this is known."))
    async with reward_work(core, staff, "reward.exclude", tip_id) as session:
        check_visible(core, staff, await session.get(Tip, tip_id))
        exclusion = RewardExclusion(tip_id=tip_id, reason=reason, note=note.strip(), recorded_by=staff.username,
                                    recorded_at=core.clock.now())
        session.add(exclusion)
        audit.record(session, core, staff.username, "reward.exclude", tip_id, reason=reason)
        return exclusion


async def exclusions_of(core: Core, tip_id: int) -> list[RewardExclusion]:
    async with core.db.session() as session:
        return list((await session.scalars(select(RewardExclusion).where(RewardExclusion.tip_id == tip_id).order_by(RewardExclusion.id))).all())
