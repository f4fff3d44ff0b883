"""Translations by bilingual staff: the needs-translation queue, a tip's translatable texts
(the officers' own words to the reporter, the reporter's own words), and the forms that add a
translation. Each form is one call of intake.casework.translations, which checks scope and audits."""
from __future__ import annotations

from collections.abc import Awaitable

from babel.dates import format_timedelta
from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from console import forms
from console.dependencies import ConsoleDep, Signed, SignedForm, SignedIn
from console.refusals import refusal_text
from console.web import Console, Id, Viewer
from i18n import LANGUAGE_NAMES, LANGUAGES
from intake.casework.casework import TipNotFound
from intake.domain.ids import parse_id
from intake.domain.refusals import Refused
from intake.platform.models.tips import Tip
from intake.prevention.warnings import warnings_to_translate
from intake.casework.translations import (
    STAFF_LANGUAGE, TRANSLATOR_ROLES, messages_to_translate, translatable, translate_public_message,
    translate_reporter_words, words_to_translate,
)
from intake.domain.workflow import STATUS_LABELS, Status


def _cursor(value: str) -> int | None:
    return parse_id(value)


async def panel(console: Console, viewer: Viewer, tip_id: int, stored: dict | None = None) -> dict:
    """For the tip page: the Chinese translations colleagues made of the reporter's words, and
    whether this person may translate (the tip page itself is already scoped and audited).
    `stored`: the tip's reporter_words_translation when the page has read it already."""
    if stored is None:
        async with console.core.db.session() as session:
            stored = await session.scalar(select(Tip.reporter_words_translation).where(Tip.id == tip_id)) or {}
    made = []
    for part, by_language in sorted(stored.items()):
        entry = by_language.get(STAFF_LANGUAGE) if isinstance(by_language, dict) else None
        if entry:
            made.append({"part": part, "text": entry.get("text"), "by": entry.get("by")})
    return {"words_translations": made, "can_translate": viewer.staff.role in TRANSLATOR_ROLES}


router = APIRouter()


@router.get("/translations")
async def queue(viewer: SignedIn, console: ConsoleDep, after: str = "", words_after: str = "") -> Response:
    messages, next_messages = await messages_to_translate(console.core, viewer.staff, after=_cursor(after))
    words, next_words = await words_to_translate(console.core, viewer.staff, after=_cursor(words_after))
    now = console.core.clock.now()
    # How long the reporter has been waiting for words they can read, the oldest first.
    waiting = {item.event_id: format_timedelta(now - item.at, threshold=1.1, locale=viewer.language) for item in messages}
    return console.render(
        viewer, "translations.html", title=viewer._("Needs translation"),
        messages=messages, next_messages=next_messages, words=words, next_words=next_words, waiting=waiting,
        status_labels={s.value: viewer.core_(STATUS_LABELS[s]) for s in Status},
        can_translate=viewer.staff.role in TRANSLATOR_ROLES,
        warnings=[{"id": warning.id, "title": warning.texts["zh_Hans"]["title"],
                   "missing": ", ".join(LANGUAGE_NAMES[code] for code in missing)}
                  for warning, missing in await warnings_to_translate(console.core, viewer.staff)],
    )


async def tip_translations(console: Console, viewer: Viewer, tip_id: int, *, error: str | None = None,
                           done: bool = False, status_code: int = 200) -> Response:
    try:
        found = await translatable(console.core, viewer.staff, tip_id)
    except TipNotFound:
        return console.not_found(viewer)
    return console.render(
        viewer, "translate_tip.html", status_code=status_code, title=viewer._("Translations of tip %(id)s", id=tip_id),
        found=found, error=error, done=done, staff_language=STAFF_LANGUAGE,
        reporter_language_name=LANGUAGE_NAMES.get(found.reporter_language, found.reporter_language),
        languages=LANGUAGES,
    )


@router.get("/tips/{tip_id}/translate")
async def show(tip_id: Id, viewer: SignedIn, console: ConsoleDep, done: str = "") -> Response:
    return await tip_translations(console, viewer, tip_id, done=done == "1")


async def act(console: Console, tip_id: int, signed: Signed, work: Awaitable[None]) -> Response:
    """Run the translation (`work`, not yet awaited); show the tip's translations again with the
    refusal, or go on (back to the queue when the form came from there)."""
    viewer, form = signed
    try:
        await work
    except TipNotFound:
        return console.not_found(viewer)
    except Refused as refused:  # a CaseworkError or a TranslationRefused
        return await tip_translations(console, viewer, tip_id, error=refusal_text(viewer, refused), status_code=400)
    if forms.field(form, "back") == "queue":
        return RedirectResponse("/translations", status_code=303)
    return RedirectResponse(f"/tips/{tip_id}/translate?done=1", status_code=303)


@router.post("/tips/{tip_id}/translate/message")
async def translate_message(tip_id: Id, signed: SignedForm, console: ConsoleDep) -> Response:
    viewer, form = signed
    event_id = forms.positive_int(form, "event_id") or 0
    return await act(console, tip_id, signed, translate_public_message(
        console.core, viewer.staff, tip_id, event_id, forms.field(form, "language"), forms.field(form, "text")))


@router.post("/tips/{tip_id}/translate/words")
async def translate_words(tip_id: Id, signed: SignedForm, console: ConsoleDep) -> Response:
    viewer, form = signed
    return await act(console, tip_id, signed, translate_reporter_words(
        console.core, viewer.staff, tip_id, forms.field(form, "part"), forms.field(form, "text")))
