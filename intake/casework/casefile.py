"""Reading tips as staff: the queue of a unit, one tip's file, and revealing the reporter.

Scope is enforced here, once: a tip outside a person's scope is "not found", and the attempt
is audited. The reporter's identity is hidden unless revealed with a reason (audited).
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from i18n import N_, Translator
from intake.platform import audit
from intake.domain import purposes
from intake.casework.casework import CaseworkError, Loaded, TipNotFound, capacities
from intake.platform.clock import aware
from intake.domain.conversation import display_value
from intake.platform.core import Core
from intake.domain.messages import render
from intake.platform.attachments import StoredFile
from intake.platform.attachments import load as load_attachment
from intake.platform.models.notifications import Notification
from intake.platform.models.reporting import Attachment
from intake.platform.models.staff import StaffUser
from intake.platform.models.tip_records import Outcome, Rating, ReporterMessage, TipMatchKey, TipNote
from intake.platform.models.tips import Assignment, Person, StatusEvent, Tip
from intake.domain.questionnaire import PERSONAL_KEYS, QUESTIONS
from intake.domain.routing import Reason, render_reason
from intake.staff.staff import can_see, tips_in_scope
from intake.domain.workflow import ACTIVE, COORDINATOR, LEAD, STATUS_LABELS, UNIT, Status, allowed_targets



def overdue(tip: Tip, now: datetime) -> str | None:
    """"accept" or "finish" when that deadline has passed; the finish clock is paused while
    the tip waits for the reporter."""
    return overdue_of(tip.status, tip.accept_due, tip.finish_due, tip.paused_at, now)


def overdue_of(status: str, accept_due: datetime | None, finish_due: datetime | None, paused_at: datetime | None,
               now: datetime) -> str | None:
    """`overdue` from the tip's columns (a queue page reads only those)."""
    if status == Status.SUBMITTED and accept_due and now > aware(accept_due):
        return "accept"
    if status in ACTIVE and paused_at is None and finish_due and now > aware(finish_due):
        return "finish"
    return None


@dataclass(frozen=True)
class QueueRow:
    id: int
    status: str
    category: str
    priority: str
    lead_unit: str | None
    created_at: datetime
    overdue: str | None


async def queue(core: Core, staff: StaffUser, *, status: str | None = None, limit: int = 50) -> list[QueueRow]:
    scope = tips_in_scope(core, staff)
    if scope is None:
        return []
    async with core.db.session() as session:
        query = select(Tip).where(scope)
        if status:
            query = query.where(Tip.status == status)
        tips = (await session.scalars(query.order_by(Tip.id.desc()).limit(limit))).all()
    now = core.clock.now()
    rank = {"urgent": 0, "high": 1, "normal": 2}
    rows = [QueueRow(t.id, t.status, t.category, t.priority, t.lead_unit, aware(t.created_at), overdue(t, now)) for t in tips]
    return sorted(rows, key=lambda r: (rank.get(r.priority, 3), r.overdue is None, -r.id))


@dataclass
class TipFile:
    id: int
    status: str
    status_label: str
    category: str
    category_label: str
    suggestion: dict | None
    priority: str
    region: str
    lead_unit: str | None
    assisting: list[str]
    reasons: list[str]
    answers: list[tuple[str, str]]  # (question, answer) in the staff member's language
    timeline: list[dict]
    notes: list[dict]
    replies: list[dict]
    outcome: dict | None
    accept_due: datetime | None
    finish_due: datetime | None
    overdue: str | None
    next_statuses: list[str]
    anonymous: bool
    capacities: set[str]
    assignee: str | None = None  # the lead unit's member it is assigned to (intake/casework/assignment.py)
    files: list[dict] = field(default_factory=list)  # the evidence: number (1 = first sent), kind, media type, size, at
    # What the page's forms carry to notice a concurrent change (queues.TipState), read here
    # with the tip rather than again by tip_state.
    version: str = ""
    outcome_version: str = ""
    language: str = ""
    channel: str = ""
    created_at: datetime | None = None
    extension_days: int = 0
    # Read with the tip for the page's panels, rather than again: (action, detail) of each
    # timeline step and the staff translations of the reporter's words.
    details: list[tuple[str, dict | None]] = field(default_factory=list)
    words_translation: dict = field(default_factory=dict)
    # Whether the tip has match keys (duplicates.possible_duplicates) and notices to the reporter or
    # alerts to units (intake/notify/delivery_report.py), read with the tip: the page skips the reads
    # that would find nothing.
    has_match_keys: bool = True
    has_notifications: bool = True
    # The reporter's rating and what they said went wrong, for the lead of the tip's unit and the
    # coordinators only (an officer may be the one it is about); never with the reporter's identity.
    rating: dict | None = None


async def load_visible(core: Core, session, staff: StaffUser, tip_id: int, action: str) -> Loaded:
    tip = await session.get(Tip, tip_id)
    assignments = list((await session.scalars(select(Assignment).where(Assignment.tip_id == tip_id))).all()) if tip else []
    return await _visible(core, staff, tip_id, tip, assignments, action)


async def _visible(core: Core, staff: StaffUser, tip_id: int, tip: Tip | None, assignments: list[Assignment], action: str) -> Loaded:
    """The tip just read (None: missing) and its assignments, when this person may see it;
    otherwise the attempt is audited and the tip is "not found"."""
    if tip is None or not can_see(core, staff, tip, assignments):
        await audit.record_now(core, staff.username, f"refused:{action}", tip_id, reason="out of scope or missing")
        raise TipNotFound()
    return Loaded(tip, assignments)


async def tip_file(core: Core, staff: StaffUser, tip_id: int) -> TipFile:
    """One tip as staff read it (without the reporter's identity); the view is audited."""
    language = staff.language
    _ = Translator(language)
    deployment = core.deployment
    async with core.db.session() as session:
        found = (await session.execute(_TIP_FILE, {"tip_id": tip_id})).all()
        tip, outcome, rating = (found[0][0], found[0][1], found[0][2]) if found else (None, None, None)
        loaded = await _visible(core, staff, tip_id, tip, [row[3] for row in found if row[3] is not None], "view")
        has_notes, has_replies, has_files, has_match_keys, has_notifications = (bool(flag) for flag in found[0][4:])
        events = (await session.scalars(_EVENTS, {"tip_id": tip_id})).all()
        notes = (await session.scalars(_NOTES, {"tip_id": tip_id})).all() if has_notes else []
        replies = (await session.scalars(_REPLIES, {"tip_id": tip_id})).all() if has_replies else []
        files = (await session.execute(
            _files_of(tip_id, Attachment.kind, Attachment.media_type, Attachment.size, Attachment.created_at))).all() if has_files else []
    await audit.record_now(core, staff.username, "tip.view", tip_id)
    caps = capacities(core, staff, loaded)
    answers = [
        (_(step.summary_label or step.question), display_value(step, tip.answers.get(step.key), language, deployment))
        for step in QUESTIONS
        if step.key in tip.answers and step.key not in PERSONAL_KEYS
    ]
    return TipFile(
        id=tip.id,
        status=tip.status,
        status_label=_(STATUS_LABELS[Status(tip.status)]),
        category=tip.category,
        category_label=deployment.category_label(tip.category, language),
        suggestion=tip.suggestion,
        priority=tip.priority,
        region=tip.region_code,
        lead_unit=tip.lead_unit,
        assisting=[a.unit_code for a in loaded.assignments if a.active and a.role == "assisting"],
        reasons=[render_reason(Reason.from_dict(r), language, deployment) for r in (tip.routing or {}).get("reasons", [])],
        answers=answers,
        timeline=[
            {
                "at": aware(e.at), "action": e.action, "from": e.from_status, "to": e.to_status, "actor": e.actor,
                "public": render(e.public_message, language, deployment), "internal": e.internal_note,
            }
            for e in events
        ],
        notes=[{"at": aware(n.at), "kind": n.kind, "unit": n.unit_code, "author": n.author, "text": n.text} for n in notes],
        replies=[{"at": aware(r.at), "language": r.language, "text": r.text} for r in replies],
        outcome={k: getattr(outcome, k) for k in ("penalty_decision_no", "penalty_date", "criminal_case_filed", "convicted", "money_recovered_fen", "already_known")} if outcome else None,
        accept_due=aware(tip.accept_due) if tip.accept_due else None,
        finish_due=aware(tip.finish_due) if tip.finish_due else None,
        overdue=overdue(tip, core.clock.now()),
        next_statuses=[s.value for s in allowed_targets(tip.status)],
        anonymous=tip.anonymous,
        capacities=caps,
        assignee=tip.assignee,
        files=[{"number": n, "kind": f.kind, "media_type": f.media_type, "size": f.size, "at": aware(f.created_at)}
               for n, f in enumerate(files, start=1)],
        version=aware(tip.updated_at).isoformat(),
        outcome_version=aware(outcome.updated_at).isoformat() if outcome else "",
        language=tip.language, channel=tip.channel, created_at=aware(tip.created_at), extension_days=tip.extension_days or 0,
        details=[(e.action, e.detail) for e in events], words_translation=tip.reporter_words_translation or {},
        has_match_keys=has_match_keys, has_notifications=has_notifications,
        rating={"satisfied": rating.satisfied, "comment": rating.comment, "at": aware(rating.at)}
        if rating is not None and caps & {LEAD, COORDINATOR} else None,
    )


# What tip_file asks the existence of, in this order.
_BESIDE = (TipNote, ReporterMessage, Attachment, TipMatchKey, Notification)
# tip_file's reads, built once (every view of a tip page runs them; the tip's id is the parameter).
# The tip, its outcome (one row or none) and its assignments (a row each) in one read, with whether
# it has notes, replies, files, match keys and notifications (an index probe each): what it has not
# is not read again.
_TIP_FILE = (
    select(Tip, Outcome, Rating, Assignment, *(exists().where(table.tip_id == bindparam("tip_id")) for table in _BESIDE))
    .outerjoin(Outcome, Outcome.tip_id == Tip.id).outerjoin(Rating, Rating.tip_id == Tip.id)
    .outerjoin(Assignment, Assignment.tip_id == Tip.id).where(Tip.id == bindparam("tip_id")).order_by(Assignment.id)
)
_EVENTS = select(StatusEvent).where(StatusEvent.tip_id == bindparam("tip_id")).order_by(StatusEvent.id)
_NOTES = select(TipNote).where(TipNote.tip_id == bindparam("tip_id")).order_by(TipNote.id)
_REPLIES = select(ReporterMessage).where(ReporterMessage.tip_id == bindparam("tip_id")).order_by(ReporterMessage.id)


def _files_of(tip_id: int, *columns):
    """A tip's files in the order they were sent: a file's number on the page is its place here."""
    return select(*columns).where(Attachment.tip_id == tip_id).order_by(Attachment.created_at, Attachment.id)


async def evidence_file(core: Core, staff: StaffUser, tip_id: int, number: int) -> StoredFile:
    """One of the tip's files (1 = the first sent) for staff who may see the tip. Evidence can
    show people, so every view is audited; a file of a tip out of scope is "not found"."""
    async with core.db.session() as session:
        await load_visible(core, session, staff, tip_id, "file")
        ids = (await session.scalars(_files_of(tip_id, Attachment.id))).all()
    stored = await load_attachment(core, ids[number - 1]) if 1 <= number <= len(ids) else None
    if stored is None:
        raise TipNotFound()
    await audit.record_now(core, staff.username, "tip.file_view", tip_id, file=number)
    return stored


#: Who may reveal beyond the lead unit, and on which tips: role -> (session, tip id) -> whether the
#: tip is one where that role needs the identity. The reward administrator's rule (a tip where an
#: award is at stake: intake.rewards.eligibility.is_reward_case) is registered by the composition root.
RevealRule = Callable[[AsyncSession, int], Awaitable[bool]]
_reveal_rules: dict[str, RevealRule] = {}


def allow_reveal(role: str, rule: RevealRule) -> None:
    _reveal_rules[role] = rule


async def reveal_reporter(core: Core, staff: StaffUser, tip_id: int, *, reason: str) -> dict:
    """The reporter's and victim's identity and contact, for the lead unit (to call back) or a
    role with a rule of its own (a reward administrator on a reward case); always with a reason,
    always audited."""
    if not reason.strip():
        raise CaseworkError(N_("Say why you need the reporter's identity."))
    async with core.db.session() as session:
        loaded = await load_visible(core, session, staff, tip_id, "reveal")
        caps = capacities(core, staff, loaded)
        if not caps & {UNIT, LEAD}:
            rule = _reveal_rules.get(staff.role)
            if rule is None:
                await audit.record_now(core, staff.username, "refused:reveal", tip_id, reason="role")
                raise TipNotFound()
            if not await rule(session, tip_id):  # a region is wide: only where the role's work needs it
                await audit.record_now(core, staff.username, "refused:reveal", tip_id, reason=f"no case for {staff.role}")
                raise TipNotFound()
        tip = loaded.tip
        people = {}
        for role, person_id in (("reporter", tip.reporter_id), ("victim", tip.victim_id)):
            person = await session.get(Person, person_id) if person_id else None
            if person is not None:
                data = core.keys.open_json(person.sealed, purpose=purposes.PEOPLE)
                data.pop("channel_address", None)  # a chat id is for delivery, not for people
                people[role] = data
    await audit.record_now(core, staff.username, "personal_data.reveal", tip_id, reason=reason)
    return people
