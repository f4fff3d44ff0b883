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
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, SmallInteger, and_, bindparam, exists, func, or_, select, true
from sqlalchemy.orm import aliased

from intake.casework import search
from intake.casework.casefile import overdue_of
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


class _Shape(NamedTuple):
    """What decides a queue query's SQL (its values are parameters): one statement is built per
    shape and kept (_statement), so a page pays neither for building the query's expression nor
    for SQLAlchemy's look-up of its compiled form (the key of a statement built once is kept with it)."""

    dialect: str
    unit_walk: bool  # a unit's assignment rows in queue order; else the tips' own index
    unit_scope: bool  # scope by a unit's assignments (EXISTS), else by a region
    view: str
    status: bool
    category: bool
    region: bool
    start: bool
    end: bool
    cursor: bool
    limit: int
    search: str  # "", "matches" (collected from the search index), "window" (asked tip by tip, over the next `window` tips)
    window: int = 0


def _conditions(shape: _Shape) -> list:
    """The view's and the filters' conditions, with named parameters. On a walk of a unit's
    assignments the status and the reporter's answer are the assignment row's own copies (an
    index each, in queue order: ix_assignments_status_queue, ix_assignments_answered_queue), so a
    view of few tips reads only them; elsewhere they are the tip's."""
    found = []
    status_, category_, region_, created_ = _plain(Tip.status), _plain(Tip.category), _plain(Tip.region_code), _plain(Tip.created_at)
    indexed_status = Assignment.tip_status if shape.unit_walk else status_
    view = shape.view
    if view == "new":
        found.append(indexed_status == Status.SUBMITTED.value)
    elif view == "mine":
        found.append(Tip.assignee == bindparam("username"))
    elif view == "overdue":
        now = bindparam("now", type_=Tip.accept_due.type)
        found.append(or_(
            and_(status_ == Status.SUBMITTED.value, Tip.accept_due < now),
            and_(status_.in_([s.value for s in ACTIVE]), Tip.paused_at.is_(None), Tip.finish_due < now),
        ))
    elif view == "waiting":
        found.append(indexed_status == Status.NEEDS_INFO.value)
    elif view == "answered":
        found.append((Assignment.reporter_answered if shape.unit_walk else Tip.reporter_answered) == true())
    if shape.status:
        found.append(indexed_status == bindparam("status"))
    if shape.category:
        found.append(category_ == bindparam("category"))
    if shape.region:
        found.append(region_.in_(bindparam("regions_wanted", expanding=True)))
    if shape.start:
        found.append(created_ >= bindparam("start", type_=Tip.created_at.type))
    if shape.end:
        found.append(created_ < bindparam("end", type_=Tip.created_at.type))
    return found


def _plain(column):  # noqa: ANN001, ANN202 - a SQLAlchemy column
    """The column as an expression no index matches: the queue walks its own index in the
    queue's order and filters as it goes, instead of letting the planner (SQLite without
    statistics) fetch every tip of a status or category by their index and sort them all."""
    return func.coalesce(column, column)


def _scope(unit_scope: bool):  # noqa: ANN202 - a SQL condition
    """staff.tips_in_scope, written for a walk of the tips' queue indexes: a unit's membership
    checked per tip (EXISTS on its assignments), a region's with plain columns."""
    if unit_scope:
        return exists().where(Assignment.tip_id == Tip.id, Assignment.unit_code.in_(bindparam("units", expanding=True)),
                              Assignment.active == true())
    return or_(_plain(Tip.lead_unit).in_(bindparam("units", expanding=True)),
               _plain(Tip.region_code).in_(bindparam("scope_regions", expanding=True)))


@lru_cache(maxsize=256)
def _statement(shape: _Shape):  # noqa: ANN202 - a SELECT
    conditions = _conditions(shape)
    if shape.search == "matches":
        conditions.append(search.condition_of(shape.dialect))
    if shape.unit_walk:
        # A unit's queue: its assignment rows in queue order, each joined to its tip.
        rank, tip_id = Assignment.queue_rank, Assignment.tip_id
        query = (
            select(*_COLUMNS).join(Assignment, Assignment.tip_id == Tip.id).outerjoin(StaffUser, StaffUser.username == Tip.assignee)
            .where(Assignment.unit_code == bindparam("unit"), Assignment.active == true(), *conditions)
        )
    else:
        # A coordinator's region, or a view that picks few tips: the tips' own index.
        rank, tip_id = Tip.queue_rank, Tip.id
        query = select(*_COLUMNS).outerjoin(StaffUser, StaffUser.username == Tip.assignee).where(_scope(shape.unit_scope), *conditions)
    if shape.cursor:
        after_rank = bindparam("after_rank", type_=SmallInteger)
        query = query.where(or_(rank > after_rank, and_(rank == after_rank, tip_id < bindparam("after_id", type_=Integer))))
    if shape.search == "window":
        # Asked of the search index tip by tip (search.probe_condition), over the next `window` tips
        # of the unit's queue: up to the one `window` places on (its rank and id found once, as
        # uncorrelated subqueries), or to the queue's end when it is shorter.
        query = query.where(search.probe_condition(shape.dialect, Assignment.tip_id))
        edge = aliased(Assignment)
        walk = select(edge.queue_rank).where(edge.unit_code == bindparam("unit"), edge.active == true())
        if shape.cursor:
            after_rank = bindparam("after_rank", type_=SmallInteger)
            walk = walk.where(or_(edge.queue_rank > after_rank,
                                  and_(edge.queue_rank == after_rank, edge.tip_id < bindparam("after_id", type_=Integer))))
        walk = walk.order_by(edge.queue_rank, edge.tip_id.desc()).offset(shape.window - 1).limit(1)
        edge_rank = func.coalesce(walk.scalar_subquery(), MAX_RANK + 1)
        edge_id = walk.with_only_columns(edge.tip_id).scalar_subquery()
        query = query.where(or_(rank < edge_rank, and_(rank == edge_rank, tip_id >= edge_id)))
    return query.order_by(rank, tip_id.desc()).limit(shape.limit + 1)


def _parameters(core: Core, staff: StaffUser, shape: _Shape, units: set[str], wanted: QueueFilter, cursor) -> dict:  # noqa: ANN001
    values: dict = {}
    if shape.unit_walk:
        values["unit"] = next(iter(units))
    else:
        values["units"] = sorted(units)
        if not shape.unit_scope:
            values["scope_regions"] = sorted(core.deployment.region_and_below(staff_region(core, staff) or core.deployment.root_region().code))
    if shape.view == "mine":
        values["username"] = staff.username
    elif shape.view == "overdue":
        values["now"] = _utc(core.clock.now())
    if wanted.status:
        values["status"] = wanted.status
    if wanted.category:
        values["category"] = wanted.category
    if wanted.region:
        values["regions_wanted"] = sorted(core.deployment.region_and_below(wanted.region))
    tz = core.settings.timezone
    if wanted.start:
        values["start"] = _day_start(wanted.start, tz)
    if wanted.end:
        values["end"] = _day_start(wanted.end + timedelta(days=1), tz)
    if cursor:
        values["after_rank"], values["after_id"] = cursor
    return values


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
    dialect = core.db.dialect
    unit_walk = staff.role in UNIT_ROLES and view != "mine"
    probing = search.probe_params(dialect, q) if q and unit_walk else None
    matching = search.query_params(dialect, q) if q else None
    shape = _Shape(
        dialect=dialect, unit_walk=unit_walk, unit_scope=staff.role in UNIT_ROLES, view=view, status=bool(wanted.status),
        category=bool(wanted.category), region=bool(wanted.region), start=bool(wanted.start), end=bool(wanted.end),
        cursor=cursor is not None, limit=limit, search="matches" if matching else "",
    )
    values = {**_parameters(core, staff, shape, units, wanted, cursor), **(matching or {}), **(probing or {})}
    async with core.db.session() as session:
        if probing is not None and await _frequent(core, session, matching):
            tips = await _searched_unit_page(session, shape, values, limit)
        else:  # no search, or a rare word: its few matches are collected from the search index
            tips = list((await session.execute(_statement(shape), values)).all())
    moment = core.clock.now()
    # Each row's columns unpacked in _COLUMNS' order (a Row's attribute look-up costs more, per cell).
    items = [
        QueueItem(
            tip_id, status_, category_, priority, region, lead_unit, aware(created_at),
            aware(accept_due) if accept_due else None, aware(finish_due) if finish_due else None,
            overdue_of(status_, accept_due, finish_due, paused_at, moment), bool(answered), assignee, assignee_name,
        )
        for (tip_id, status_, category_, priority, region, lead_unit, created_at, accept_due, finish_due, paused_at, answered,
             assignee, _rank, assignee_name) in tips[:limit]
    ]
    last = tips[limit - 1] if len(tips) > limit else None
    next_cursor = f"{last.queue_rank}.{last.id}" if last is not None else None
    return QueuePage(items, next_cursor)


#: Search texts known to match at least SEARCH_FREQUENT tips of a database (one count of the index
#: saved per search). Only "frequent" is remembered: tips are never deleted, so a word that was
#: frequent stays so, and the answer only picks how a page is found, never what it holds
#: (tests/test_search.py compares both ways).
_FREQUENT: dict[tuple[str, str, int], bool] = {}
_FREQUENT_KEPT = 1000


async def _frequent(core: Core, session, matching: dict) -> bool:  # noqa: ANN001 - an AsyncSession
    key = (str(core.db.url), matching["search_q"], SEARCH_FREQUENT)
    if key in _FREQUENT:
        return True
    if await session.scalar(search.count_at_most_of(core.db.dialect, SEARCH_FREQUENT), matching) < SEARCH_FREQUENT:
        return False
    if len(_FREQUENT) >= _FREQUENT_KEPT:
        _FREQUENT.clear()
    _FREQUENT[key] = True
    return True


async def _searched_unit_page(session, shape: _Shape, values: dict, limit: int) -> list:  # noqa: ANN001
    """A searched page of a unit's queue, for a frequent word. The walk of the unit's index asks
    the search index about each tip in turn (search.probe_condition) and stops at a full page,
    but only over the next SEARCH_WINDOW tips of the queue: a word frequent there fills the page
    within them. When the window does not fill the page (a word frequent elsewhere, the filters
    leave few tips, or the queue ends), the matches are collected from the search index instead
    (search.condition_of), as for a rare word: the same page."""
    tips = list((await session.execute(_statement(shape._replace(search="window", window=SEARCH_WINDOW)), values)).all())
    if len(tips) > limit:
        return tips
    return list((await session.execute(_statement(shape), values)).all())


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
