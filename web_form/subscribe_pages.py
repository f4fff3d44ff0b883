"""E-mail subscriptions to new warnings in a county (intake/prevention/subscriptions.py): the
small form on /warnings, and the pages the links in the mails open.

Both links open a page with one button (a POST), never act on the GET itself: mail scanners open
every link in a message, and would otherwise confirm or cancel for the person. The unsubscribe
address also takes a mail client's own one-click POST (RFC 8058, List-Unsubscribe-Post): the
token in it is the credential, so that POST needs no CSRF token (none of the links' POSTs do).
"""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from intake.prevention.subscriptions import (
    CONFIRM_DAYS, MAX_FORM_CHARS, TOO_MANY, EmailForm, SubscriptionRefused, by_token, confirm, subscribe_email, unsubscribe,
)
from intake.reporting.lookups import Client
from web_form.common import core_of, form_token_state, read_form, render, too_many, visitor_of
from web_form.rendering import message_text
from web_form.report import TOKEN_EXPIRED
from web_form.warning_pages import list_context

router = APIRouter()


def _field(form: FormData | None, name: str) -> str:
    value = form.get(name) if form is not None else None
    return value[:MAX_FORM_CHARS] if isinstance(value, str) else ""


@router.post("/warnings/subscribe", response_class=HTMLResponse)
async def subscribe(request: Request) -> Response:
    request.state.back_to = "/warnings"
    form = await read_form(request)
    language = visitor_of(request).language
    typed = EmailForm(email=_field(form, "email"), region=_field(form, "county"), language=_field(form, "language") or language)
    if form is None or form_token_state(request, form) != "ok":
        return render(request, "warnings.html", **{**await list_context(request), "subscribing": typed}, message=TOKEN_EXPIRED)
    try:
        errors = await subscribe_email(core_of(request), Client.address(visitor_of(request).address), typed,
                                       base=str(request.base_url))
    except SubscriptionRefused:
        return too_many(request, TOO_MANY)
    if errors:
        if "email" in errors and errors["email"].suggestion is not None:  # "we removed the spaces": shown in the field
            typed = EmailForm(email=errors["email"].suggestion, region=typed.region, language=typed.language)
        shown = {name: message_text(invalid, language) for name, invalid in errors.items()}
        anchors = {"email": "#sub-email", "region": "#sub-county"}
        context = {**await list_context(request), "subscribing": typed, "sub_errors": shown}
        return render(request, "warnings.html", status_code=400, **context,
                      error_items=[(anchors[name], message) for name, message in shown.items()])
    return _page(request, state="sent", region=_county(request, typed.region))


def _page(request: Request, *, state: str, region: str, status_code: int = 200, **context: object) -> Response:
    return render(request, "subscription.html", status_code=status_code, state=state, region=region, days=CONFIRM_DAYS,
                  **context)


def _county(request: Request, code: str) -> str:
    return core_of(request).deployment.region_name(code, visitor_of(request).language)


async def _token(request: Request) -> str:
    token = request.query_params.get("t", "")
    if not token and request.method == "POST":
        form = await read_form(request)
        token = _field(form, "t")
    return token[:100]


@router.get("/warnings/confirm", response_class=HTMLResponse)
async def confirm_page(request: Request) -> Response:
    found = await by_token(core_of(request), await _token(request))
    if found is None:
        return _page(request, status_code=404, state="unknown", region="")
    state = "confirm" if found.status == "pending" else "confirmed"
    return _page(request, state=state, region=_county(request, found.region), token=await _token(request))


@router.post("/warnings/confirm", response_class=HTMLResponse)
async def confirm_pressed(request: Request) -> Response:
    done = await confirm(core_of(request), await _token(request))
    if done is None:
        return _page(request, status_code=404, state="unknown", region="")
    return _page(request, state="confirmed", region=_county(request, done.region))


@router.get("/warnings/unsubscribe", response_class=HTMLResponse)
async def unsubscribe_page(request: Request) -> Response:
    token = await _token(request)
    found = await by_token(core_of(request), token)
    if found is None:  # already stopped, or never was: nothing to do either way
        return _page(request, state="stopped", region="")
    return _page(request, state="stop", region=_county(request, found.region), token=token)


@router.post("/warnings/unsubscribe", response_class=HTMLResponse)
async def unsubscribe_pressed(request: Request) -> Response:
    ended = await unsubscribe(core_of(request), await _token(request))
    return _page(request, state="stopped", region=_county(request, ended.region) if ended else "")
