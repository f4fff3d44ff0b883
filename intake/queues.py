"""Work queues for staff: a unit's tips by view (new, overdue, waiting for the reporter,
answered by the reporter), filtered by status and category, urgent first, a page at a time.

Scope is the same as casefile.queue's (staff.visible_units); pages are keyset-paginated on
(priority rank, id) so the millionth tip costs what the first does.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import and_, case, exists, func, or_, select

from intake.casefile import overdue
from intake.clock import aware
from intake.core import Core
from intake.models import Assignment, Outcome, ReporterMessage, StaffUser, StatusEvent, Tip
from intake.staff import can_see, tips_in_scope
from intake.workflow import ACTIVE, REPORTER, Status

VIEWS = ("all", "new", "overdue", "waiting", "answered")
PAGE_SIZE = 50

_RANK = case((Tip.priority == "urgent", 0), (Tip.priority == "high", 1), else_=2)


@dataclass(frozen=True)
class QueueItem:
    id: int
    status: str
    category: str
    priority: str
    region: str
    lead_unit: str | None
    created_at: datetime
    accept_due: datetime | None
    finish_due: datetime | None
    overdue: str | None
    answered: bool  # the reporter wrote after staff last acted


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueItem]
    next_cursor: str | None  # pass as `after` for the next page


def _utc(moment: datetime) -> datetime:
    # SQLite compares the stored text, which is written in UTC.
    return moment.astimezone(timezone.utc)


def _answered():
    last_staff_step = (
        select(func.max(StatusEvent.at))
        .where(StatusEvent.tip_id == Tip.id, or_(StatusEvent.actor.is_(None), StatusEvent.actor != REPORTER))
        .scalar_subquery()
    )
    return exists().where(ReporterMessage.tip_id == Tip.id, ReporterMessage.at > func.coalesce(last_staff_step, Tip.created_at))


def _parse_cursor(cursor: str | None) -> tuple[int, int] | None:
    if not cursor:
        return None
    try:
        rank, tip_id = (int(part) for part in cursor.split(".", 1))
    except ValueError:
        return None
    return rank, tip_id


async def unit_queue(
    core: Core, staff: StaffUser, *, view: str = "all", status: str | None = None, category: str | None = None,
    after: str | None = None, limit: int = PAGE_SIZE,
) -> QueuePage:
    """One page of the tips this person may see, urgent first, then newest first."""
    scope = tips_in_scope(core, staff)
    if scope is None:
        return QueuePage([], None)
    now = _utc(core.clock.now())
    answered = _answered().label("answered")
    query = select(Tip, _RANK.label("rank"), answered).where(scope)
    if view == "new":
        query = query.where(Tip.status == Status.SUBMITTED)
    elif view == "overdue":
        query = query.where(or_(
            and_(Tip.status == Status.SUBMITTED, Tip.accept_due < now),
            and_(Tip.status.in_(ACTIVE), Tip.paused_at.is_(None), Tip.finish_due < now),
        ))
    elif view == "waiting":
        query = query.where(Tip.status == Status.NEEDS_INFO)
    elif view == "answered":
        query = query.where(_answered())
    if status:
        query = query.where(Tip.status == status)
    if category:
        query = query.where(Tip.category == category)
    cursor = _parse_cursor(after)
    if cursor:
        rank, tip_id = cursor
        query = query.where(or_(_RANK > rank, and_(_RANK == rank, Tip.id < tip_id)))
    query = query.order_by(_RANK, Tip.id.desc()).limit(limit + 1)
    async with core.db.session() as session:
        rows = (await session.execute(query)).all()
    moment = core.clock.now()
    items = [
        QueueItem(
            id=tip.id, status=tip.status, category=tip.category, priority=tip.priority, region=tip.region_code,
            lead_unit=tip.lead_unit, created_at=aware(tip.created_at),
            accept_due=aware(tip.accept_due) if tip.accept_due else None,
            finish_due=aware(tip.finish_due) if tip.finish_due else None,
            overdue=overdue(tip, moment), answered=bool(was_answered),
        )
        for tip, _rank, was_answered in rows[:limit]
    ]
    next_cursor = f"{rows[limit - 1][1]}.{rows[limit - 1][0].id}" if len(rows) > limit else None
    return QueuePage(items, next_cursor)


@dataclass(frozen=True)
class TipState:
    """What a form needs to notice that someone else acted on the tip since it was shown."""

    version: str  # the tip's updated_at
    outcome_version: str  # the outcome's updated_at, "" when none
    language: str  # the reporter's language
    channel: str
    created_at: datetime
    extension_days: int


async def tip_state(core: Core, staff: StaffUser, tip_id: int) -> TipState | None:
    """None when the tip is missing or out of this person's scope (the action that follows
    refuses it and audits the attempt)."""
    async with core.db.session() as session:
        tip = await session.get(Tip, tip_id)
        if tip is None:
            return None
        assignments = list((await session.scalars(select(Assignment).where(Assignment.tip_id == tip_id))).all())
        if not can_see(core, staff, tip, assignments):
            return None
        outcome = await session.get(Outcome, tip_id)
    return TipState(
        version=aware(tip.updated_at).isoformat(),
        outcome_version=aware(outcome.updated_at).isoformat() if outcome else "",
        language=tip.language, channel=tip.channel, created_at=aware(tip.created_at),
        extension_days=tip.extension_days or 0,
    )
