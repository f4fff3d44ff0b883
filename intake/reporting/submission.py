"""Turning a finished draft into a tip: one transaction, and only once per draft.

The tip, its sealed personal data, its tracking code, its routing, its first status event
and its first notice are written together; a repeated submit (a double click, a resent form) returns the receipt
of the tip already made.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached

from intake.casework import duplicates, search
from intake.domain import purposes
from intake.notify import unit_alerts
from intake.platform.attachments import move_draft_files_to_tip
from intake.platform.clock import aware
from intake.domain.conversation import DraftState, final_answers, missing_steps
from intake.platform.core import Core
from intake.platform.crypto import Keyring
from intake.reporting.drafts import DraftRecord
from intake.platform.models.reporting import Draft
from intake.platform.models.tips import Assignment, Person, StatusEvent, Tip, priority_rank
from intake.notify.outbox import enqueue_for_event
from intake.domain.questionnaire import (
    CATEGORY_CHECK,
    CATEGORY_OFFER,
    PERSONAL_KEYS,
    UNSURE_CATEGORY,
    checked_category,
)
from intake.domain.steps import ChannelCapabilities, Step
from intake.domain.routing import route
from intake.domain.category_model import suggest
from intake.domain.tracking import format_code, new_code, new_pin
from intake.domain.workflow import ACCEPT_DAYS, Status, due_after



@dataclass(frozen=True)
class Receipt:
    tip_id: int
    code: str  # 12 digits, ungrouped
    pin: str
    language: str
    category: str
    urgent: bool
    repeated: bool = False  # True when this draft had already been submitted


@dataclass(frozen=True)
class Incomplete:
    """The draft cannot be submitted yet: these questions still need an answer."""

    missing: tuple[Step, ...]


class DraftGone(LookupError):
    """The draft was discarded or has expired."""




def tracking_hash(keys: Keyring, code: str) -> str:
    """The code's look-up hash under the current hash key (names its key: see crypto.lookup_hash)."""
    return keys.lookup_hash(code, purpose=purposes.TRACKING_CODE)


def tracking_candidates(keys: Keyring, code: str) -> list[str]:
    """The code's look-up hash under every hash key, the current one first (key rotation)."""
    return keys.lookup_candidates(code, purpose=purposes.TRACKING_CODE)


def pin_hash(keys: Keyring, code: str, pin: str) -> str:
    return keys.lookup_hash(f"{code}:{pin}", purpose=purposes.REPLY_PIN)


def pin_matches(keys: Keyring, stored: str, code: str, pin: str) -> bool:
    """Whether `pin` is the tip's reply PIN, whichever hash key its stored hash was made with."""
    return keys.matches(stored, f"{code}:{pin}", purpose=purposes.REPLY_PIN)


def own_code(core: Core, tip: Tip) -> str | None:
    """The tip's tracking code (sealed at submission), grouped for reading out, for its reporter's
    own chat or browser only: the caller found the tip by that owner. None for a tip filed before
    codes were kept, or once retention erased it."""
    if tip.sealed_code is None:
        return None
    return format_code(core.keys.open_text(tip.sealed_code, purpose=purposes.OWN_CODE))


async def submit_draft(
    core: Core,
    draft_id: str,
    capabilities: ChannelCapabilities,
    *,
    channel_address: str | None = None,
) -> Receipt | Incomplete:
    """Create the tip for a draft; `channel_address` is where the channel delivers notices
    (a Telegram chat id), sealed with the reporter's personal data."""
    try:
        async with core.db.transaction() as session:
            draft = await session.get(Draft, draft_id, with_for_update=True)
            if draft is None:
                raise DraftGone(draft_id)
            if draft.tip_id is not None and draft.sealed_receipt is not None:
                return stored_receipt(core, draft)
            if aware(draft.expires_at) <= core.clock.now():
                raise DraftGone(draft_id)
            state = DraftState.from_dict(core.keys.open_json(draft.sealed_state, purpose=purposes.DRAFT))
            missing = missing_steps(state, capabilities)
            if missing:
                return Incomplete(tuple(missing))
            return await create_tip(core, session, draft, state, capabilities, channel_address)
    except IntegrityError:
        # Another process submitted the same draft at the same moment: show its receipt.
        async with core.db.session() as session:
            draft = await session.get(Draft, draft_id)
            if draft is None or draft.sealed_receipt is None:
                raise
            return stored_receipt(core, draft)


# Built once: a submission runs them all, every time.
_INSERT_PERSON = insert(Person.__table__).returning(Person.__table__.c.id)
_INSERT_TIP = insert(Tip.__table__).returning(Tip.__table__.c.id)
_INSERT_ASSIGNMENTS = insert(Assignment.__table__)
_INSERT_EVENT = insert(StatusEvent.__table__).returning(StatusEvent.__table__.c.id)


async def create_tip(core, session, draft: Draft, state: DraftState, capabilities, channel_address) -> Receipt:
    """Write the tip and all its rows in the caller's transaction, and mark `draft` submitted.

    Everything that needs no database (sealing, hashes, routing, match keys) and the one read
    (an unused tracking code) come first; then the writes, in a row, so a SQLite write lock is held
    briefly. The rows this module owns are written with Core statements (match keys and
    assignments as one executemany each), not through the ORM's unit of work, which cost more than
    the database work itself (bench/submission_bench.py). A `draft` not yet in the session (the
    API's) may be inserted by the caller afterwards, already marked."""
    now = core.clock.now()
    answers = final_answers(state, capabilities)
    personal = {key: answers.pop(key) for key in list(answers) if key in PERSONAL_KEYS}
    reporter = _person(core, {
        "name": personal.get("reporter_name"),
        "phone": personal.get("reporter_phone"),
        "email": personal.get("reporter_email"),
        "channel": draft.channel,
        "channel_address": channel_address,
        "relationship": answers.get("relationship"),
    }, now)
    victim = _person(core, {"name": personal.get("victim_name"), "phone": personal.get("victim_phone")}, now)
    code, code_hash = await _unused_code(core, session)
    pin = new_pin()
    reporter_choice = answers.get("category")
    if CATEGORY_CHECK in answers:  # the reporter was not sure and was asked about a suggestion
        answers[CATEGORY_OFFER] = state.answers.get(CATEGORY_OFFER)
        answers["category"] = checked_category(answers) or reporter_choice  # routing follows what they took
    decision = route(answers, core.deployment)
    suggestion = (suggest(str(answers.get("description") or ""), state.language, model=core.suggest_model)
                  if reporter_choice in (None, UNSURE_CATEGORY) else None)
    values = dict(
        tracking_hash=code_hash,
        pin_hash=pin_hash(core.keys, code, pin),
        draft_id=draft.id,
        status=Status.SUBMITTED.value,
        urgent=answers.get("urgent") == "yes",
        category=str(answers.get("category") or "other"),
        region_code=decision.region,
        answers=answers,
        language=state.language,
        channel=draft.channel,
        channel_user_hash=draft.owner_hash,
        anonymous=answers.get("contact_mode") != "named",
        notify=answers.get("notify") == "yes",
        pin_failures=0,
        created_at=now,
        updated_at=now,
        lead_unit=decision.lead,
        priority=decision.priority,
        queue_rank=priority_rank(decision.priority),
        routing=decision.to_dict(),
        suggestion=_with_reporter_check(suggestion.to_dict(), answers) if suggestion else None,
        accept_due=due_after(now, ACCEPT_DAYS, core.settings.timezone),
        extension_days=0,
        reporter_answered=False,
        # Kept for the reporter's own chat or browser to list (/mytips); none without an owner.
        sealed_code=core.keys.seal(code, purpose=purposes.OWN_CODE) if draft.owner_hash else None,
    )
    keys = duplicates.match_keys(answers)
    units = [(decision.lead, "lead")] if decision.lead else []
    units += [(unit, "assisting") for unit in decision.assisting]
    sealed_receipt = core.keys.seal({"code": code, "pin": pin}, purpose=purposes.RECEIPT)

    values["reporter_id"] = await _insert_person(session, reporter)
    values["victim_id"] = await _insert_person(session, victim)
    tip_id = (await session.execute(_INSERT_TIP, values)).scalar_one()
    # Not added to the session (its row is written): what the outbox, the alerts and the index read.
    tip = Tip(id=tip_id, **values)
    await duplicates.index_tip(session, tip_id, keys)
    await search.index_tip(session, tip, new=True)  # searchable in the queue at once
    if units:  # each carries the tip's queue columns (see intake/platform/models/tips.py _copy_tip_columns)
        await session.execute(_INSERT_ASSIGNMENTS, [
            {"tip_id": tip_id, "unit_code": unit, "role": role, "assigned_at": now, "active": True, "queue_rank": tip.queue_rank,
             "tip_status": tip.status, "reporter_answered": tip.reporter_answered}
            for unit, role in units
        ])
    event_values = dict(tip_id=tip_id, at=now, from_status=None, to_status=Status.SUBMITTED.value,
                        public_message={"template": "submitted", "params": {}}, action="status")
    event = StatusEvent(id=(await session.execute(_INSERT_EVENT, event_values)).scalar_one(), **event_values)
    await enqueue_for_event(session, core, tip, event)
    unit_alerts.queue_tip_alerts(core, session, tip, units, event_id=event.id)
    evidence = answers.get("evidence")
    files = (list(evidence) if isinstance(evidence, list) else []) + state.voice_answers
    await move_draft_files_to_tip(session, draft.id, tip.id, files)
    draft.tip_id = tip.id
    draft.sealed_receipt = sealed_receipt
    draft.updated_at = now
    return Receipt(tip.id, code, pin, state.language, tip.category, tip.urgent)


async def _insert_person(session, person: Person | None) -> int | None:
    """Write a person's row; the object is then in the session as if loaded (the outbox reads
    the reporter with session.get, which so needs no query). Its id, or None for no person."""
    if person is None:
        return None
    person.id = (await session.execute(_INSERT_PERSON, {
        "sealed": person.sealed, "phone_hash": person.phone_hash, "email_hash": person.email_hash, "created_at": person.created_at,
    })).scalar_one()
    make_transient_to_detached(person)
    session.add(person)
    return person.id


def _with_reporter_check(suggestion: dict, answers: dict) -> dict:
    """The suggestion staff see, with what the reporter was asked and answered, if asked: the
    category offered (and by which model version), the next two, the answer, and whether it was
    the offered one."""
    offer = answers.get(CATEGORY_OFFER)
    if CATEGORY_CHECK not in answers or not offer:
        return suggestion
    answer = answers[CATEGORY_CHECK]
    return {**suggestion, "reporter": {
        "offered": offer["category"], "alternatives": offer["alternatives"], "confidence": offer["confidence"],
        "model_version": offer["model_version"], "answer": answer, "accepted": answer == offer["category"],
    }}


def _person(core: Core, data: dict, now) -> Person | None:
    data = {key: value for key, value in data.items() if value not in (None, "")}
    if not any(key in data for key in ("name", "phone", "email", "channel_address")):
        return None
    return Person(
        sealed=core.keys.seal(data, purpose=purposes.PEOPLE),
        phone_hash=core.keys.lookup_hash(data["phone"], purpose="phone") if "phone" in data else None,
        email_hash=core.keys.lookup_hash(data["email"], purpose="email") if "email" in data else None,
        created_at=now,
    )


_TIP_BY_HASHES = select(Tip.id).where(Tip.tracking_hash.in_(bindparam("hashes", expanding=True)))


async def _unused_code(core: Core, session) -> tuple[str, str]:
    """A new tracking code and its look-up hash (under the current key)."""
    # 10^11 codes: a collision is rare, but a stored code must never be handed out twice.
    for _ in range(10):
        code = new_code()
        hashes = tracking_candidates(core.keys, code)
        taken = await session.scalar(_TIP_BY_HASHES, {"hashes": hashes})
        if taken is None:
            return code, hashes[0]
    raise RuntimeError("could not find an unused tracking code")


def stored_receipt(core: Core, draft: Draft) -> Receipt:
    stored = core.keys.open_json(draft.sealed_receipt, purpose=purposes.RECEIPT)
    state = DraftState.from_dict(core.keys.open_json(draft.sealed_state, purpose=purposes.DRAFT))
    answers = state.answers
    return Receipt(
        draft.tip_id, stored["code"], stored["pin"], state.language,
        str(answers.get("category") or "other"), answers.get("urgent") == "yes", repeated=True,
    )


async def draft_receipt(core: Core, record: DraftRecord) -> Receipt | None:
    """The receipt of an already-submitted draft (to show the confirmation again)."""
    async with core.db.session() as session:
        draft = await session.get(Draft, record.id)
        return stored_receipt(core, draft) if draft and draft.sealed_receipt else None
