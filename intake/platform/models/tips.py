"""A tip and its spine: the sealed people it names, its timeline of status events, and its
assignments to units (each carrying the tip's queue rank)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, LargeBinary, SmallInteger, String, Text, event, inspect, select, text, update
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from intake.platform.models.base import Base


PRIORITY_RANKS = {"urgent": 0, "high": 1}


def priority_rank(priority: str | None) -> int:
    """The queue's order of priorities: urgent first (0), then high (1), then normal (2)."""
    return PRIORITY_RANKS.get(priority or "normal", 2)


class Person(Base):
    """A reporter's or a victim's identity and contact details, sealed."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    # Look-up hashes are "<hash key id>:<hex>" (intake/platform/crypto.py lookup_hash), hence 100 characters.
    phone_hash: Mapped[str | None] = mapped_column(String(100), index=True)
    email_hash: Mapped[str | None] = mapped_column(String(100), index=True)
    created_at: Mapped[datetime]


class Tip(Base):
    """One structured report."""

    __tablename__ = "tips"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_hash: Mapped[str] = mapped_column(String(100), unique=True)
    pin_hash: Mapped[str] = mapped_column(String(100))
    draft_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    urgent: Mapped[bool] = mapped_column(default=False)
    category: Mapped[str] = mapped_column(String(40), index=True)
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    answers: Mapped[dict]
    language: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(20))
    channel_user_hash: Mapped[str | None] = mapped_column(String(100), index=True)
    anonymous: Mapped[bool] = mapped_column(default=True)
    notify: Mapped[bool] = mapped_column(default=False)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    victim_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    pin_failures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]

    # Routing (routing.py) and the suggested category (suggest.py), with their reasons.
    lead_unit: Mapped[str | None] = mapped_column(String(60), index=True)
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    routing: Mapped[dict | None]
    suggestion: Mapped[dict | None]
    # The 核查 clocks (workflow.py): due dates, the pause while waiting for the reporter,
    # the one extension.
    accept_due: Mapped[datetime | None]
    finish_due: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    extension_days: Mapped[int] = mapped_column(Integer, default=0)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tips.id"))
    # Staff translations of the reporter's own words (intake/casework/translations.py), marked with who made them.
    reporter_words_translation: Mapped[dict | None]
    # The tracking code, sealed (purposes.OWN_CODE), for the reporter's own chat to list (/mytips):
    # the draft's receipt expires, and tracking_hash cannot be read back. Retention erases it.
    sealed_code: Mapped[bytes | None] = mapped_column(LargeBinary)
    # When retention (intake/admin/retention.py) erased the reporter's personal data; the facts stay.
    personal_erased_at: Mapped[datetime | None]
    # The queue's columns (intake/casework/queues.py, intake/casework/assignment.py), kept by the workflow so a
    # page reads an index in the queue's order: 0 urgent, 1 high, 2 normal; the lead unit's
    # member the tip is assigned to; the reporter wrote after staff last acted.
    queue_rank: Mapped[int] = mapped_column(SmallInteger, default=lambda ctx: priority_rank(ctx.get_current_parameters().get("priority")))
    assignee: Mapped[str | None] = mapped_column(String(60))
    reporter_answered: Mapped[bool] = mapped_column(default=False)
    # The statistics' durations (intake/reports/statistics.py), in whole seconds, written by the
    # workflow (casework._move): submission to the first acceptance, and the first acceptance to
    # the first closing. A re-opened tip keeps them.
    accept_seconds: Mapped[int | None] = mapped_column(BigInteger)
    finish_seconds: Mapped[int | None] = mapped_column(BigInteger)

    events: Mapped[list[StatusEvent]] = relationship(
        back_populates="tip", order_by="StatusEvent.id", cascade="all, delete-orphan"
    )
    __table_args__ = (
        Index("ix_tips_queue", "queue_rank", id.desc()),
        Index("ix_tips_assignee_queue", "assignee", "queue_rank", id.desc()),
        Index("ix_tips_answered_queue", "reporter_answered", "queue_rank", id.desc()),
        # The statistics' live figures: overdue now (a walk of the late tips in deadline order)
        # and the median durations (a walk in the duration's order to the middle one).
        Index("ix_tips_late_accept", "status", "accept_due", "created_at", "region_code", "lead_unit"),
        Index("ix_tips_late_finish", "status", "paused_at", "finish_due", "created_at", "region_code", "lead_unit"),
        Index("ix_tips_accept_seconds", "accept_seconds", "created_at", "region_code", "lead_unit", "status",
              sqlite_where=text("accept_seconds IS NOT NULL"), postgresql_where=text("accept_seconds IS NOT NULL")),
        Index("ix_tips_finish_seconds", "finish_seconds", "created_at", "region_code", "lead_unit", "status",
              sqlite_where=text("finish_seconds IS NOT NULL"), postgresql_where=text("finish_seconds IS NOT NULL")),
    )


class _Counts:
    """The tips submitted in one local day or month (the deployment's time zone) in one group of
    the statistics: category, lead unit ('' for none), status and region, with what the campaign
    figures add up. Kept by database triggers on `tips` (migration 0018r), in the transaction
    that changes a tip, whichever code writes it: a re-routing, a category correction, a merge
    or a re-opening moves the tip's share from its old group to its new one."""

    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    lead_unit: Mapped[str] = mapped_column(String(60), primary_key=True)
    status: Mapped[str] = mapped_column(String(32), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    tips: Mapped[int] = mapped_column(Integer, default=0)
    unpaused: Mapped[int] = mapped_column(Integer, default=0)  # of which the clock runs (paused_at empty)
    money_lost_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    with_money_lost: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    accept_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    finished: Mapped[int] = mapped_column(Integer, default=0)
    finish_seconds: Mapped[int] = mapped_column(BigInteger, default=0)


class TipCountDay(_Counts, Base):
    __doc__ = _Counts.__doc__
    __tablename__ = "tip_counts_daily"
    __table_args__ = ({"sqlite_with_rowid": False},)

    day: Mapped[date] = mapped_column(Date, primary_key=True)


class TipCountMonth(_Counts, Base):
    """The same counts by month (`month`: its first day), so a year reads twelve rows a group."""

    __tablename__ = "tip_counts_monthly"
    __table_args__ = ({"sqlite_with_rowid": False},)

    month: Mapped[date] = mapped_column(Date, primary_key=True)


class StatusEvent(Base):
    """One step of a tip's timeline: a public message for the reporter, a note for staff."""

    __tablename__ = "status_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str | None] = mapped_column(String(80))
    # {"template": id, "params": {...}} or {"text": ..., "language": ..., "translations": {...}}
    public_message: Mapped[dict | None]
    internal_note: Mapped[str | None] = mapped_column(Text)
    # "status" for a status change; "reroute", "extension", "reply" keep the status.
    action: Mapped[str] = mapped_column(String(20), default="status")
    # Facts of an internal step, for staff: a call with the reporter (intake/casework/contacts.py), a
    # category change (intake/casework/categorising.py). Never shown to the reporter.
    detail: Mapped[dict | None]

    tip: Mapped[Tip] = relationship(back_populates="events")


class Assignment(Base):
    """A tip given to a unit, as lead or assisting; inactive once re-routed away."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    unit_code: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(10))  # "lead" or "assisting"
    assigned_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(default=True)
    # The tip's queue_rank, status and reporter-answered flag, copied when the row is written
    # (see _copy_tip_columns) and kept equal to the tip's when they change (_keep_assignments):
    # a unit's queue, and each of its views by status or by the reporter's answer, is then one
    # walk of one index of this table.
    queue_rank: Mapped[int] = mapped_column(SmallInteger, default=2)
    tip_status: Mapped[str] = mapped_column(String(32), default="submitted")
    reporter_answered: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        Index("ix_assignments_unit_active", "unit_code", "active"),
        Index("ix_assignments_queue", "unit_code", "active", "queue_rank", tip_id.desc()),
        Index("ix_assignments_status_queue", "unit_code", "active", "tip_status", "queue_rank", tip_id.desc()),
        Index("ix_assignments_answered_queue", "unit_code", "active", "reporter_answered", "queue_rank", tip_id.desc()),
    )


#: The tip's columns each of its assignment rows carries (Assignment's name for it).
COPIED_TO_ASSIGNMENTS = {"queue_rank": "queue_rank", "status": "tip_status", "reporter_answered": "reporter_answered"}


@event.listens_for(Assignment, "before_insert")
def _copy_tip_columns(_mapper, connection, target: Assignment) -> None:  # noqa: ANN001 - SQLAlchemy's types
    """Every assignment row carries its tip's rank, status and answered flag, whoever writes it
    (re-routing, the police brought in, a category change): from the tip in the same session when
    it is there (no query; its values are the ones this flush writes), else from the database."""
    session = object_session(target)
    tip = session.identity_map.get(identity_key(Tip, target.tip_id)) if session is not None else None
    values = {name: tip.__dict__.get(name) for name in COPIED_TO_ASSIGNMENTS} if tip is not None else {}
    if None in values.values() or not values:
        row = connection.execute(select(Tip.queue_rank, Tip.status, Tip.reporter_answered).where(Tip.id == target.tip_id)).first()
        values = dict(row._mapping) if row is not None else {"queue_rank": 2, "status": "submitted", "reporter_answered": False}
    for name, column in COPIED_TO_ASSIGNMENTS.items():
        setattr(target, column, values[name])


@event.listens_for(Tip, "after_update")
def _keep_assignments(_mapper, connection, target: Tip) -> None:  # noqa: ANN001 - SQLAlchemy's types
    """When a tip's status or answered flag changes (a move, a merge, the reporter's answer, staff
    acting on it), its assignment rows change with it, in the same flush and transaction. Every
    such change goes through the ORM (a Core UPDATE of these columns would bypass this: there is none)."""
    state = inspect(target)
    changed = {
        COPIED_TO_ASSIGNMENTS[name]: getattr(target, name)
        for name in ("status", "reporter_answered", "queue_rank") if state.attrs[name].history.has_changes()
    }
    if not changed:
        return
    connection.execute(update(Assignment).where(Assignment.tip_id == target.id).values(**changed))
    session = object_session(target)
    for held in list(session.identity_map.values()) if session is not None else ():
        if isinstance(held, Assignment) and held.tip_id == target.id:
            for column, value in changed.items():
                set_committed_value(held, column, value)


class CategoryExample(Base):
    """A category staff confirmed or corrected, with the tip's description scrubbed of names,
    numbers and addresses (intake/domain/scrubbing.py): a training example for the suggestion
    (issue 19). One per tip, the latest word; erased with the tip's personal data (retention)."""

    __tablename__ = "category_examples"

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), unique=True)
    category: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text)
    suggested: Mapped[str | None] = mapped_column(String(40))  # what the suggestion said, if it said anything
    confirmed_at: Mapped[datetime] = mapped_column(index=True)
