"""Small helpers every page uses: the core, rendering, the client's address, rate limits, forms."""
from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from intake.platform import ratelimit
from intake.platform.body_limits import BodyTooLarge
from intake.platform.core import Core
from intake.platform.ratelimit import Limit
from web_form.rendering import Renderer, Visitor
from web_form.security import CSRF_FIELD, HONEYPOT_FIELD, check_csrf

log = logging.getLogger("web_form")

# Rate limits, per client address unless said otherwise. Generous on purpose: a whole village
# or care home can share one carrier address (carrier-grade NAT). They stop floods and code
# guessing, not people. Tracking-code look-ups are limited in the core (intake/reporting/lookups.py), for every channel.
REPORT_STARTS = Limit("web-report-start", 60, 3600)  # new reports begun, per address per hour
ANSWERS_PER_DRAFT = Limit("web-answer", 600, 3600)  # answered pages, per draft per hour
SUBMISSIONS = Limit("web-submit", 30, 3600)  # reports sent, per address per hour
REPLIES = Limit("web-reply", 30, 3600)  # replies and ratings (PIN attempts are also limited per tip)

#: The largest request body: ten 20 MB files would be 200 MB, which no phone on a slow line
#: sends; above this the page says so instead of reading further (intake.platform.body_limits counts
#: every body as it streams, whatever its Content-Length says; app.body_limit: which path gets which).
MAX_UPLOAD_BODY = 60 * 1024 * 1024
MAX_FORM_BODY = 1024 * 1024  # forms without files


def core_of(request: Request) -> Core:
    return request.app.state.core


def visitor_of(request: Request) -> Visitor:
    return request.state.visitor


def render(request: Request, template: str, *, status_code: int = 200, **context: object) -> HTMLResponse:
    renderer: Renderer = request.app.state.renderer
    return renderer.page(request, template, status_code=status_code, **context)


async def allowed(request: Request, limit: Limit, key: str | None = None) -> bool:
    ok = await ratelimit.hit(core_of(request), limit, key or visitor_of(request).address)
    if not ok:
        log.warning("rate limit %s reached", limit.name)
    return ok


def too_many(request: Request, reason: str | None = None) -> HTMLResponse:
    """The 429 page; `reason` (a msgid) instead of the general "wait ten minutes"."""
    return render(request, "too_many.html", status_code=429, reason=reason)


def form_token_state(request: Request, form: FormData) -> str:
    """"ok", "expired" or "bad" for the form's CSRF token (see security.check_csrf)."""
    token = form.get(CSRF_FIELD)
    return check_csrf(core_of(request), visitor_of(request).owner, token if isinstance(token, str) else None)


def honeypot_filled(form: FormData) -> bool:
    value = form.get(HONEYPOT_FIELD)
    if isinstance(value, str) and value.strip():
        log.info("honeypot field filled: request ignored")
        return True
    return False


async def read_form(request: Request, **parser_limits: int) -> FormData | None:
    """The posted form; None when its body is above the path's cap (by its Content-Length, or
    counted while it streams): nothing more of it is read then."""
    try:
        return await request.form(**parser_limits)
    except BodyTooLarge:
        return None
