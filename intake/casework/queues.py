"""Work queues for staff: a unit's tips by view (new, mine, overdue, waiting for the reporter,
answered by the reporter), filtered by status, category, region and submission date, urgent
first, a page at a time.

Scope is the same as casefile.queue's (staff.visible_units); pages are keyset-paginated on
(priority rank, id), and each query walks an index in that order (the columns the workflow
keeps on tips and assignments, migrations 0006b and 0018c), so the millionth tip costs what the
first does: a unit's queue walks ix_assignments_queue, its views by status (new, waiting, a status
filter) ix_assignments_status_queue, "answered" ix_assignments_answered_queue, "mine"
ix_tips_assignee_queue; a coordinator's ix_tips_queue, "answered" ix_tips_answered_queue.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, or_, select, true

from intake.casework import search
from intake.casework.casefile import overdue
from intake.platform.clock import aware
from intake.platform.core import Core
from intake.domain.ids import parse_id
from intake.platform.models.staff import StaffUser
from intake.platform.models.tip_records import Outcome
from intake.platform.models.tips import Assignment, Tip
from intake.staff.staff import UNIT_ROLES, can_see, staff_region, visible_units
from intake.domain.workflow import ACTIVE, Status

VIEWS = ("all", "new", "mine", "overdue", "waiting", "answered")
PAGE_SIZE = 50
#: How many of a unit's tips a search asks the search index about one by one before it collects
#: the matches from the search index instead (see _searched_unit_page), and how many matches in
#: the whole index make a word frequent enough to be asked about tip by tip at all (a rarer word's
#: matches are collected at once: few, and a page of the unit's tips would hold few of them).
SEARCH_WINDOW = 1000
SEARCH_FREQUENT = 5000
# What a queue row shows: plain columns, not whole tips (no JSON answers to parse per row).
_COLUMNS = (
    Tip.id, Tip.status, Tip.category, Tip.priority, Tip.region_code, Tip.lead_unit, Tip.created_at, Tip.accept_due,
    Tip.finish_due, Tip.paused_at, Tip.reporter_answered, Tip.assignee, Tip.queue_rank,
    StaffUser.display_name.label("assignee_name"),
)


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
    assignee: str | None = None  # the lead unit's member the tip is assigned to
    assignee_name: str | None = None  # their display name


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueItem]
    next_cursor: str | None  # pass as `after` for the next page


@dataclass(frozen=True)
class QueueFilter:
    """What narrows a queue besides its view; dates are local calendar days, both included."""

    status: str | None = None
    category: str | None = None
    region: str | None = None
    start: date | None = None
    end: date | None = None


def _utc(moment: datetime) -> datetime:
    # SQLite compares the stored text, which is written in UTC.
    return moment.astimezone(timezone.utc)


def _day_start(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0, 0), ZoneInfo(tz)).astimezone(timezone.utc)


MAX_RANK = 2**15 - 1  # queue_rank is a SMALLINT


def _parse_cursor(cursor: str | None) -> tuple[int, int] | None:
    if not cursor:
        return None
    rank_text, _, id_text = cursor.partition(".")
    rank, tip_id = parse_id(rank_text, minimum=0, maximum=MAX_RANK), parse_id(id_text)
    return (rank, tip_id) if rank is not None and tip_id is not None else None


def _conditions(core: Core, staff: StaffUser, view: str, wanted: QueueFilter, *, unit_walk: bool) -> list:
    """The view's and the filters' conditions. On a walk of a unit's assignments the status and
    the reporter's answer are the assignment row's own copies (an index each, in queue order:
    ix_assignments_status_queue, ix_assignments_answered_queue), so a view of few tips reads
    only them; elsewhere they are the tip's."""
    now = _utc(core.clock.now())
    found = []
    status_, category_, region_, created_ = _plain(Tip.status), _plain(Tip.category), _plain(Tip.region_code), _plain(Tip.created_at)
    indexed_status = Assignment.tip_status if unit_walk else status_
    if view == "new":
        found.append(indexed_status == Status.SUBMITTED)
    elif view == "mine":
        found.append(Tip.assignee == staff.username)
    elif view == "overdue":
        found.append(or_(
            and_(status_ == Status.SUBMITTED, Tip.accept_due < now),
            and_(status_.in_(ACTIVE), Tip.paused_at.is_(None), Tip.finish_due < now),
        ))
    elif view == "waiting":
        found.append(indexed_status == Status.NEEDS_INFO)
    elif view == "answered":
        found.append((Assignment.reporter_answered if unit_walk else Tip.reporter_answered) == true())
    if wanted.status:
        found.append(indexed_status == wanted.status)
    if wanted.category:
        found.append(category_ == wanted.category)
    if wanted.region:
        found.append(region_.in_(core.deployment.region_and_below(wanted.region)))
    tz = core.settings.timezone
    if wanted.start:
        found.append(created_ >= _day_start(wanted.start, tz))
    if wanted.end:
        found.append(created_ < _day_start(wanted.end + timedelta(days=1), tz))
    return found


def _plain(column):  # noqa: ANN001, ANN202 - a SQLAlchemy column
    """The column as an expression no index matches: the queue walks its own index in the
    queue's order and filters as it goes, instead of letting the planner (SQLite without
    statistics) fetch every tip of a status or category by their index and sort them all."""
    return func.coalesce(column, column)


def _scope(core: Core, staff: StaffUser, units: set[str]):  # noqa: ANN202 - a SQL condition
    """staff.tips_in_scope, written for a walk of the tips' queue indexes: a unit's membership
    checked per tip (EXISTS on its assignments), a region's with plain columns."""
    if staff.role in UNIT_ROLES:
        return exists().where(Assignment.tip_id == Tip.id, Assignment.unit_code.in_(units), Assignment.active == true())
    region = staff_region(core, staff) or core.deployment.root_region().code
    return or_(_plain(Tip.lead_unit).in_(units), _plain(Tip.region_code).in_(core.deployment.region_and_below(region)))


async def unit_queue(
    core: Core, staff: StaffUser, *, view: str = "all", status: str | None = None, category: str | None = None,
    after: str | None = None, limit: int = PAGE_SIZE, filters: QueueFilter | None = None, q: str | None = None,
) -> QueuePage:
    """One page of the tips this person may see, urgent first, then newest first; `q` is the
    search box's text (intake/casework/search.py)."""
    wanted = filters or QueueFilter(status=status, category=category)
    units = visible_units(core, staff)  # None or empty exactly when staff.tips_in_scope is None
    if not units:
        return QueuePage([], None)
    cursor = _parse_cursor(after)
    unit_walk = staff.role in UNIT_ROLES and view != "mine"
    conditions = _conditions(core, staff, view, wanted, unit_walk=unit_walk)
    probe = search.probe(core.db.dialect, q, Assignment.tip_id) if q and unit_walk else None
    if q and probe is None:
        found = search.condition(core.db.dialect, q)
        if found is not None:
            conditions.append(found)
    if unit_walk:
        # A unit's queue: its assignment rows in queue order, each joined to its tip.
        rank, tip_id = Assignment.queue_rank, Assignment.tip_id
        query = (
            select(*_COLUMNS).join(Assignment, Assignment.tip_id == Tip.id).outerjoin(StaffUser, StaffUser.username == Tip.assignee)
            .where(Assignment.unit_code == next(iter(units)), Assignment.active == true(), *conditions)
        )
    else:
        # A coordinator's region, or a view that picks few tips: the tips' own index.
        rank, tip_id = Tip.queue_rank, Tip.id
        query = select(*_COLUMNS).outerjoin(StaffUser, StaffUser.username == Tip.assignee).where(_scope(core, staff, units), *conditions)
    if cursor:
        after_rank, after_id = cursor
        query = query.where(or_(rank > after_rank, and_(rank == after_rank, tip_id < after_id)))
    query = query.order_by(rank, tip_id.desc()).limit(limit + 1)
    async with core.db.session() as session:
        if probe is not None and await session.scalar(search.hits_at_most(core.db.dialect, q, SEARCH_FREQUENT)) >= SEARCH_FREQUENT:
            tips = await _searched_unit_page(session, query, probe, search.condition(core.db.dialect, q), next(iter(units)), cursor, limit)
        else:
            if probe is not None:  # a rare word: collect its few matches from the search index
                query = query.where(search.condition(core.db.dialect, q))
            tips = list((await session.execute(query)).all())
    moment = core.clock.now()
    items = [
        QueueItem(
            id=tip.id, status=tip.status, category=tip.category, priority=tip.priority, region=tip.region_code,
            lead_unit=tip.lead_unit, created_at=aware(tip.created_at),
            accept_due=aware(tip.accept_due) if tip.accept_due else None,
            finish_due=aware(tip.finish_due) if tip.finish_due else None,
            overdue=overdue(tip, moment), answered=bool(tip.reporter_answered), assignee=tip.assignee,
            assignee_name=tip.assignee_name,
        )
        for tip in tips[:limit]
    ]
    last = tips[limit - 1] if len(tips) > limit else None
    next_cursor = f"{last.queue_rank}.{last.id}" if last is not None else None
    return QueuePage(items, next_cursor)


async def _searched_unit_page(session, query, probe, found, unit: str, cursor, limit: int) -> list:  # noqa: ANN001
    """A searched page of a unit's queue, for a frequent word. The walk of the unit's index asks
    the search index about each tip in turn (search.probe) and stops at a full page, but only
    over the next SEARCH_WINDOW tips of the queue: a word frequent there fills the page within
    them. When the window does not fill the page (a word frequent elsewhere, or the filters
    leave few tips), the matches are collected from the search index instead (search.condition),
    as for a rare word."""
    edge = select(Assignment.queue_rank, Assignment.tip_id).where(Assignment.unit_code == unit, Assignment.active == true())
    if cursor:
        edge = edge.where(or_(Assignment.queue_rank > cursor[0], and_(Assignment.queue_rank == cursor[0], Assignment.tip_id < cursor[1])))
    last = (await session.execute(
        edge.order_by(Assignment.queue_rank, Assignment.tip_id.desc()).offset(SEARCH_WINDOW - 1).limit(1)
    )).first()
    window = query.where(probe)
    if last is not None:  # the window's last tip, in queue order
        window = window.where(or_(Assignment.queue_rank < last[0], and_(Assignment.queue_rank == last[0], Assignment.tip_id >= last[1])))
    tips = list((await session.execute(window)).all())
    if last is None or len(tips) > limit:
        return tips  # the whole rest of the queue was walked, or the page is full
    return list((await session.execute(query.where(found))).all())


@dataclass(frozen=True)
class TipState:
    """What a form needs to notice that someone else acted on the tip since it was shown."""

    version: str  # the tip's updated_at
    outcome_version: str  # the outcome's updated_at, "" when none
    language: str  # the reporter's language
    channel: str
    created_at: datetime
    extension_days: int
    lead_unit: str | None = None


def state_of(file) -> TipState:  # noqa: ANN001 - casefile.TipFile, read in the same session as the page
    """The TipState of a tip file just read (the tip page needs no second read of the tip)."""
    return TipState(
        version=file.version, outcome_version=file.outcome_version, language=file.language, channel=file.channel,
        created_at=file.created_at, extension_days=file.extension_days, lead_unit=file.lead_unit,
    )


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
        extension_days=tip.extension_days or 0, lead_unit=tip.lead_unit,
    )
