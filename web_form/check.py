"""Check before you pay (/check): an organisation's name, a phone number or a web address,
looked up on what staff published (intake/reporting/checks.py), and the objection form an
organisation uses to contest its entry.

What is typed travels in a POST body, never in a URL (URLs end up in logs). Every answer, found
or not, ends with what to do before paying.
"""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException

from intake.domain.ids import parse_id
from intake.domain.refusals import describe
from intake.reporting.checks import (
    MAX_CONTACT_CHARS, MAX_OBJECTION_CHARS, MAX_QUERY_CHARS, CheckRefused, TOO_MANY_CHECKS, TOO_MANY_OBJECTIONS,
    check, object_to, public_entry,
)
from intake.reporting.lookups import Client
from web_form.common import core_of, form_token_state, read_form, render, too_many, visitor_of
from web_form.rendering import message_text
from web_form.report import TOKEN_EXPIRED
from web_form.warning_pages import shown_warning

router = APIRouter()


def _client(request: Request) -> Client:
    return Client.address(visitor_of(request).address)


def _text(form: FormData | None, name: str, limit: int) -> str:
    value = form.get(name) if form is not None else None
    return value[:limit] if isinstance(value, str) else ""


@router.get("/check", response_class=HTMLResponse)
async def check_form(request: Request) -> Response:
    return render(request, "check.html", query="", error=None, result=None, max_chars=MAX_QUERY_CHARS)


@router.post("/check", response_class=HTMLResponse)
async def look_up(request: Request) -> Response:
    request.state.back_to = "/check"
    form = await read_form(request)
    # Kept a little longer than allowed, so the person sees what they typed and the message.
    query = _text(form, "q", MAX_QUERY_CHARS * 4)
    if form is None or form_token_state(request, form) != "ok":
        return render(request, "check.html", query=query, error=None, result=None, max_chars=MAX_QUERY_CHARS,
                      message=TOKEN_EXPIRED)
    language = visitor_of(request).language
    try:
        result = await check(core_of(request), _client(request), query, language)
    except CheckRefused as refused:
        if refused.message == TOO_MANY_CHECKS:
            return too_many(request, TOO_MANY_CHECKS)
        return render(request, "check.html", query=query, result=None, max_chars=MAX_QUERY_CHARS,
                      error=describe(refused, language))
    return render(request, "check.html", query=query, error=None, result=result, max_chars=MAX_QUERY_CHARS,
                  warnings=[shown_warning(request, warning) for warning in result.warnings])


@router.get("/check/object/{entry_id}", response_class=HTMLResponse)
async def objection_form(request: Request, entry_id: str) -> Response:
    entry = await _entry(request, entry_id)
    if entry is None:
        raise StarletteHTTPException(404)
    return render(request, "check_objection.html", entry=entry, text="", contact="", errors={}, sent=False)


async def _entry(request: Request, entry_id: str):  # noqa: ANN202
    number = parse_id(entry_id)
    return None if number is None else await public_entry(core_of(request), number)


@router.post("/check/object/{entry_id}", response_class=HTMLResponse)
async def send_objection(request: Request, entry_id: str) -> Response:
    request.state.back_to = f"/check/object/{entry_id}"
    entry = await _entry(request, entry_id)
    form = await read_form(request)
    text = _text(form, "text", MAX_OBJECTION_CHARS * 2)
    contact = _text(form, "contact", MAX_CONTACT_CHARS * 2)
    if entry is None:
        raise StarletteHTTPException(404)
    if form is None or form_token_state(request, form) != "ok":
        return render(request, "check_objection.html", entry=entry, text=text, contact=contact, errors={}, sent=False,
                      message=TOKEN_EXPIRED)
    language = visitor_of(request).language
    try:
        errors = await object_to(core_of(request), _client(request), entry.id, text, contact, language)
    except CheckRefused as refused:
        if refused.message == TOO_MANY_OBJECTIONS:
            return too_many(request, TOO_MANY_OBJECTIONS)
        raise StarletteHTTPException(404)
    if errors:
        shown = {name: message_text(invalid, language) for name, invalid in errors.items()}
        return render(request, "check_objection.html", entry=entry, text=text, contact=contact, errors=shown, sent=False,
                      error_items=[(f"#{name}", message) for name, message in shown.items()])
    return render(request, "check_objection.html", entry=entry, text="", contact="", errors={}, sent=True)
