"""Retention: a reporter's personal data is kept only as long as the deployment's policy says.

Per final status (retention.toml: closed after substantiated / unsubstantiated / referred,
declined, merged) a number of days after the tip reached it; then `run_retention` erases the
reporter's and the victim's sealed identity and contact, the chat look-up and the code kept for it, the files, the
drafts, the link tokens, the undelivered notices and the category example kept for the suggestion, keeps the tip's facts and statistics,
writes a timeline step the reporter reads on the status page ("personal_data_erased") and
audits each erasure. A tip whose reward is still open waits. Expired drafts (and the files
uploaded into them) and expired link tokens go too, and so do ended console sessions and sign-in failures a day old. `tipline serve` runs it once a day
for the whole deployment (`daily`, one of its jobs); `tipline retention run --dry-run` lists what would go.
"""
from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from intake.platform import audit
from intake.casework import category_examples
from intake.staff import sign_in_backoff, staff_sessions
from intake.platform.clock import aware
from intake.platform.core import Core
from intake.domain.deployment import CONFIG_DIR
from intake.reporting import kept_replies
from intake.reporting.drafts import purge_expired_drafts
from intake.platform.models.notifications import Notification
from intake.platform.models.reporting import Attachment, ChannelUser, Draft, LinkToken
from intake.platform.models.rewards import Award
from intake.platform.models.tips import Person, StatusEvent, Tip
from intake.domain.workflow import Status

log = logging.getLogger(__name__)

RETENTION_FILE = "retention.toml"
ACTOR = "retention"
ERASED_TEMPLATE = "personal_data_erased"  # workflow.SYSTEM_MESSAGES; a deployment template may replace it
FINAL_STATUSES = (Status.CLOSED, Status.DECLINED, Status.MERGED)
OPEN_AWARDS = ("proposed", "approved")
#: How a closed tip got there decides its policy: the status before "closed".
CLOSED_FROM = {
    Status.SUBSTANTIATED: "closed_substantiated",
    Status.UNSUBSTANTIATED: "closed_unsubstantiated",
    Status.TRANSFERRED_POLICE: "closed_referred",
}
DAY = timedelta(days=1)


class Periods(BaseModel):
    """Days after the final status; every one at least 1 (a typo'd key is an error, not a default)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    closed_substantiated: int = Field(default=1095, ge=1, le=36500)
    closed_unsubstantiated: int = Field(default=365, ge=1, le=36500)
    closed_referred: int = Field(default=1095, ge=1, le=36500)
    declined: int = Field(default=180, ge=1, le=36500)
    merged: int = Field(default=180, ge=1, le=36500)


class RetentionPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    periods: Periods = Periods()

    def days(self, policy: str) -> int:
        return int(getattr(self.periods, policy))


class PolicyProblem(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def policy_path(config_dir: Path | None) -> Path:
    """The deployment's own retention.toml if it has one, else the defaults shipped here."""
    if config_dir is not None:
        own = config_dir if config_dir.is_file() else config_dir / RETENTION_FILE
        if own.is_file() and own.name == RETENTION_FILE:
            return own
    return CONFIG_DIR / RETENTION_FILE


def parse_policy(raw: dict) -> RetentionPolicy:
    try:
        return RetentionPolicy.model_validate(raw)
    except ValidationError as error:
        raise PolicyProblem([
            f"{RETENTION_FILE}: {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        ]) from None


def read_policy(path: Path) -> RetentionPolicy:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise PolicyProblem([f"{path}: {error}"]) from None
    return parse_policy(raw)


def check(config_path: Path | None) -> list[str]:
    """Problems with the retention policy `tipline config check` is looking at (a folder with
    retention.toml, a single TOML file with a [retention] table, or the defaults)."""
    try:
        if config_path is not None and config_path.is_file():
            with config_path.open("rb") as handle:
                raw = tomllib.load(handle)
            if "retention" in raw:
                parse_policy(raw["retention"])
                return []
        read_policy(policy_path(config_path))
    except PolicyProblem as problem:
        return problem.problems
    except (OSError, tomllib.TOMLDecodeError) as error:
        return [str(error)]
    return []


def load_policy(core: Core) -> RetentionPolicy:
    return read_policy(policy_path(core.settings.config_dir))


@dataclass
class Due:
    """A tip whose reporter's personal data is due to go (or held back, with the reason)."""

    tip_id: int
    status: str
    policy: str
    final_at: datetime
    due_at: datetime
    held: str | None = None  # why it waits, e.g. "reward open"
    people: int = 0
    attachments: int = 0
    drafts: int = 0


@dataclass
class RetentionReport:
    dry_run: bool
    erased: list[Due] = field(default_factory=list)
    held: list[Due] = field(default_factory=list)
    expired_drafts: int = 0
    orphan_files: int = 0
    expired_link_tokens: int = 0


def _policy_of(status: str, came_from: str | None) -> str:
    if status == Status.CLOSED:
        return CLOSED_FROM.get(came_from or "", "closed_unsubstantiated")  # StrEnum keys: plain strings match
    return str(status)


async def due_tips(core: Core, policy: RetentionPolicy, session: AsyncSession) -> list[Due]:
    """Tips past their retention period whose personal data is not erased yet, oldest first."""
    now = core.clock.now()
    shortest = min(policy.days(name) for name in Periods.model_fields)
    last_final = (
        select(func.max(StatusEvent.id)).where(
            StatusEvent.tip_id == Tip.id, StatusEvent.to_status == Tip.status, StatusEvent.action == "status",
        ).correlate(Tip).scalar_subquery()
    )
    rows = (await session.execute(
        select(Tip.id, Tip.status, StatusEvent.at, StatusEvent.from_status)
        .join(StatusEvent, StatusEvent.id == last_final)
        .where(Tip.status.in_([s.value for s in FINAL_STATUSES]), Tip.personal_erased_at.is_(None),
               StatusEvent.at <= now - shortest * DAY)
        .order_by(StatusEvent.at, Tip.id)
    )).all()
    due: list[Due] = []
    for tip_id, status, final_at, came_from in rows:
        name = _policy_of(status, came_from)
        due_at = aware(final_at) + policy.days(name) * DAY
        if due_at <= now:
            due.append(Due(tip_id, status, name, aware(final_at), due_at))
    if due:
        open_awards = set((await session.scalars(
            select(Award.tip_id).where(Award.tip_id.in_([d.tip_id for d in due]), Award.status.in_(OPEN_AWARDS))
        )).all())
        for item in due:
            if item.tip_id in open_awards:
                item.held = "reward open"
    return due


async def _measure(session: AsyncSession, tip: Tip, item: Due) -> None:
    item.people = len([p for p in (tip.reporter_id, tip.victim_id) if p is not None])
    item.attachments = int(await session.scalar(select(func.count()).select_from(Attachment).where(Attachment.tip_id == tip.id)) or 0)
    item.drafts = int(await session.scalar(select(func.count()).select_from(Draft).where(_drafts_of(tip))) or 0)


def _drafts_of(tip: Tip):
    return or_(Draft.tip_id == tip.id, Draft.id == tip.draft_id) if tip.draft_id else Draft.tip_id == tip.id


async def erase_tip(core: Core, session: AsyncSession, tip: Tip, item: Due) -> None:
    """Erase one tip's personal data, in the caller's transaction (see the module)."""
    await _measure(session, tip, item)
    people = [p for p in (tip.reporter_id, tip.victim_id) if p is not None]
    chat = tip.channel_user_hash
    tip.reporter_id = tip.victim_id = None
    tip.channel_user_hash = None
    tip.sealed_code = None  # the code the chat listed: the tip is no longer the chat's
    tip.notify = False
    tip.personal_erased_at = core.clock.now()
    await session.flush()
    for person_id in people:
        still_used = await session.scalar(select(Tip.id).where(or_(Tip.reporter_id == person_id, Tip.victim_id == person_id)).limit(1))
        if still_used is None:
            await session.execute(delete(Person).where(Person.id == person_id))
    await session.execute(delete(Attachment).where(Attachment.tip_id == tip.id))
    await session.execute(delete(Draft).where(_drafts_of(tip)))
    await session.execute(delete(LinkToken).where(LinkToken.tip_id == tip.id))
    await category_examples.erase(session, tip.id)  # the suggestion's training example from its description
    await session.execute(delete(Notification).where(Notification.tip_id == tip.id, Notification.status.in_(("pending", "failed"))))
    if chat:
        # The chat's language is kept while the chat has another tip or a draft.
        other = await session.scalar(select(Tip.id).where(Tip.channel_user_hash == chat).limit(1))
        draft = await session.scalar(select(Draft.id).where(Draft.owner_hash == chat).limit(1))
        if other is None and draft is None:
            await session.execute(delete(ChannelUser).where(ChannelUser.user_hash == chat))
    session.add(StatusEvent(
        tip_id=tip.id, at=core.clock.now(), from_status=tip.status, to_status=tip.status, actor=ACTOR,
        public_message={"template": ERASED_TEMPLATE, "params": {}}, action="retention",
        internal_note=f"Personal data erased under the retention policy ({item.policy}, {(item.due_at - item.final_at).days} days).",
    ))
    audit.record(session, core, ACTOR, "retention.erased", tip.id, policy=item.policy, final_status=item.status,
                 final_at=item.final_at.isoformat(), people=item.people, attachments=item.attachments, drafts=item.drafts)


async def run_retention(core: Core, *, dry_run: bool = False, policy: RetentionPolicy | None = None) -> RetentionReport:
    """Erase what the policy says is due (or, with `dry_run`, only list it). One transaction
    per tip, so an interrupted run leaves every tip either untouched or wholly erased."""
    policy = policy or load_policy(core)
    report = RetentionReport(dry_run=dry_run)
    async with core.db.session() as session:
        due = await due_tips(core, policy, session)
        for item in due:
            if item.held or dry_run:
                tip = await session.get(Tip, item.tip_id)
                await _measure(session, tip, item)
            (report.held if item.held else report.erased).append(item)
        expired = Draft.expires_at <= core.clock.now()
        report.expired_drafts = int(await session.scalar(select(func.count()).select_from(Draft).where(expired)) or 0)
        report.expired_link_tokens = int(await session.scalar(select(func.count()).select_from(LinkToken).where(
            or_(LinkToken.expires_at <= core.clock.now(), LinkToken.used_at.is_not(None)))) or 0)
    if dry_run:
        report.orphan_files = await _orphan_files(core, report_only=True)
        return report
    for item in report.erased:
        async with core.db.transaction() as session:
            tip = await session.get(Tip, item.tip_id, with_for_update=True)
            if tip is None or tip.personal_erased_at is not None or tip.status not in FINAL_STATUSES:
                continue  # changed since it was listed (re-opened, or another run got there first)
            await erase_tip(core, session, tip, item)
    report.expired_drafts = await purge_expired_drafts(core)
    report.orphan_files = await _orphan_files(core, report_only=False)
    await staff_sessions.purge(core)  # console sessions past 12 hours, and sign-in failures a day old
    await sign_in_backoff.purge(core)
    await kept_replies.purge(core)  # chat replies kept an hour for retries and next pages
    async with core.db.transaction() as session:
        result = await session.execute(delete(LinkToken).where(
            or_(LinkToken.expires_at <= core.clock.now(), LinkToken.used_at.is_not(None))))
        report.expired_link_tokens = result.rowcount or 0
        if report.expired_drafts or report.orphan_files or report.expired_link_tokens:
            audit.record(session, core, ACTOR, "retention.purged", None, expired_drafts=report.expired_drafts,
                         orphan_files=report.orphan_files, expired_link_tokens=report.expired_link_tokens)
    return report


async def _orphan_files(core: Core, *, report_only: bool) -> int:
    """Files uploaded into a draft that is gone (expired, discarded) and never became a tip's;
    counted as if the expired drafts were already gone when only reporting."""
    live = select(Draft.id).where(Draft.expires_at > core.clock.now()) if report_only else select(Draft.id)
    orphan = and_(Attachment.tip_id.is_(None), or_(Attachment.draft_id.is_(None), Attachment.draft_id.not_in(live)))
    if report_only:
        async with core.db.session() as session:
            return int(await session.scalar(select(func.count()).select_from(Attachment).where(orphan)) or 0)
    async with core.db.transaction() as session:
        return (await session.execute(delete(Attachment).where(orphan))).rowcount or 0


async def daily(core: Core) -> RetentionReport:
    """`tipline serve`'s daily run (once for the deployment: intake/platform/schedule.py)."""
    report = await run_retention(core)
    if report.erased or report.expired_drafts:
        log.info("retention: erased personal data of %d tips, %d expired drafts", len(report.erased), report.expired_drafts)
    return report
