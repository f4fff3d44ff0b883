"""Translations by bilingual staff, both ways.

- An officer's own words to the reporter (a free-text public message) carry a translation per
  language; when the reporter's language is missing, the tip waits in the **needs-translation**
  queue until a colleague adds it (`translate_public_message`). The reporter reads it at once on
  the status page, and is sent the notice again if it had already gone out untranslated.
- The reporter's own words (the description, each reply) get a Chinese translation for staff
  (`translate_reporter_words`), stored on the tip in `reporter_words_translation` and marked
  with who made it:

      {"description": {"zh_Hans": {"text": …, "by": "li", "at": "2026-…"}},
       "reply:12":    {"zh_Hans": {…}},
       "replies_upto": 12}   # every reply up to this id that needs translating has one

Every translation is audited (`translation.public`, `translation.reporter_words`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from i18n import LANGUAGES
from intake.platform import audit
from intake.casework import search
from intake.domain.answers.invalid import Invalid
from intake.domain.answers.text import clean_text
from intake.domain.events import PublicStepTranslated
from intake.casework.casework import CaseworkError, TipNotFound, open_for, unit_of_work
from intake.platform.clock import aware
from intake.platform.core import Core
from intake.platform.unit_of_work import raise_event
from intake.domain.messages import check_free_text
from intake.domain.refusals import Refused
from intake.platform.models.staff import StaffUser
from intake.platform.models.tip_records import ReporterMessage
from intake.platform.models.tips import StatusEvent, Tip
from intake.staff.staff import tips_in_scope as scope_of  # the one definition of which tips a person may see
from intake.staff.staff import Role

#: Staff read the reporter's words in Chinese (the console's working language).
STAFF_LANGUAGE = "zh_Hans"
TRANSLATOR_ROLES = (Role.OFFICER, Role.UNIT_LEAD, Role.COORDINATOR)
PAGE_SIZE = 50
MAX_WORDS_CHARS = 5000


def _json_text(column, *path: str):
    return column[path if len(path) > 1 else path[0]].as_string()


def _lacks_reporter_language():
    """The latest free-text message's translation into the tip's language is missing."""
    return or_(*(
        and_(Tip.language == language, _json_text(StatusEvent.public_message, "translations", language).is_(None))
        for language in LANGUAGES
    ))


@dataclass(frozen=True)
class PendingMessage:
    tip_id: int
    event_id: int
    at: datetime
    text: str  # as the officer wrote it
    written_in: str
    reporter_language: str
    status: str


@dataclass(frozen=True)
class PendingWords:
    tip_id: int
    language: str
    created_at: datetime


async def messages_to_translate(core: Core, staff: StaffUser, *, after: int | None = None, limit: int = PAGE_SIZE) -> tuple[list[PendingMessage], int | None]:
    """Tips in this person's scope whose latest free-text public message has no translation
    into the reporter's language, oldest first; and the cursor of the next page."""
    scope = scope_of(core, staff)
    if scope is None or staff.role not in TRANSLATOR_ROLES:
        return [], None
    earlier = aliased(StatusEvent)
    latest = (
        select(func.max(earlier.id))
        .where(earlier.tip_id == Tip.id, _json_text(earlier.public_message, "text").is_not(None))
        .correlate(Tip)
        .scalar_subquery()
    )
    query = (
        select(Tip, StatusEvent)
        .join(StatusEvent, StatusEvent.id == latest)
        .where(scope, _json_text(StatusEvent.public_message, "language") != Tip.language, _lacks_reporter_language())
    )
    if after:
        query = query.where(StatusEvent.id > after)
    query = query.order_by(StatusEvent.id).limit(limit + 1)
    async with core.db.session() as session:
        rows = (await session.execute(query)).all()
    items = [
        PendingMessage(tip.id, event.id, aware(event.at), event.public_message.get("text") or "",
                       event.public_message.get("language") or "", tip.language, tip.status)
        for tip, event in rows[:limit]
    ]
    return items, (items[-1].event_id if len(rows) > limit else None)


async def words_to_translate(core: Core, staff: StaffUser, *, after: int | None = None, limit: int = PAGE_SIZE) -> tuple[list[PendingWords], int | None]:
    """Tips in scope written in another language than Chinese whose description, or a reply,
    has no Chinese translation yet; oldest first."""
    scope = scope_of(core, staff)
    if scope is None or staff.role not in TRANSLATOR_ROLES:
        return [], None
    words = Tip.reporter_words_translation
    untranslated_reply = (
        select(ReporterMessage.id)
        .where(ReporterMessage.tip_id == Tip.id, ReporterMessage.language != STAFF_LANGUAGE,
               ReporterMessage.id > func.coalesce(words["replies_upto"].as_integer(), 0))
        .exists()
    )
    query = select(Tip.id, Tip.language, Tip.created_at).where(
        scope, Tip.language != STAFF_LANGUAGE,
        or_(_json_text(words, "description", STAFF_LANGUAGE, "text").is_(None), untranslated_reply),
    )
    if after:
        query = query.where(Tip.id > after)
    async with core.db.session() as session:
        rows = (await session.execute(query.order_by(Tip.id).limit(limit + 1))).all()
    items = [PendingWords(tip_id, language, aware(created)) for tip_id, language, created in rows[:limit]]
    return items, (items[-1].tip_id if len(rows) > limit else None)


class TranslationRefused(Refused):
    """`reason`: "language" (no such language, or the one the text is written in) or "nothing"
    (no such free-text message or reporter's text on this tip)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason=reason)


async def _check_translator(core: Core, staff: StaffUser, tip_id: int) -> None:
    """Not a translator: "not found", like a tip out of scope, and the attempt is audited."""
    if staff.role not in TRANSLATOR_ROLES:
        await audit.record_now(core, staff.username, "refused:translate", tip_id, reason="role")
        raise TipNotFound()


async def translate_public_message(core: Core, staff: StaffUser, tip_id: int, event_id: int, language: str, text: str) -> StatusEvent:
    """Add (or correct) the translation of an officer's free-text message on tip `tip_id`."""
    await _check_translator(core, staff, tip_id)
    if language not in LANGUAGES:
        raise TranslationRefused("language")
    checked = check_free_text(text, core.deployment)
    if isinstance(checked, Invalid):
        raise CaseworkError(checked.message, **checked.params)
    async with unit_of_work(core, staff, "translate", tip_id) as session:
        loaded, _caps = await open_for(core, session, staff, tip_id)
        event = await session.get(StatusEvent, event_id, with_for_update=True)
        message = event.public_message if event is not None and event.tip_id == tip_id else None
        if not message or "text" not in message:
            raise TranslationRefused("nothing")
        if message.get("language") == language:
            raise TranslationRefused("language")
        event.public_message = {**message, "translations": {**(message.get("translations") or {}), language: checked}}
        audit.record(session, core, staff.username, "translation.public", tip_id, event_id=event_id, language=language)
        if language == loaded.tip.language:  # the notice, if already sent untranslated, goes again
            raise_event(session, PublicStepTranslated(tip_id, event_id))
        return event


async def translate_reporter_words(core: Core, staff: StaffUser, tip_id: int, part: str, text: str) -> dict:
    """A Chinese translation of the reporter's description (`part` "description") or of one of
    their replies (`part` "reply:<id>"), marked with who made it."""
    await _check_translator(core, staff, tip_id)
    cleaned = clean_text(text, max_chars=MAX_WORDS_CHARS, min_chars=1)
    if isinstance(cleaned, Invalid):
        raise CaseworkError(cleaned.message, **cleaned.params)
    async with unit_of_work(core, staff, "translate", tip_id) as session:
        loaded, _caps = await open_for(core, session, staff, tip_id)
        tip = loaded.tip
        replies = (await session.execute(
            select(ReporterMessage.id, ReporterMessage.language).where(ReporterMessage.tip_id == tip_id).order_by(ReporterMessage.id)
        )).all()
        if part != "description" and part not in {f"reply:{reply_id}" for reply_id, _language in replies}:
            raise TranslationRefused("nothing")
        stored = dict(tip.reporter_words_translation or {})
        stored[part] = {**stored.get(part, {}), STAFF_LANGUAGE: {"text": cleaned, "by": staff.username, "at": core.clock.now().isoformat()}}
        upto = 0
        for reply_id, language in replies:  # the longest run of replies that need nothing more
            if language != STAFF_LANGUAGE and STAFF_LANGUAGE not in stored.get(f"reply:{reply_id}", {}):
                break
            upto = reply_id
        stored["replies_upto"] = upto
        tip.reporter_words_translation = stored
        await search.index_tip(session, tip)  # the translation is searchable at once
        audit.record(session, core, staff.username, "translation.reporter_words", tip_id, part=part)
        return stored


@dataclass(frozen=True)
class Words:
    """One text the reporter wrote, with its Chinese translation if a colleague made one."""

    part: str  # "description" or "reply:<id>"
    text: str
    language: str
    at: datetime
    translation: str | None
    translated_by: str | None
    translated_at: datetime | None


@dataclass(frozen=True)
class Translatable:
    tip_id: int
    reporter_language: str
    words: list[Words]
    messages: list[dict]  # the officers' free-text messages: event id, text, language, translations


async def translatable(core: Core, staff: StaffUser, tip_id: int) -> Translatable:
    """What can be translated on one tip, for a translator (the view is audited like a tip view)."""
    await _check_translator(core, staff, tip_id)
    from intake.casework.casefile import load_visible  # the shared scope check with its audit of refusals

    async with core.db.session() as session:
        loaded = await load_visible(core, session, staff, tip_id, "translate")
        tip = loaded.tip
        replies = (await session.scalars(select(ReporterMessage).where(ReporterMessage.tip_id == tip_id).order_by(ReporterMessage.id))).all()
        events = (await session.scalars(select(StatusEvent).where(StatusEvent.tip_id == tip_id).order_by(StatusEvent.id))).all()
    await audit.record_now(core, staff.username, "tip.view", tip_id, page="translate")
    stored = tip.reporter_words_translation or {}

    def words(part: str, text: str, language: str, at: datetime) -> Words:
        made = (stored.get(part) or {}).get(STAFF_LANGUAGE) or {}
        return Words(part, text, language, at, made.get("text"), made.get("by"),
                     datetime.fromisoformat(made["at"]) if made.get("at") else None)

    found = []
    description = tip.answers.get("description")
    if isinstance(description, str) and description:
        found.append(words("description", description, tip.language, aware(tip.created_at)))
    found += [words(f"reply:{r.id}", r.text, r.language, aware(r.at)) for r in replies]
    messages = [
        {"event_id": e.id, "at": aware(e.at), "text": e.public_message.get("text"), "language": e.public_message.get("language"),
         "translations": dict(e.public_message.get("translations") or {})}
        for e in events if e.public_message and "text" in e.public_message
    ]
    return Translatable(tip.id, tip.language, found, messages)
