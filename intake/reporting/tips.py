"""Reading tips: finding one by its tracking code and showing its public timeline.

The code alone is read-only: it shows the timeline in the reporter's language and never
any personal data.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import selectinload

from i18n import N_, Translator
from intake.platform.rehash import rehash_found
from intake.platform.clock import aware
from intake.platform.core import Core
from intake.platform.models.tips import Tip
from intake.reporting.submission import tracking_candidates
from intake.domain.tracking import format_code, normalize_code
from intake.domain.messages import TRANSLATION_TO_FOLLOW, awaits_translation, render
from intake.domain.refusals import Refused
from intake.domain.workflow import STATUS_LABELS, Status


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime  # in the deployment's time zone
    status: str
    label: str
    message: str | None
    from_officer: bool  # free text written by staff, shown framed "the officer writes:"
    event_id: int = 0  # the status event's id: channels mark steps new since a reader's last visit
    translation_note: str = ""  # the officer's words are not in the reader's language yet: what to expect


@dataclass(frozen=True)
class PublicView:
    code: str  # grouped for reading aloud
    language: str
    status: str
    status_label: str
    entries: list[TimelineEntry]


async def find_tip(core: Core, code_text: str) -> Tip | None:
    code = normalize_code(code_text)
    # A malformed code does the very same hashing and look-up as a real one (of a code no tip
    # has), so no code path is shorter than another: nothing to time.
    candidates = tracking_candidates(core.keys, code or "0" * 12)  # every key: the code may predate a rotation
    async with core.db.session() as session:
        tip = await session.scalar(
            select(Tip).where(Tip.tracking_hash.in_(candidates)).options(selectinload(Tip.events))
        )
    if code is None:
        return None
    if tip is not None and tip.tracking_hash != candidates[0]:
        tip.tracking_hash = await rehash_found(core, Tip.tracking_hash, tip.tracking_hash, candidates[0])
    return tip


async def public_view(core: Core, code_text: str, language: str | None = None) -> PublicView | None:
    """The tip's public timeline, in `language` or else the reporter's own language.

    No limit is counted here: channels look codes up through intake.reporting.lookups, which counts."""
    tip = await find_tip(core, code_text)
    return None if tip is None else view_of(core, tip, normalize_code(code_text) or "", language)


def view_of(core: Core, tip: Tip, code: str, language: str | None = None) -> PublicView:
    """The public timeline of a tip found by its (canonical) code."""
    lang = language or tip.language
    _ = Translator(lang)
    zone = ZoneInfo(core.settings.timezone)
    note = _(TRANSLATION_TO_FOLLOW, phone=core.deployment.unit_phone(tip.lead_unit))
    entries = [
        TimelineEntry(
            at=aware(event.at).astimezone(zone),
            status=event.to_status,
            label=_(STATUS_LABELS[Status(event.to_status)]),
            message=render(event.public_message, lang, core.deployment),
            from_officer=bool(event.public_message and "text" in event.public_message),
            event_id=event.id,
            translation_note=note if awaits_translation(event.public_message, lang) else "",
        )
        for event in tip.events
        if event.public_message  # re-routing and other internal steps have none
    ]
    return PublicView(
        code=format_code(code),
        language=lang,
        status=tip.status,
        status_label=_(STATUS_LABELS[Status(tip.status)]),
        entries=entries,
    )


UNKNOWN_CODE = N_(
    "We could not find a report with that tracking code. Please check the 12 digits and try again."
)


MAX_PIN_FAILURES = 5


class ReplyRefused(Refused):
    """Adding information was refused; `message` is a msgid (with `params`) for the reporter."""


# A try is counted before its PIN is compared, in the statement that also refuses once five
# are counted. Its row lock is held until the try's transaction ends, so tries sent at once are
# compared one after another, each against the count the ones before it left: never more than
# five wrong PINs are compared, and the right one is never accepted once the lock holds.
_COUNT_TRY = (
    update(Tip).where(Tip.id == bindparam("tip_id"), Tip.pin_failures < MAX_PIN_FAILURES)
    .values(pin_failures=Tip.pin_failures + 1).returning(Tip.pin_failures)
)
_UNCOUNT_TRY = update(Tip).where(Tip.id == bindparam("tip_id")).values(pin_failures=Tip.pin_failures - 1)


async def check_pin(core: Core, code_text: str, pin_text: str) -> Tip:
    """The tip, when the reply PIN is right; every way of writing to a tip goes through here
    (channels through intake.reporting.lookups, which counts the look-up against the client's limits).

    Five wrong PINs lock writing to the tip (reading stays open) and tell the unit.
    """
    code = normalize_code(code_text)
    tip = await find_tip(core, code_text) if code else None
    if tip is None:
        raise ReplyRefused(UNKNOWN_CODE)
    return await pin_of(core, tip, code, pin_text)


async def pin_of(core: Core, tip: Tip, code: str, pin_text: str) -> Tip:
    """`tip` (found by its canonical `code`) when the reply PIN is right; else ReplyRefused."""
    from intake.platform import audit
    from intake.reporting import submission
    from intake.platform.models.tip_records import TipNote
    from intake.domain.tracking import normalize_pin

    pin = normalize_pin(pin_text)
    async with core.db.transaction() as session:
        counted = (await session.execute(_COUNT_TRY, {"tip_id": tip.id})).scalar()
        right = counted is not None and pin is not None and submission.pin_matches(core.keys, tip.pin_hash, code, pin)
        if right:
            await session.execute(_UNCOUNT_TRY, {"tip_id": tip.id})
        elif counted is not None:
            audit.record(session, core, "reporter", "pin.failed", tip.id, failures=counted)
            if counted == MAX_PIN_FAILURES:
                session.add(TipNote(tip_id=tip.id, unit_code=tip.lead_unit, author="system", kind="note", at=core.clock.now(),
                                    text="Five wrong reply PINs were typed: the reporter can no longer add information online. Re-issue the code if the reporter asks."))
    if counted is None or (not right and counted >= MAX_PIN_FAILURES):
        raise ReplyRefused(PIN_LOCKED)
    if not right:
        raise ReplyRefused(WRONG_PIN)
    if not core.keys.is_current_hash(tip.pin_hash):  # made before a key rotation: move it over now
        tip.pin_hash = await rehash_found(core, Tip.pin_hash, tip.pin_hash, submission.pin_hash(core.keys, code, pin))
    return tip


#: Files a reporter may add with one reply (the questionnaire allows 10 with the report).
MAX_REPLY_FILES = 5


async def reply_with_pin(
    core: Core, code_text: str, pin_text: str, text: str, *, language: str | None = None,
    files: Sequence[tuple[bytes, str]] = (),
) -> str:
    """Add information to a tip (or answer a staff question) with the tracking code and reply PIN.

    `files` are (content, file name) pairs: all are checked by content before anything is
    written, so a refused file leaves nothing half-stored. Returns the language the reporter reads.
    """
    return await reply_to(core, await check_pin(core, code_text, pin_text), text, language=language, files=files)


async def reply_to(
    core: Core, tip: Tip, text: str, *, language: str | None = None, files: Sequence[tuple[bytes, str]] = (),
) -> str:
    """Add information to `tip`, whose reply PIN was checked (`check_pin`)."""
    from intake.domain.answers.invalid import Invalid
    from intake.domain.answers.text import clean_text
    from intake.platform.attachments import check_files, store
    from intake.casework.casework import reporter_reply

    if tip.status in (Status.CLOSED, Status.MERGED):  # the page hides the form; the core refuses too
        raise ReplyRefused(REPORT_FINISHED)
    cleaned = clean_text(text, max_chars=5000, min_chars=1)
    if isinstance(cleaned, Invalid):
        raise ReplyRefused(cleaned.message, cleaned.params)
    if len(files) > MAX_REPLY_FILES:
        raise ReplyRefused(N_("You can add at most %(max)s files."), {"max": MAX_REPLY_FILES})
    checked = await check_files(core, [content for content, _name in files])  # in a file worker
    if isinstance(checked, Invalid):
        raise ReplyRefused(checked.message, checked.params)
    message = await reporter_reply(core, tip.id, cleaned, language=language or tip.language)
    for clean, (_content, name) in zip(checked, files):
        stored = await store(core, clean, name, tip_id=tip.id, reporter_message_id=message.id)
        if isinstance(stored, Invalid):  # checked above; only a changed file could get here
            raise ReplyRefused(stored.message, stored.params)
    return language or tip.language


REPORT_FINISHED = N_(
    "This report is finished, so nothing more can be added to it. If something new has happened, "
    "please make a new report, or call 12345."
)
WRONG_PIN = N_("That reply PIN is not right. Please check the 4 digits you were given with your tracking code.")
PIN_LOCKED = N_(
    "Adding information online is locked for this report after too many wrong PINs. "
    "You can still see its progress. Please call 12345 and the office will help you."
)
