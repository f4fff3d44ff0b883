"""The reward scheme (有奖举报): its configuration, eligibility rule by rule, the two-person
approval of an award, payment and lapse, the budget, the payout ledger and the reporter's notices.

The scheme is `rewards.toml` (the deployment's config directory, else intake/config/), loaded
here on its own rather than as part of the Deployment. Each version of the file is recorded in
the database the first time it is seen, with the moment it took effect (or the later day the
file declares in `effective_from`): a tip is judged by the version in force when it was reported
(eligibility, tiers, claim period), and its award stores that version's digest. Joint reporters
(tips of the case's duplicate group marked as reported jointly) share the case's one award, split
in integer fen with the remainder to the first reporter. Each use case below is one function and
one transaction, audited. Amounts are integer fen, never floats.
"""
from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from i18n import N_, Translator
from intake.platform import audit
from intake.domain import purposes
from intake.casework.casework import CaseworkError
from intake.platform.clock import aware, local_date
from intake.platform.core import Core
from intake.domain.deployment import CONFIG_DIR, LocalText, NonEmpty
from intake.platform.models.notifications import Notification
from intake.platform.models.rewards import Award, AwardShare, JointReport, RewardExclusion, RewardSchemeVersion
from intake.platform.models.staff import StaffUser
from intake.platform.models.tip_records import Outcome
from intake.platform.models.tips import Person, StatusEvent, Tip
from intake.notify.outbox import destinations
from intake.staff.staff import Role, can_see
from intake.domain.workflow import STATUS_LABELS, Status

REWARDS_FILE = "rewards.toml"
NOTICE_TEMPLATES = ("reward_approved", "reward_paid", "reward_lapsed", "reward_not_eligible_merged")
EXCLUSION_REASONS = {
    "staff": N_("Excluded: the reporter is a member of staff of a department (recorded by %(who)s)."),
    "staff_relative": N_("Excluded: the reporter is a relative of a member of staff (recorded by %(who)s)."),
    "participant": N_("Excluded: the reporter took part in the scheme (recorded by %(who)s)."),
}
AWARD_STATUSES = ("proposed", "approved", "rejected", "paid", "lapsed")
COMMITTED = ("proposed", "approved", "paid")  # what counts against the budget
SYSTEM = "system"


# -- the scheme as configuration ------------------------------------------------------------------

class Tier(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: NonEmpty
    when: Literal["penalty_decision", "conviction"]
    min_fen: int = Field(gt=0, strict=True)
    max_fen: int = Field(gt=0, strict=True)
    label: LocalText

    @model_validator(mode="after")
    def _range(self) -> Tier:
        if self.min_fen > self.max_fen:
            raise ValueError(f"tier {self.code}: min_fen is above max_fen")
        return self


class Budget(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    region: NonEmpty
    yearly_fen: int = Field(ge=0, strict=True)


class Notices(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    subject: LocalText
    reward_approved: LocalText
    reward_paid: LocalText
    reward_lapsed: LocalText
    reward_not_eligible_merged: LocalText


class RewardScheme(BaseModel):
    """The reward scheme in force: validated as a whole."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    claim_days: int = Field(default=90, gt=0, strict=True)
    tiers: tuple[Tier, ...] = Field(min_length=1)
    budgets: tuple[Budget, ...] = ()
    notices: Notices
    # The first local day this version applies to reports; without it, from when it is first seen.
    effective_from: date | None = None
    digest: str = ""  # sha256 of the file; set by load_scheme

    @model_validator(mode="after")
    def _unique(self) -> RewardScheme:
        codes = [t.code for t in self.tiers]
        regions = [b.region for b in self.budgets]
        if len(set(codes)) != len(codes):
            raise ValueError("duplicate tier codes")
        if len(set(regions)) != len(regions):
            raise ValueError("a region has more than one budget")
        return self

    def tier(self, code: str) -> Tier | None:
        return next((t for t in self.tiers if t.code == code), None)


def scheme_path(core: Core) -> Path:
    own = core.settings.config_dir
    if own is not None and (own / REWARDS_FILE).exists():
        return own / REWARDS_FILE
    return CONFIG_DIR / REWARDS_FILE


@lru_cache(maxsize=8)
def _load(path: Path, mtime_ns: int) -> RewardScheme:
    raw = path.read_bytes()
    data = tomllib.loads(raw.decode("utf-8"))
    return RewardScheme.model_validate({**data, "digest": hashlib.sha256(raw).hexdigest()})


def load_scheme(path: Path | None = None) -> RewardScheme:
    path = path or CONFIG_DIR / REWARDS_FILE
    return _load(path, path.stat().st_mtime_ns)


def scheme(core: Core) -> RewardScheme:
    """The scheme in the file now (its texts and budgets); tips are judged by `versions`."""
    return load_scheme(scheme_path(core))


# -- versions of the scheme ------------------------------------------------------------------------

@dataclass(frozen=True)
class Versions:
    """Every recorded version of the scheme, oldest first, with the moment each took effect."""

    items: tuple[tuple[datetime, RewardScheme], ...]

    def at(self, moment: datetime) -> RewardScheme:
        """The version in force at `moment`; a tip older than every version gets the first."""
        found = self.items[0][1]
        for start, version in self.items:
            if start <= aware(moment):
                found = version
        return found

    def by_digest(self, digest: str) -> RewardScheme | None:
        return next((version for _start, version in reversed(self.items) if version.digest == digest), None)


_parsed: dict[str, RewardScheme] = {}


def _from_content(digest: str, content: dict) -> RewardScheme:
    if digest not in _parsed:
        _parsed[digest] = RewardScheme.model_validate({**content, "digest": digest})
    return _parsed[digest]


def _start_of_day(core: Core, day: date) -> datetime:
    from zoneinfo import ZoneInfo

    # stored in UTC: SQLite hands back naive datetimes, read as UTC
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(core.settings.timezone)).astimezone(timezone.utc)


async def versions(core: Core) -> Versions:
    """The recorded versions of the scheme; the file in force is recorded as a new version the
    first time its digest is seen, effective from now (or from the later day it declares)."""
    current = scheme(core)
    async with core.db.session() as session:  # a read, most of the time
        rows = list((await session.scalars(select(RewardSchemeVersion).order_by(RewardSchemeVersion.id))).all())
    if not rows or rows[-1].digest != current.digest:
        now = core.clock.now()
        start = now
        if current.effective_from is not None:
            start = max(now, _start_of_day(core, current.effective_from))
        async with core.db.transaction() as session:
            newest = await session.scalar(select(RewardSchemeVersion).order_by(RewardSchemeVersion.id.desc()).limit(1))
            if newest is None or newest.digest != current.digest:  # not recorded meanwhile by another process
                row = RewardSchemeVersion(digest=current.digest, effective_from=start, recorded_at=now,
                                          content=current.model_dump(mode="json", exclude={"digest"}))
                session.add(row)
                audit.record(session, core, SYSTEM, "reward.scheme_version", None, digest=current.digest,
                             effective_from=start.isoformat())
        async with core.db.session() as session:
            rows = list((await session.scalars(select(RewardSchemeVersion).order_by(RewardSchemeVersion.id))).all())
    items: list[tuple[datetime, RewardScheme]] = []
    for row in rows:  # in the order recorded: a version replaces those still waiting to take effect
        start = aware(row.effective_from)
        items = [item for item in items if item[0] <= start] + [(start, _from_content(row.digest, row.content))]
    return Versions(tuple(items))


async def scheme_in_force(core: Core) -> RewardScheme:
    """The version of the scheme that applies to a tip reported now."""
    return (await versions(core)).at(core.clock.now())


def yuan(fen: int) -> str:
    """Fen as yuan for people: 300000 → "3000", 12345 → "123.45" (integer arithmetic only)."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}" if fen % 100 == 0 else f"{sign}{fen // 100}.{fen % 100:02d}"


# -- errors ---------------------------------------------------------------------------------------

class RewardError(CaseworkError):
    """A refused reward action, with a message id (the core's `messages` domain)."""


def _refused(message: str, **params: object) -> RewardError:
    error = RewardError(message, **params)
    error.refused = True
    return error


def _check_visible(core: Core, staff: StaffUser, tip: Tip | None) -> None:
    """A tip outside the administrator's region is "not found", like a missing one (audited)."""
    if tip is None or not can_see(core, staff, tip, []):
        error = _refused(N_("Tip not found."))
        error.tip_id = tip.id if tip else None
        raise error


def _require_admin(staff: StaffUser) -> None:
    if staff.role != Role.REWARD_ADMIN:
        raise _refused(N_("Only reward administrators handle rewards."))


# -- eligibility ----------------------------------------------------------------------------------

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
            params["tiers"] = "、".join(labels.get(code, code) for code in params["tiers"]) if language == "zh_Hans" else \
                ", ".join(labels.get(code, code) for code in params["tiers"])
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


async def _eligibility(core: Core, session: AsyncSession, tip: Tip, known: Versions) -> Eligibility:
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
    _require_admin(staff)
    known = await versions(core)
    async with _work(core, staff, "reward.view", tip_id) as session:  # a refusal is audited
        tip = await session.get(Tip, tip_id)
        _check_visible(core, staff, tip)
        return await _eligibility(core, session, tip, known)


async def eligibility(core: Core, tip_id: int) -> Eligibility | None:
    known = await versions(core)
    async with core.db.session() as session:
        tip = await session.get(Tip, tip_id)
        return await _eligibility(core, session, tip, known) if tip else None


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
    _require_admin(staff)
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
                                   await _eligibility(core, session, tip, known), award))
    return found


@asynccontextmanager
async def _work(core: Core, staff: StaffUser | None, action: str, tip_id: int | None):
    """One transaction; a refusal is audited in its own transaction after the rollback."""
    try:
        async with core.db.transaction() as session:
            yield session
    except RewardError as error:
        if getattr(error, "refused", False):
            await audit.record_now(core, staff.username if staff else SYSTEM, f"refused:{action}",
                                   getattr(error, "tip_id", None) or tip_id, reason=str(error))
        raise


async def exclude_reporter(core: Core, tip_id: int, *, staff: StaffUser, reason: str, note: str) -> RewardExclusion:
    """Record that the tip's reporter may not receive a reward, and why."""
    _require_admin(staff)
    if reason not in EXCLUSION_REASONS:
        raise RewardError(N_("Choose why the reporter is excluded."))
    if not note.strip():
        raise RewardError(N_("Write a note on how this is known."))
    async with _work(core, staff, "reward.exclude", tip_id) as session:
        _check_visible(core, staff, await session.get(Tip, tip_id))
        exclusion = RewardExclusion(tip_id=tip_id, reason=reason, note=note.strip(), recorded_by=staff.username,
                                    recorded_at=core.clock.now())
        session.add(exclusion)
        audit.record(session, core, staff.username, "reward.exclude", tip_id, reason=reason)
        return exclusion


# -- the two-person approval ------------------------------------------------------------------------

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
    _require_admin(staff)
    known = await versions(core)
    current = known.at(core.clock.now())  # the budgets in force now
    if not reason.strip():
        raise RewardError(N_("Write the reason for the award."))
    async with _work(core, staff, "reward.propose", tip_id) as session:
        tip = await session.get(Tip, tip_id, with_for_update=True)
        _check_visible(core, staff, tip)
        applied = known.at(tip.created_at)
        chosen = applied.tier(tier)
        if chosen is None:
            raise RewardError(N_("Choose one of the scheme's tiers."))
        amount = _check_amount(chosen, amount_fen)
        found = await _eligibility(core, session, tip, known)
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


async def _shares(session: AsyncSession, award: Award) -> list[tuple[Tip, int]]:
    """Each joint reporter's tip and share in fen; an award without shares is the case tip's alone."""
    rows = (await session.scalars(select(AwardShare).where(AwardShare.award_id == award.id).order_by(AwardShare.id))).all()
    if not rows:
        return [(await session.get(Tip, award.tip_id), award.amount_fen)]
    return [(await session.get(Tip, row.tip_id), row.amount_fen) for row in rows]


async def shares_of(core: Core, award_id: int) -> list[tuple[int, int]]:
    """(tip id, fen) of each joint reporter's share of an award."""
    async with core.db.session() as session:
        award = await session.get(Award, award_id)
        return [(tip.id, fen) for tip, fen in await _shares(session, award)] if award else []


async def mark_joint(core: Core, tip_id: int, *, staff: StaffUser, note: str) -> JointReport:
    """Mark a tip merged into a case as reported jointly with the case's first reporter: the two
    (or more) share the case's one award. Fixed once an award is proposed."""
    _require_admin(staff)
    if not note.strip():
        raise RewardError(N_("Write a note on how the report was made jointly."))
    async with _work(core, staff, "reward.joint", tip_id) as session:
        tip = await session.get(Tip, tip_id)
        _check_visible(core, staff, tip)
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
    _require_admin(staff)
    async with _work(core, staff, "reward.joint_remove", tip_id) as session:
        joint = await session.scalar(select(JointReport).where(JointReport.tip_id == tip_id))
        if joint is None:
            raise RewardError(N_("This report is not marked as a joint report."))
        _check_visible(core, staff, await session.get(Tip, joint.case_tip_id))
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
    _require_admin(staff)
    async with _work(core, staff, f"reward.{action}", None) as session:
        award = await session.get(Award, award_id)
        if award is None:
            raise RewardError(N_("No such award."))
        _check_visible(core, staff, await session.get(Tip, award.tip_id))
        if award.proposed_by == staff.username:
            error = _refused(N_("You proposed this award, so a different reward administrator must approve or reject it."))
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
    claim_until = _end_of_day(core, core.clock.now() + timedelta(days=applied.claim_days))

    async def tell(session: AsyncSession, award: Award) -> None:
        shares = await _shares(session, award)
        for sharer, fen in shares:
            await _notify(core, session, sharer, "reward_approved", amount=yuan(fen), until=_day(core, claim_until))
        sharing = {sharer.id for sharer, _fen in shares}
        for merged in (await session.scalars(select(Tip).where(Tip.merged_into_id == award.tip_id).order_by(Tip.id))).all():
            if merged.id not in sharing:
                await _notify(core, session, merged, "reward_not_eligible_merged")

    return await _decide(core, award_id, staff, "approve", "approved", reason.strip(), tell, claim_until=claim_until)


async def reject_award(core: Core, award_id: int, *, staff: StaffUser, reason: str) -> Award:
    """Administrator B rejects, with a reason; the case may then get a new proposal."""
    if not reason.strip():
        raise RewardError(N_("Write the reason for rejecting the award."))
    return await _decide(core, award_id, staff, "reject", "rejected", reason.strip(), case_tip_id=None)


async def pay_award(core: Core, award_id: int, *, staff: StaffUser, reference: str, paid_on: date, id_checked: bool) -> Award:
    """Mark an approved award paid, after the claimant's identity document was checked."""
    _require_admin(staff)
    if not id_checked:
        raise RewardError(N_("Record that you checked the claimant's identity document before paying."))
    reference = reference.strip()
    if not reference:
        raise RewardError(N_("Give the payment reference."))
    if paid_on > core.today():
        raise RewardError(N_("The payment date cannot be in the future."))
    async with _work(core, staff, "reward.pay", None) as session:
        award = await session.get(Award, award_id)
        if award is None:
            raise RewardError(N_("No such award."))
        _check_visible(core, staff, await session.get(Tip, award.tip_id))
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
        for sharer, fen in await _shares(session, award):
            await _notify(core, session, sharer, "reward_paid", amount=yuan(fen), date=paid_on.isoformat())
        audit.record(session, core, staff.username, "reward.pay", award.tip_id, award=award.id, reference=reference[:100],
                     id_checked=True)
        return award


async def lapse_due_awards(core: Core, *, staff: StaffUser | None = None) -> int:
    """Approved awards whose claim period has ended lapse, and their reporters are told. Run
    it daily (`tipline rewards lapse`, by a reward administrator); returns how many lapsed."""
    if staff is not None:
        _require_admin(staff)
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
            for sharer, _fen in await _shares(session, award):
                await _notify(core, session, sharer, "reward_lapsed", until=_day(core, aware(award.claim_until)))
            audit.record(session, core, actor, "reward.lapse", award.tip_id, award=award.id)
    return lapsed


def _end_of_day(core: Core, moment: datetime) -> datetime:
    """The end of the local calendar day of `moment` (claims run in calendar days)."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(core.settings.timezone)
    local = moment.astimezone(tz)
    return local.replace(hour=23, minute=59, second=59, microsecond=0).astimezone(moment.tzinfo)


def _day(core: Core, moment: datetime) -> str:
    """The local calendar day of `moment`, YYYY-MM-DD (e.g. the last day to collect an award)."""
    return local_date(aware(moment), core.settings.timezone).isoformat()


local_day = _day


# -- notices ------------------------------------------------------------------------------------------

async def _notify(core: Core, session: AsyncSession, tip: Tip, template: str, **params: str) -> list[Notification]:
    """Queue a reward notice to the tip's reporter on their channel, in the caller's transaction."""
    person = await session.get(Person, tip.reporter_id) if tip.reporter_id else None
    now = core.clock.now()
    queued = []
    for channel, _address in destinations(core, tip, person):
        notification = Notification(
            tip_id=tip.id, event_id=None, stream=f"tip:{tip.id}:{channel}", channel=channel, kind=REWARD_KIND,
            payload={"template": template, "params": dict(params)}, status="pending", next_attempt_at=now, created_at=now,
        )
        session.add(notification)
        queued.append(notification)
    return queued


def render_reward_notice(core: Core, tip: Tip, payload: dict, language: str) -> tuple[str, str, dict[str, str]]:
    """(subject, body, params) of a reward notice in `language`, from the scheme's texts; the
    params are what an SMS gateway's pre-approved template for this notice needs."""
    texts = scheme(core).notices
    params = {
        "amount": "", "until": "", "date": "",
        **{k: str(v) for k, v in (payload.get("params") or {}).items()},
        "unit": core.deployment.unit_name(tip.lead_unit, language) if tip.lead_unit else "",
        "phone": core.deployment.unit_phone(tip.lead_unit),
    }
    text: LocalText | None = getattr(texts, str(payload.get("template")), None)
    if not isinstance(text, LocalText):
        return texts.subject.get(language), "", params
    try:
        body = text.get(language) % params
    except (KeyError, ValueError, TypeError):
        body = text.get(language)
    return texts.subject.get(language), body, params


# -- budget and ledger ----------------------------------------------------------------------------------

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
    _require_admin(staff)
    async with core.db.session() as session:
        query = select(Award, Tip).join(Tip, Tip.id == Award.tip_id).order_by(Award.id)
        if year:
            query = query.where(Award.budget_year == year)
        found = (await session.execute(query)).all()
        shares = {a.id: tuple((tip.id, fen) for tip, fen in await _shares(session, a)) for a, _t in found}
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


#: Notification kind of a reward notice to the reporter (its text from rewards.toml, not a status step).
REWARD_KIND = "reward"
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

    def region(code: str) -> str:
        found_region = deployment.region_by_code.get(code)
        return found_region.name.get(language) if found_region else code

    def category(code: str) -> str:
        found_category = deployment.category_by_code.get(code)
        return found_category.label.get(language) if found_category else code

    def day(moment: datetime | None) -> str:
        return _day(core, moment) if moment else ""

    rows = [
        [r.award_id, r.tip_id, _(AWARD_STATUS_LABELS[r.status]), labels.get(r.tier, r.tier), yuan(r.amount_fen), r.amount_fen,
         region(r.region), region(r.budget_region), deployment.unit_name(r.unit, language) if r.unit else "", category(r.category),
         r.proposed_by, day(r.proposed_at), r.decided_by or "", day(r.decided_at), day(r.claim_until), r.paid_on or "",
         r.payment_reference or "", r.scheme_digest[:12],
         "; ".join(f"{tip}: {yuan(fen)}" for tip, fen in r.shares) if len(r.shares) > 1 else ""]
        for r in found.rows
    ]
    return [_(label) for label in LEDGER_HEADER], rows


async def awards_of(core: Core, tip_id: int) -> list[Award]:
    async with core.db.session() as session:
        return list((await session.scalars(select(Award).where(Award.tip_id == tip_id).order_by(Award.id))).all())


async def exclusions_of(core: Core, tip_id: int) -> list[RewardExclusion]:
    async with core.db.session() as session:
        return list((await session.scalars(select(RewardExclusion).where(RewardExclusion.tip_id == tip_id).order_by(RewardExclusion.id))).all())


async def get_award(core: Core, award_id: int) -> Award | None:
    async with core.db.session() as session:
        return await session.get(Award, award_id)


# -- an anonymous reporter comes forward ---------------------------------------------------------------

async def come_forward(core: Core, code_text: str, pin_text: str, *, name: str, phone: str, staff: StaffUser) -> int:
    """An anonymous reporter of a tip claims it in person: the tracking code and reply PIN prove
    they hold the report (wrong PINs count towards the lock, as everywhere), then a real name and
    phone number make it a named report. Entered by a reward administrator; returns the tip id."""
    from intake.domain.answers import Invalid as InvalidAnswer, clean_text, parse_phone
    from intake.reporting.lookups import Client, ReplyRefused, check_pin

    _require_admin(staff)
    cleaned_name = clean_text(name, max_chars=100, min_chars=1)
    if isinstance(cleaned_name, InvalidAnswer):
        raise RewardError(N_("Write the reporter's real name."))
    parsed_phone = parse_phone(phone)
    if isinstance(parsed_phone, InvalidAnswer):
        raise RewardError(parsed_phone.message, **parsed_phone.params)
    try:
        tip = await check_pin(core, Client.staff(staff.username), code_text, pin_text)
    except ReplyRefused as refused:
        error = _refused(refused.message, **refused.params)
        raise error from None
    async with _work(core, staff, "reward.come_forward", tip.id) as session:
        row = await session.get(Tip, tip.id, with_for_update=True)
        _check_visible(core, staff, row)
        person = await session.get(Person, row.reporter_id) if row.reporter_id else None
        data = core.keys.open_json(person.sealed, purpose=purposes.PEOPLE) if person else {}
        data.update(name=cleaned_name, phone=parsed_phone)
        if person is None:
            person = Person(sealed=b"", created_at=core.clock.now())
            session.add(person)
        person.sealed = core.keys.seal(data, purpose=purposes.PEOPLE)
        person.phone_hash = core.keys.lookup_hash(parsed_phone, purpose="phone")
        await session.flush()
        row.reporter_id = person.id
        row.anonymous = False
        row.updated_at = core.clock.now()
        audit.record(session, core, staff.username, "reward.come_forward", row.id)
        return row.id
