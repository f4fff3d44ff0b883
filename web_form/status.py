"""The status page: a tracking code shows the public timeline; with the reply PIN the reporter
answers a staff question (text and files) or, once the report is finished, rates how it went.

The code travels only in POST bodies, never in a URL (URLs end up in logs and browser history).
An unknown code gets the same answer, in about the same time, as a mistyped one: the page never
tells whether a report exists. Every path that reads a code (the look-up, a reply, a rating, the
page after them) looks it up through intake.reporting.lookups, counted against this address's limits, and
the too-many page it may answer with says nothing about the code.
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import time

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException

from i18n import N_
from intake.reporting import ratings
from intake.domain.answers.invalid import Invalid
from intake.platform.crypto import DecryptionError
from intake.domain.ids import parse_id
from intake.platform.attachments import MAX_BYTES
from intake.reporting.lookups import (
    MAX_REPLY_FILES, TOO_MANY_LOOKUPS, UNKNOWN_CODE, Client, LookupRefused, PublicView, ReplyRefused, check_pin,
    reply_with_pin, status as look_up_status,
)
from intake.domain.tracking import MAX_INPUT_CHARS, normalize_code
from intake.domain.workflow import Status
from web_form import fields
from web_form.common import (
    MAX_UPLOAD_BODY, REPLIES, allowed, core_of, form_token_state, honeypot_filled, read_form, render, too_many,
    visitor_of,
)
from web_form.rendering import message_text
from web_form.report import FILE_TOO_BIG, FILES_TOO_BIG, TOKEN_EXPIRED

router = APIRouter()

ENTER_CODE = N_("Please type the 12 digits of your tracking code.")
REPLY_SENT = N_("Thank you. Your answer has been sent to the office checking your report.")
RATING_SAVED = N_("Thank you for telling us how your report was handled.")
ADDED_SENT = N_("Thank you. What you added has been sent to the office checking your report. Your report keeps its place.")

#: The last step each looked-up report showed in this browser: keyed hashes of the codes and
#: event ids only, never a code or anything personal, so the next visit can mark what is new.
SEEN_COOKIE = "tl_seen"
SEEN_CODES = 10
SEEN_SECONDS = 180 * 24 * 3600
#: After a reply or a rating the page redirects (post/redirect/get, so a refresh sends nothing
#: again) to /status/view, which reads the code from this short-lived, encrypted cookie: the
#: code never goes into a URL.
VIEW_COOKIE = "tl_view"
VIEW_SECONDS = 15 * 60
VIEW_PURPOSE = "web-status-view"
#: Statuses in which a reporter can no longer add information online.
NO_ADDING = (Status.CLOSED, Status.MERGED)


@router.get("/status", response_class=HTMLResponse)
async def status_form(request: Request) -> Response:
    return render(request, "status_form.html", code="", error=None)


async def _read(request: Request, *, files: bool = False) -> FormData | Invalid:
    """The posted form, or why it is not read (a reply may send MAX_UPLOAD_BODY, the other forms
    MAX_FORM_BODY: app.body_limit)."""
    if files:
        try:
            form = await read_form(request, max_files=MAX_REPLY_FILES + 1, max_fields=50)
        except MultiPartException:
            return Invalid(N_("You can add at most %(max)s files."), {"max": MAX_REPLY_FILES})
        return Invalid(FILES_TOO_BIG, {"max": MAX_UPLOAD_BODY // (1024 * 1024)}) if form is None else form
    form = await read_form(request)
    return Invalid(ENTER_CODE) if form is None else form


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
    if not code.strip():
        return render(request, "status_form.html", code=code, error=message_text(ENTER_CODE, visitor_of(request).language))
    return await _timeline(request, code)


def _client(request: Request) -> Client:
    return Client.address(visitor_of(request).address)


def _too_many_look_ups(request: Request) -> Response:
    return too_many(request, TOO_MANY_LOOKUPS)


async def _found(request: Request, code: str) -> PublicView | None:
    """The code's public view, counted against this address's limits (LookupRefused past them)."""
    started = time.monotonic()
    view = await look_up_status(core_of(request), _client(request), code[: MAX_INPUT_CHARS * 4], visitor_of(request).language)
    # Every look-up takes the same floor of time, so a malformed, an unknown and an existing
    # code cannot be told apart by how fast the answer comes.
    floor = request.app.state.lookup_floor_seconds
    await asyncio.sleep(max(0.0, floor - (time.monotonic() - started)))
    return view


async def _timeline(request: Request, code: str, **page: object) -> Response:
    """Look the code up and show its page (`_page`), or the too-many page past the limits."""
    try:
        view = await _found(request, code)
    except LookupRefused:
        return _too_many_look_ups(request)
    return _page(request, code, view, **page)


def _page(request: Request, code: str, view: PublicView | None, *, notice: str | None = None, reply_error: str | None = None,
          rating_error: str | None = None, reply_text: str = "") -> Response:
    """The timeline page, or the same "not found" answer for any code that shows nothing."""
    lang = visitor_of(request).language
    if view is None:
        return render(request, "status_form.html", code=code, error=message_text(UNKNOWN_CODE, lang))
    seen = _seen(request)
    code_key = _code_key(request, code)
    last_seen = seen.get(code_key)
    new_ids = {e.event_id for e in view.entries if last_seen is not None and e.event_id > last_seen}
    response = render(
        request, "status.html", view=view, code=code, notice=notice, reply_error=reply_error,
        rating_error=rating_error, reply_text=reply_text, asked=view.status == Status.NEEDS_INFO,
        can_reply=view.status not in NO_ADDING,
        can_rate=view.status == Status.CLOSED, rating_choices=list(ratings.CHOICES.items()),
        max_files=MAX_REPLY_FILES, max_mb=MAX_BYTES // (1024 * 1024), new_ids=new_ids,
    )
    newest = max((e.event_id for e in view.entries), default=0)
    seen.pop(code_key, None)
    seen[code_key] = max(newest, last_seen or 0)
    kept = list(seen.items())[-SEEN_CODES:]
    response.set_cookie(SEEN_COOKIE, "~".join(f"{k}.{v}" for k, v in kept), max_age=SEEN_SECONDS, httponly=True,
                        samesite="lax", secure=request.app.state.secure_cookies, path="/status")
    return response


def _code_key(request: Request, code: str) -> str:
    return core_of(request).keys.keyed_hash(normalize_code(code) or "", purpose="web-seen")[:16]


def _seen(request: Request) -> dict[str, int]:
    """{code hash: last event id seen}, oldest first; anything malformed is dropped."""
    seen: dict[str, int] = {}
    for part in request.cookies.get(SEEN_COOKIE, "").split("~")[:SEEN_CODES]:
        key, _, value = part.partition(".")
        event_id = parse_id(value, minimum=0)
        if len(key) == 16 and all(c in "0123456789abcdef" for c in key) and event_id is not None:
            seen[key] = event_id
    return seen


def _after_writing(request: Request, code: str, notice: str) -> Response:
    """Post/redirect/get: the page after a reply or a rating, safe to refresh."""
    sealed = core_of(request).keys.seal({"code": code[: MAX_INPUT_CHARS * 4], "notice": notice}, purpose=VIEW_PURPOSE)
    response = RedirectResponse("/status/view", status_code=303)
    response.set_cookie(VIEW_COOKIE, base64.urlsafe_b64encode(sealed).decode("ascii"), max_age=VIEW_SECONDS,
                        httponly=True, samesite="lax", secure=request.app.state.secure_cookies, path="/status")
    return response


@router.get("/status/view", response_class=HTMLResponse)
async def view_again(request: Request) -> Response:
    """The timeline after a reply or a rating; the thank-you shows once, refreshing is safe."""
    request.state.back_to = "/status/view"
    try:
        data = core_of(request).keys.open_json(base64.urlsafe_b64decode(request.cookies.get(VIEW_COOKIE, "")), purpose=VIEW_PURPOSE)
    except (DecryptionError, binascii.Error, ValueError):
        data = None
    if not data or not isinstance(data.get("code"), str):
        return RedirectResponse("/status", status_code=303)
    notice = data.get("notice") if data.get("notice") in (REPLY_SENT, ADDED_SENT, RATING_SAVED) else None
    response = await _timeline(request, data["code"], notice=notice)
    if notice:
        sealed = core_of(request).keys.seal({"code": data["code"]}, purpose=VIEW_PURPOSE)
        response.set_cookie(VIEW_COOKIE, base64.urlsafe_b64encode(sealed).decode("ascii"), max_age=VIEW_SECONDS,
                            httponly=True, samesite="lax", secure=request.app.state.secure_cookies, path="/status")
    return response


@router.post("/status/reply", response_class=HTMLResponse)
async def reply(request: Request) -> Response:
    request.state.back_to = "/status"
    form = await _read(request, files=True)
    lang = visitor_of(request).language
    if isinstance(form, Invalid):
        return render(request, "status_form.html", code="", error=message_text(form, lang))
    code, text = _text(form, "code", MAX_INPUT_CHARS * 4), _text(form, "answer", 200_000)
    # Each branch that shows the timeline looks the code up through the core's limits.
    if form_token_state(request, form) != "ok":
        return await _timeline(request, code, notice=TOKEN_EXPIRED, reply_text=text)
    if honeypot_filled(form):
        return await _timeline(request, code)
    if not await allowed(request, REPLIES):
        return too_many(request)
    try:
        view = await _found(request, code)
        if view is None:
            return _page(request, code, None)
        files: list[tuple[bytes, str]] = []
        for upload in fields.uploads(form):
            data = await upload.read(MAX_BYTES + 1)
            if len(data) > MAX_BYTES:
                error = Invalid(FILE_TOO_BIG, {"size": round((upload.size or len(data)) / 1048576, 1), "max": MAX_BYTES // 1048576})
                return _page(request, code, view, reply_error=message_text(error, lang), reply_text=text)
            files.append((data, upload.filename or "file"))
        await reply_with_pin(core_of(request), _client(request), code, _text(form, "pin", 64), text, language=lang, files=files)
    except LookupRefused:
        return _too_many_look_ups(request)
    except ReplyRefused as refused:
        error = message_text(Invalid(refused.message, refused.params), lang)
        return _page(request, code, view, reply_error=error, reply_text=text)
    return _after_writing(request, code, ADDED_SENT if form.get("purpose") == "add" else REPLY_SENT)


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
    if honeypot_filled(form):
        return await _timeline(request, code)
    if not await allowed(request, REPLIES):
        return too_many(request)
    core = core_of(request)
    try:
        view = await _found(request, code)
        if view is None:
            return _page(request, code, None)
        tip = await check_pin(core, _client(request), code, _text(form, "pin", 64))
    except LookupRefused:
        return _too_many_look_ups(request)
    except ReplyRefused as refused:
        return _page(request, code, view, rating_error=message_text(Invalid(refused.message, refused.params), lang))
    result = await ratings.rate(core, tip.id, _text(form, "satisfied", 20), _text(form, "comment", 20_000))
    if isinstance(result, Invalid):
        return _page(request, code, view, rating_error=message_text(result, lang))
    return _after_writing(request, code, RATING_SAVED)
