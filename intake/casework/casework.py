"""Staff work on a tip: moving it through the workflow, re-routing, extending the deadline,
findings and notes, the outcome; and the reporter's reply to a question.

Each function is one use case and one transaction (Zulip's do_* discipline): it checks,
writes the event, updates the tip and audits itself, and raises the domain events (e.g. "a step
for the reporter was written") whose handlers queue the notices in the same transaction
(intake/platform/unit_of_work.py); casework never imports the outbox.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from i18n import LANGUAGE_NAMES, N_
from intake.platform import audit
from intake.casework import search
from intake.domain.answers.invalid import Invalid
from intake.domain.events import PublicStepWritten, TipPassedToUnits
from intake.platform.clock import aware
from intake.platform.core import Core
from intake.platform.unit_of_work import raise_event, transaction
from intake.domain.messages import UNTRANSLATED_WARNING, PublicMessage, check_free_text
from intake.domain.refusals import Refused
from intake.platform.models.staff import StaffUser
from intake.platform.models.tip_records import Outcome, ReporterMessage, TipNote
from intake.platform.models.tips import Assignment, StatusEvent, Tip
from intake.domain.routing import find_unit
from intake.staff.staff import Role, can_see
from intake.domain.workflow import (
    ACTIVE, COORDINATOR, FINISH_DAYS, LEAD, MAX_EXTENSION_DAYS, NEEDS_OWN_MESSAGE, NO_ANSWER_DAYS,
    POLICE, REPORTER, REROUTE_FROM, REROUTE_WHO, TRANSITION_BY_STEP, UNIT, ACCEPT_DAYS, Status, due_after,
)


class CaseworkError(Refused):
    """A refused action, with a message id staff read in their language (describe)."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message, params)


class TipNotFound(CaseworkError):
    """No such tip, or not one this person may see: the two look the same on purpose."""

    def __init__(self) -> None:
        super().__init__(N_("Tip not found."))
        self.refused = True


@asynccontextmanager
async def unit_of_work(core: Core, staff: StaffUser | None, action: str, tip_id: int) -> AsyncIterator[AsyncSession]:
    """One transaction for an action; a refusal is audited after it rolls back (its own
    transaction, so the record survives and SQLite's one writer is free again)."""
    try:
        async with transaction(core) as session:
            yield session
    except CaseworkError as error:
        if getattr(error, "refused", False):
            await audit.record_now(core, staff.username if staff else REPORTER, f"refused:{action}", tip_id, reason=str(error))
        raise


@dataclass(frozen=True)
class Loaded:
    tip: Tip
    assignments: list[Assignment]


async def _load(session: AsyncSession, tip_id: int) -> Loaded | None:
    tip = await session.get(Tip, tip_id, with_for_update=True)
    if tip is None:
        return None
    assignments = list((await session.scalars(select(Assignment).where(Assignment.tip_id == tip_id))).all())
    return Loaded(tip, assignments)


def capacities(core: Core, staff: StaffUser, loaded: Loaded) -> set[str]:
    """In which capacities this person acts on this tip (workflow.UNIT, LEAD, …)."""
    found: set[str] = set()
    if not can_see(core, staff, loaded.tip, loaded.assignments):
        return found
    active_units = {a.unit_code for a in loaded.assignments if a.active}
    if staff.role in (Role.OFFICER, Role.UNIT_LEAD) and staff.unit_code:
        if staff.unit_code == loaded.tip.lead_unit:
            found.add(UNIT)
            if staff.role == Role.UNIT_LEAD:
                found.add(LEAD)
        elif staff.unit_code in active_units:
            found.add("assisting")
        unit = core.deployment.unit_by_code.get(staff.unit_code)
        if unit and unit.kind == core.deployment.routing.police_kind and staff.unit_code in active_units:
            found.add(POLICE)
    if staff.role == Role.COORDINATOR:
        found.add(COORDINATOR)
    return found


def _refuse(error: CaseworkError) -> CaseworkError:
    """Mark an error as a refusal of something the person may not do: it gets audited."""
    error.refused = True
    return error


async def open_for(core: Core, session: AsyncSession, staff: StaffUser, tip_id: int) -> tuple[Loaded, set[str]]:
    """The tip and what this person may do on it; else TipNotFound, which the unit of work audits
    under its own action."""
    loaded = await _load(session, tip_id)
    caps = capacities(core, staff, loaded) if loaded else set()
    if loaded is None or not caps:
        raise TipNotFound()
    return loaded, caps


def _public(core: Core, tip: Tip, target: str, public: PublicMessage | None) -> dict:
    """The public message to store: the given one (checked), else the status's template."""
    if public is None or (public.template is None and not public.text):
        if target in NEEDS_OWN_MESSAGE:
            raise CaseworkError(N_("Write the question for the reporter."))
        if target in core.deployment.template_by_id:
            return PublicMessage(template=target, params=_template_params(core, tip)).to_dict()
        return PublicMessage(template=target).to_dict()
    if public.template:
        if public.template not in core.deployment.template_by_id:
            raise CaseworkError(N_("Unknown reply template %(template)s."), template=public.template)
        return PublicMessage(template=public.template, params={**_template_params(core, tip), **public.params}).to_dict()
    text = check_free_text(public.text or "", core.deployment)
    if isinstance(text, Invalid):
        raise CaseworkError(text.message, **text.params)
    translations = {}
    for language, translated in public.translations.items():
        checked = check_free_text(translated, core.deployment)
        if isinstance(checked, Invalid):
            raise CaseworkError(checked.message, **checked.params)
        translations[language] = checked
    return PublicMessage(text=text, language=public.language or "zh_Hans", translations=translations).to_dict()


def _template_params(core: Core, tip: Tip) -> dict[str, object]:
    return {"unit": tip.lead_unit or "", "phone": core.deployment.unit_phone(tip.lead_unit)}


async def write_event(
    core: Core, session: AsyncSession, tip: Tip, *, to_status: str, actor: str, public: dict | None,
    internal_note: str | None, action: str = "status", notify: bool = True,
) -> StatusEvent:
    event = StatusEvent(
        tip_id=tip.id, at=core.clock.now(), from_status=tip.status, to_status=to_status, actor=actor,
        public_message=public, internal_note=internal_note, action=action,
    )
    session.add(event)
    await session.flush()
    if actor != REPORTER and action != "assign":  # staff acted: the reporter's last words are seen to
        tip.reporter_answered = False
    if notify and public:
        raise_event(session, PublicStepWritten(tip.id, event.id))
    return event


async def move_tip(
    core: Core, tip_id: int, target: str, *, staff: StaffUser | None, public: PublicMessage | None = None,
    internal_note: str | None = None, merged_into: int | None = None,
) -> StatusEvent:
    """Move a tip to `target`: the one way a status changes. `staff` None is the reporter."""
    async with unit_of_work(core, staff, "move", tip_id) as session:
        if staff is None:
            loaded, caps = await _load(session, tip_id), {REPORTER}
            if loaded is None:
                raise TipNotFound()
        else:
            loaded, caps = await open_for(core, session, staff, tip_id)
        return await _move(core, session, loaded, caps, target, staff, public, internal_note, merged_into)


async def _move(
    core: Core, session: AsyncSession, loaded: Loaded, caps: set[str], target: str, staff: StaffUser | None,
    public: PublicMessage | None, internal_note: str | None, merged_into: int | None,
) -> StatusEvent:
    tip = loaded.tip
    try:
        target_status = Status(target)
    except ValueError:
        raise CaseworkError(N_("Unknown status %(status)s."), status=target) from None
    actor = staff.username if staff else REPORTER
    transition = TRANSITION_BY_STEP.get((Status(tip.status), target_status))
    if transition is None:
        raise _refuse(CaseworkError(
            N_("A tip cannot go from %(source)s to %(target)s."), source=tip.status, target=target))
    if not caps & transition.who:
        raise _refuse(CaseworkError(
            N_("Your role cannot move this tip from %(source)s to %(target)s."), source=tip.status, target=target))
    if tip.status == Status.NEEDS_INFO and staff is not None:
        await _check_no_answer_rule(core, session, tip, internal_note)
    if target_status == Status.MERGED:
        await _check_merge_target(core, session, staff, tip, merged_into)
        tip.merged_into_id = merged_into
    reopening = tip.status == Status.CLOSED
    if reopening and not (internal_note or "").strip():
        raise CaseworkError(N_("Say why the tip is re-opened (internal note)."))
    if reopening and public is None and "reopened" in core.deployment.template_by_id:
        public_dict = PublicMessage(template="reopened", params=_template_params(core, tip)).to_dict()
    else:
        public_dict = _public(core, tip, target_status, public)
    event = await write_event(
        core, session, tip, to_status=target_status, actor=actor, public=public_dict,
        internal_note=internal_note, notify=transition.notify,
    )
    if target_status == Status.TRANSFERRED_POLICE:
        _bring_in_police(core, session, loaded)
    _run_clocks(core, tip, target_status)
    _time_taken(core, tip, target_status)
    tip.status = target_status
    tip.updated_at = core.clock.now()
    audit.record(session, core, actor, "tip.move", tip.id, source=event.from_status, target=target_status)
    return event


def _bring_in_police(core: Core, session: AsyncSession, loaded: Loaded) -> None:
    """A tip handed to the police gets the police unit of its region working on it."""
    unit, _ = find_unit(core.deployment.routing.police_kind, loaded.tip.region_code, core.deployment)
    if unit and not any(a.active and a.unit_code == unit for a in loaded.assignments):
        session.add(Assignment(tip_id=loaded.tip.id, unit_code=unit, role="assisting", assigned_at=core.clock.now()))


async def _check_no_answer_rule(core: Core, session: AsyncSession, tip: Tip, note: str | None) -> None:
    """Staff may stop waiting for the reporter after 15 days without an answer, with a note."""
    asked = await session.scalar(
        select(StatusEvent.at).where(StatusEvent.tip_id == tip.id, StatusEvent.to_status == Status.NEEDS_INFO)
        .order_by(StatusEvent.id.desc()).limit(1)
    )
    if asked is not None and core.clock.now() - aware(asked) < timedelta(days=NO_ANSWER_DAYS):
        raise CaseworkError(N_("The reporter has %(days)s days to answer; until then the tip moves on when they answer."), days=NO_ANSWER_DAYS)
    if not (note or "").strip():
        raise CaseworkError(N_("Write an internal note on why you go on without the reporter's answer."))


async def _check_merge_target(core: Core, session: AsyncSession, staff: StaffUser | None, tip: Tip, merged_into: int | None) -> None:
    target = await session.get(Tip, merged_into) if merged_into else None
    if target is None or target.id == tip.id or target.status == Status.MERGED:
        raise CaseworkError(N_("Choose the tip this one duplicates."))
    if staff is not None:
        assignments = list((await session.scalars(select(Assignment).where(Assignment.tip_id == target.id))).all())
        if not can_see(core, staff, target, assignments):
            raise CaseworkError(N_("Choose the tip this one duplicates."))


def _time_taken(core: Core, tip: Tip, target: Status) -> None:
    """The statistics' durations, in whole seconds: to the first acceptance, and from it to the
    first closing (a re-opened tip keeps its first)."""
    since_submission = round((core.clock.now() - aware(tip.created_at)).total_seconds())
    if target == Status.ACCEPTED and tip.accept_seconds is None:
        tip.accept_seconds = since_submission
    elif target == Status.CLOSED and tip.finish_seconds is None and tip.accept_seconds is not None:
        if since_submission >= tip.accept_seconds:
            tip.finish_seconds = since_submission - tip.accept_seconds


def _run_clocks(core: Core, tip: Tip, target: Status) -> None:
    now, tz = core.clock.now(), core.settings.timezone
    if tip.status == Status.NEEDS_INFO and tip.paused_at is not None and tip.finish_due is not None:
        tip.finish_due = aware(tip.finish_due) + (now - aware(tip.paused_at))  # waiting for the reporter does not count
        tip.paused_at = None
    if target == Status.ACCEPTED:
        tip.finish_due = due_after(now, FINISH_DAYS, tz)
    elif target == Status.NEEDS_INFO:
        tip.paused_at = now
    elif tip.status == Status.CLOSED and target == Status.VERIFYING:
        tip.finish_due = due_after(now, FINISH_DAYS, tz)


async def reroute_tip(core: Core, tip_id: int, unit_code: str, *, staff: StaffUser, reason: str) -> StatusEvent:
    """Give the tip to another lead unit; it keeps its status and its clock restarts."""
    if unit_code not in core.deployment.unit_by_code:
        raise CaseworkError(N_("Unknown unit %(unit)s."), unit=unit_code)
    if not reason.strip():
        raise CaseworkError(N_("Say why the tip goes to another unit."))
    async with unit_of_work(core, staff, "reroute", tip_id) as session:
        loaded, caps = await open_for(core, session, staff, tip_id)
        tip = loaded.tip
        if tip.status not in REROUTE_FROM:
            raise _refuse(CaseworkError(N_("Only a tip not yet being checked can go to another unit.")))
        if not caps & REROUTE_WHO:
            raise _refuse(CaseworkError(N_("Only the unit lead or a coordinator can send a tip to another unit.")))
        old = tip.lead_unit
        for assignment in loaded.assignments:
            if assignment.active and (assignment.role == "lead" or assignment.unit_code == unit_code):
                assignment.active = False
        session.add(Assignment(tip_id=tip.id, unit_code=unit_code, role="lead", assigned_at=core.clock.now()))
        tip.lead_unit = unit_code
        tip.assignee = None  # the colleague it was assigned to belongs to the old unit
        now = core.clock.now()
        if tip.status == Status.SUBMITTED:
            tip.accept_due = due_after(now, ACCEPT_DAYS, core.settings.timezone)
        else:
            tip.finish_due = due_after(now, FINISH_DAYS, core.settings.timezone)
        tip.updated_at = now
        event = await write_event(core, session, tip, to_status=tip.status, actor=staff.username, public=None, internal_note=reason, action="reroute", notify=False)
        raise_event(session, TipPassedToUnits(tip.id, event.id, ((unit_code, "lead"),)))
        audit.record(session, core, staff.username, "tip.reroute", tip.id, source=old, target=unit_code, reason=reason)
        return event


async def extend_deadline(core: Core, tip_id: int, days: int, *, staff: StaffUser, reason: str, public_reason: str,
                          public_language: str = "zh_Hans", public_translations: dict[str, str] | None = None,
                          untranslated_ok: bool = True) -> StatusEvent:
    """The one extension of up to 30 days, approved by the unit lead, with a reason the reporter reads, as any
    officer's own words (refused when the reporter cannot read it and not `untranslated_ok`)."""
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise CaseworkError(N_("An extension is 1 to %(max)s days."), max=MAX_EXTENSION_DAYS)
    if not reason.strip() or not public_reason.strip():
        raise CaseworkError(N_("Give the reason for the extension, for staff and for the reporter."))
    async with unit_of_work(core, staff, "extend", tip_id) as session:
        loaded, caps = await open_for(core, session, staff, tip_id)
        tip = loaded.tip
        if LEAD not in caps:
            raise _refuse(CaseworkError(N_("Only the unit lead can approve an extension.")))
        if tip.extension_days:
            raise CaseworkError(N_("This tip has already had its one extension."))
        if tip.status not in ACTIVE or tip.finish_due is None:
            raise CaseworkError(N_("Only a tip being handled can have its deadline extended."))
        written = PublicMessage(text=public_reason, language=public_language, translations=public_translations or {})
        if not untranslated_ok and written.unreadable_in(tip.language):
            raise CaseworkError(UNTRANSLATED_WARNING, language=LANGUAGE_NAMES.get(tip.language, tip.language))
        words = _public(core, tip, "extended", written)
        tip.finish_due = aware(tip.finish_due) + timedelta(days=days)
        tip.extension_days = days
        tip.updated_at = core.clock.now()
        public = {"template": "extended", "params": {**_template_params(core, tip), "days": days}, **words}  # the words fill %(reason)s
        event = await write_event(core, session, tip, to_status=tip.status, actor=staff.username, public=public, internal_note=reason, action="extension")
        audit.record(session, core, staff.username, "tip.extend", tip.id, days=days)
        return event


async def add_note(core: Core, tip_id: int, text: str, *, staff: StaffUser, kind: str = "note") -> TipNote:
    """A staff-only note; from an assisting unit, its findings (协办意见)."""
    if kind not in ("note", "finding") or not text.strip():
        raise CaseworkError(N_("Write the note."))
    async with unit_of_work(core, staff, "note", tip_id) as session:
        loaded, caps = await open_for(core, session, staff, tip_id)
        if kind == "finding" and not caps & {"assisting", UNIT, POLICE}:
            raise CaseworkError(N_("Only units working on the tip add findings."))
        note = TipNote(tip_id=tip_id, unit_code=staff.unit_code, author=staff.username, kind=kind, text=text.strip(), at=core.clock.now())
        session.add(note)
        audit.record(session, core, staff.username, f"tip.{kind}", tip_id)
        return note


OUTCOME_FIELDS = ("penalty_decision_no", "penalty_date", "criminal_case_filed", "convicted", "money_recovered_fen", "already_known")


async def record_outcome(core: Core, tip_id: int, *, staff: StaffUser, **values: object) -> Outcome:
    """Record (or correct) what came of a substantiated or finished tip."""
    unknown = set(values) - set(OUTCOME_FIELDS)
    if unknown:
        raise CaseworkError(N_("Unknown outcome field %(field)s."), field=", ".join(sorted(unknown)))
    if int(values.get("money_recovered_fen", 0) or 0) < 0:
        raise CaseworkError(N_("Money recovered cannot be negative."))
    async with unit_of_work(core, staff, "outcome", tip_id) as session:
        loaded, caps = await open_for(core, session, staff, tip_id)
        if not caps & {UNIT, COORDINATOR, POLICE}:
            raise _refuse(CaseworkError(N_("Only the lead unit or a coordinator records the outcome.")))
        if loaded.tip.status not in (Status.SUBSTANTIATED, Status.CLOSED, Status.TRANSFERRED_POLICE, Status.UNSUBSTANTIATED):
            raise CaseworkError(N_("The outcome is recorded once the tip is checked."))
        outcome = await session.get(Outcome, tip_id)
        if outcome is None:
            outcome = Outcome(tip_id=tip_id, updated_at=core.clock.now(), updated_by=staff.username)
            session.add(outcome)
        for key, value in values.items():
            setattr(outcome, key, value)
        outcome.updated_at = core.clock.now()
        outcome.updated_by = staff.username
        audit.record(session, core, staff.username, "tip.outcome", tip_id, **{k: str(v) for k, v in values.items()})
        return outcome


async def reporter_reply(core: Core, tip_id: int, text: str, *, language: str) -> ReporterMessage:
    """The reporter adds information; an answer to a staff question moves the tip back to checking."""
    async with transaction(core) as session:
        tip = await session.get(Tip, tip_id, with_for_update=True)
        if tip is None:
            raise TipNotFound()
        message = ReporterMessage(tip_id=tip_id, text=text, language=language, at=core.clock.now())
        session.add(message)
        audit.record(session, core, REPORTER, "tip.reporter_reply", tip_id)
        await write_event(
            core, session, tip, to_status=tip.status, actor=REPORTER,
            public={"template": "reporter_replied", "params": {}}, internal_note=None, action="reply", notify=False,
        )
        if tip.status == Status.NEEDS_INFO:
            loaded = Loaded(tip, [])
            await _move(core, session, loaded, {REPORTER}, Status.VERIFYING, None, None, "reporter answered", None)
        tip.reporter_answered = True  # the queue's "answered by the reporter" view
        await session.flush()
        await search.index_tip(session, tip)  # the officer can search for what the reporter added
        return message
