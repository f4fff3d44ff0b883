"""The status page: a tracking code shows the public timeline; with the reply PIN the reporter
answers a staff question (text and files) or, once the report is finished, rates how it went.

The code travels only in POST bodies, never in a URL (URLs end up in logs and browser history).
An unknown code gets the same answer, in about the same time, as a mistyped one: the page never
tells whether a report exists.
"""
from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException

from i18n import N_
from intake import ratings
from intake.answers import Invalid
from intake.attachments import MAX_BYTES
from intake.tips import MAX_REPLY_FILES, UNKNOWN_CODE, ReplyRefused, check_pin, public_view, reply_with_pin
from intake.tracking import MAX_INPUT_CHARS
from intake.workflow import Status
from web_form import fields
from web_form.common import (
    MAX_FORM_BODY, MAX_UPLOAD_BODY, REPLIES, STATUS_LOOKUPS, allowed, body_too_large, core_of, form_token_state,
    honeypot_filled, render, too_many, visitor_of,
)
from web_form.rendering import message_text
from web_form.report import FILE_TOO_BIG, FILES_TOO_BIG, TOKEN_EXPIRED

router = APIRouter()

ENTER_CODE = N_("Please type the 12 digits of your tracking code.")
REPLY_SENT = N_("Thank you. Your answer has been sent to the office checking your report.")
RATING_SAVED = N_("Thank you for telling us how your report was handled.")


@router.get("/status", response_class=HTMLResponse)
async def status_form(request: Request) -> Response:
    return render(request, "status_form.html", code="", error=None)


async def _read(request: Request, *, files: bool = False) -> FormData | Invalid:
    if files:
        if body_too_large(request, MAX_UPLOAD_BODY):
            return Invalid(FILES_TOO_BIG, {"max": MAX_UPLOAD_BODY // (1024 * 1024)})
        try:
            return await request.form(max_files=MAX_REPLY_FILES + 1, max_fields=50)
        except MultiPartException:
            return Invalid(N_("You can add at most %(max)s files."), {"max": MAX_REPLY_FILES})
    if body_too_large(request, MAX_FORM_BODY):
        return Invalid(ENTER_CODE)
    return await request.form()


def _text(form: FormData, name: str, limit: int = 10_000) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


@router.post("/status", response_class=HTMLResponse)
async def look_up(request: Request) -> Response:
    request.state.back_to = "/status"
    form = await _read(request)
    code = _text(form, "code", MAX_INPUT_CHARS * 4) if isinstance(form, FormData) else ""
    if isinstance(form, Invalid) or form_token_state(request, form) != "ok":
        return render(request, "status_form.html", code=code, error=None, message=TOKEN_EXPIRED)
    if not await allowed(request, STATUS_LOOKUPS):
        return too_many(request)
    if not code.strip():
        return render(request, "status_form.html", code=code, error=message_text(ENTER_CODE, visitor_of(request).language))
    return await _timeline(request, code)


async def _timeline(request: Request, code: str, *, notice: str | None = None, reply_error: str | None = None,
                    rating_error: str | None = None, reply_text: str = "") -> Response:
    """The timeline page, or the same "not found" answer for any code that shows nothing."""
    started = time.monotonic()
    lang = visitor_of(request).language
    view = await public_view(core_of(request), code[: MAX_INPUT_CHARS * 4], lang)
    # Every look-up takes the same floor of time, so a malformed, an unknown and an existing
    # code cannot be told apart by how fast the answer comes.
    floor = request.app.state.lookup_floor_seconds
    await asyncio.sleep(max(0.0, floor - (time.monotonic() - started)))
    if view is None:
        return render(request, "status_form.html", code=code, error=message_text(UNKNOWN_CODE, lang))
    return render(
        request, "status.html", view=view, code=code, notice=notice, reply_error=reply_error,
        rating_error=rating_error, reply_text=reply_text, can_reply=view.status == Status.NEEDS_INFO,
        can_rate=view.status == Status.CLOSED, rating_choices=list(ratings.CHOICES.items()),
        max_files=MAX_REPLY_FILES, max_mb=MAX_BYTES // (1024 * 1024),
    )


@router.post("/status/reply", response_class=HTMLResponse)
async def reply(request: Request) -> Response:
    request.state.back_to = "/status"
    form = await _read(request, files=True)
    lang = visitor_of(request).language
    if isinstance(form, Invalid):
        return render(request, "status_form.html", code="", error=message_text(form, lang))
    code, text = _text(form, "code", MAX_INPUT_CHARS * 4), _text(form, "answer", 200_000)
    if form_token_state(request, form) != "ok":
        return await _timeline(request, code, notice=TOKEN_EXPIRED, reply_text=text)
    if honeypot_filled(form):
        return await _timeline(request, code)
    if not await allowed(request, REPLIES):
        return too_many(request)
    files: list[tuple[bytes, str]] = []
    for upload in fields.uploads(form):
        data = await upload.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            error = Invalid(FILE_TOO_BIG, {"size": round((upload.size or len(data)) / 1048576, 1), "max": MAX_BYTES // 1048576})
            return await _timeline(request, code, reply_error=message_text(error, lang), reply_text=text)
        files.append((data, upload.filename or "file"))
    try:
        await reply_with_pin(core_of(request), code, _text(form, "pin", 64), text, language=lang, files=files)
    except ReplyRefused as refused:
        error = message_text(Invalid(refused.message, refused.params), lang)
        return await _timeline(request, code, reply_error=error, reply_text=text)
    return await _timeline(request, code, notice=REPLY_SENT)


@router.post("/status/rate", response_class=HTMLResponse)
async def rate(request: Request) -> Response:
    request.state.back_to = "/status"
    form = await _read(request)
    lang = visitor_of(request).language
    if isinstance(form, Invalid):
        return render(request, "status_form.html", code="", error=message_text(form, lang))
    code = _text(form, "code", MAX_INPUT_CHARS * 4)
    if form_token_state(request, form) != "ok":
        return await _timeline(request, code, notice=TOKEN_EXPIRED)
    if not await allowed(request, REPLIES):
        return too_many(request)
    core = core_of(request)
    try:
        tip = await check_pin(core, code, _text(form, "pin", 64))
    except ReplyRefused as refused:
        return await _timeline(request, code, rating_error=message_text(Invalid(refused.message, refused.params), lang))
    result = await ratings.rate(core, tip.id, _text(form, "satisfied", 20), _text(form, "comment", 20_000))
    if isinstance(result, Invalid):
        return await _timeline(request, code, rating_error=message_text(result, lang))
    return await _timeline(request, code, notice=RATING_SAVED)
