"""Signing in (password, then the TOTP code or its enrolment), signing out, and enrolling a
second factor from the account page."""
from __future__ import annotations

import base64
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from console import sessions
from console.i18n import CONSOLE_LANGUAGES
from console.dependencies import AccountHolder, ConsoleDep, VisitorForm
from console.web import Console, Viewer
from intake.platform import audit, ratelimit
from intake.staff import staff_sessions
from intake.staff.auth import (
    Attempt, check_password, check_totp, enrol_totp, get_staff_by_id, new_totp_secret, totp_required, totp_uri,
)
from intake.platform.models.staff import StaffUser
from intake.platform.ratelimit import Limit

PENDING_PURPOSE = "console-totp-pending"
#: Password and code attempts per client address, counted before any work: a flood is answered
#: at once. Guessing itself is slowed by the waits of intake/staff/sign_in_backoff.py (per name, per
#: address, per browser), which answer exactly like a wrong password.
SIGN_IN_ATTEMPTS = Limit("console-signin", 30, 900)


async def _signed_in_session(console: Console, staff: StaffUser, lang: str = "") -> sessions.Session:
    """A new session with its row on the server (which signing out deletes)."""
    sid = await staff_sessions.start(console.core, staff.id)
    return sessions.new_session(console.core, stage="in", user_id=staff.id, sid=sid, lang=lang)


def _seal_pending(console: Console, secret: str) -> str:
    return base64.urlsafe_b64encode(console.core.keys.seal(secret, purpose=PENDING_PURPOSE)).decode()


def _open_pending(console: Console, pending: str) -> str | None:
    if not pending:
        return None
    try:
        return console.core.keys.open_text(base64.urlsafe_b64decode(pending), purpose=PENDING_PURPOSE)
    except Exception:  # noqa: BLE001 - a forged or stale value is simply no enrolment in progress
        return None


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"  # X-Forwarded-For only from TIPLINE_TRUSTED_PROXIES


def _attempt(console: Console, request: Request) -> Attempt:
    browser = sessions.decode_browser(console.core, request.cookies.get(sessions.BROWSER_COOKIE))
    return Attempt(address=_address(request), browser=browser)


async def _signed_in(console: Console, request: Request, staff: StaffUser, lang: str, location: str) -> Response:
    """Signed in: a new session, and this browser marked as theirs (their attempts from it are
    judged apart from a stranger's guesses at their name)."""
    core = console.core
    previous = getattr(request.state, "session", None)
    if previous is not None and previous.sid:  # signing in again in this browser: the old session ends
        await staff_sessions.end(core, previous.sid)
    console.replace_session(request, await _signed_in_session(console, staff, lang))
    response = RedirectResponse(location, status_code=303)
    known = sessions.decode_browser(core, request.cookies.get(sessions.BROWSER_COOKIE))
    browser_id = known[1] if known is not None and known[0] == staff.id else secrets.token_urlsafe(16)
    response.set_cookie(
        sessions.BROWSER_COOKIE, sessions.encode_browser(core, staff.id, browser_id), path="/signin",
        max_age=int(sessions.BROWSER_REMEMBERED.total_seconds()), httponly=True, samesite="strict",
        secure=core.settings.production,
    )
    return response


def _grouped(secret: str) -> str:
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


router = APIRouter()


def sign_in_page(console: Console, viewer: Viewer, *, error: str | None = None, status_code: int = 200,
                 notice: str | None = None, username: str = "") -> Response:
    _ = viewer._
    return console.render(viewer, "signin.html", status_code=status_code, title=_("Sign in"), error=error,
                          notice=notice, username=username)


@router.get("/signin")
async def sign_in_form(request: Request, console: ConsoleDep, lang: str | None = None, expired: str | None = None) -> Response:
    if await console.staff(request) is not None:
        return RedirectResponse("/queue", status_code=303)
    session = console.session(request)
    if lang in CONSOLE_LANGUAGES:
        session.lang = lang
    viewer = console.anonymous_viewer(request)
    notice = viewer._("Your session has ended. Please sign in again.") if expired else None
    return sign_in_page(console, viewer, notice=notice)


@router.post("/signin")
async def sign_in(request: Request, signed: VisitorForm, console: ConsoleDep) -> Response:
    core = console.core
    viewer, form = signed
    _ = viewer._
    username = str(form.get("username") or "").strip()
    if not await ratelimit.hit(core, SIGN_IN_ATTEMPTS, _address(request)):
        return sign_in_page(console, viewer, status_code=429, username=username, error=_(
            "Too many sign-in attempts from this computer. Please wait 15 minutes and try again."))
    result = await check_password(core, username, str(form.get("password") or ""), _attempt(console, request))
    if result.status == "refused":  # an unknown name, a wrong password, or a wait: one answer
        return sign_in_page(console, viewer, status_code=400, username=username, error=_(
            "The user name or the password is not right, or this name was tried too often just now. "
            "Check them and try again; after several failed tries, wait a few minutes first."))
    lang = viewer.session.lang
    if result.status == "ok":
        staff = await get_staff_by_id(core, result.user_id)  # type: ignore[arg-type]
        return await _signed_in(console, request, staff, lang, "/queue")  # type: ignore[arg-type]
    pending = _seal_pending(console, new_totp_secret()) if result.status == "enrol" else ""
    console.replace_session(request, sessions.new_session(
        core, stage=result.status, user_id=result.user_id, pending=pending, lang=lang))
    return RedirectResponse("/signin/totp" if result.status == "totp" else "/signin/enrol", status_code=303)


@router.get("/signin/totp")
async def totp_form(request: Request, console: ConsoleDep) -> Response:
    viewer = console.anonymous_viewer(request)
    if viewer.session.stage != "totp":
        return console.to_sign_in()
    return console.render(viewer, "totp.html", title=viewer._("Second step: the code from your app"), error=None)


@router.post("/signin/totp")
async def totp(request: Request, signed: VisitorForm, console: ConsoleDep) -> Response:
    core = console.core
    viewer, form = signed
    _ = viewer._
    session = viewer.session
    if session.stage != "totp" or session.user_id is None:
        return console.to_sign_in()
    if not await ratelimit.hit(core, SIGN_IN_ATTEMPTS, _address(request)):
        return console.render(viewer, "totp.html", status_code=429, title=_("Second step: the code from your app"),
                              error=_("Too many sign-in attempts from this computer. Please wait 15 minutes and try again."))
    result = await check_totp(core, session.user_id, str(form.get("code") or ""), _attempt(console, request))
    if result.status == "ok":
        staff = await get_staff_by_id(core, session.user_id)
        return await _signed_in(console, request, staff, session.lang, "/queue")  # type: ignore[arg-type]
    if result.status == "wait":
        console.replace_session(request, sessions.new_session(core, lang=session.lang))
        return sign_in_page(console, console.anonymous_viewer(request), status_code=429, error=_(
            "Too many failed attempts with this name just now. Please wait a few minutes, then sign in again."))
    if result.status == "used":
        return console.render(viewer, "totp.html", status_code=400, title=_("Second step: the code from your app"),
                              error=_("That code has been used already. Wait until your app shows a new code, then type that one."))
    return console.render(viewer, "totp.html", status_code=400, title=_("Second step: the code from your app"),
                          error=_("That code is not right. Type the 6 digits your app shows now."))


async def enrol_page(console: Console, viewer: Viewer, *, status_code: int = 200, error: str | None = None,
                     action: str) -> Response:
    secret = _open_pending(console, viewer.session.pending)
    if secret is None:
        secret = new_totp_secret()
        viewer.session.pending = _seal_pending(console, secret)
    user = viewer.staff or await get_staff_by_id(console.core, viewer.session.user_id or 0)
    return console.render(
        viewer, "enrol.html", status_code=status_code, title=viewer._("Set up your second factor"), error=error,
        secret=_grouped(secret), uri=totp_uri(secret, user.username if user else ""), action=action,
    )


async def enrol(request: Request, console: Console, viewer: Viewer, form: FormData, action: str) -> Response:
    """The second factor set up: at sign-in, or from the account page (the form's token checked by the caller)."""
    _ = viewer._
    secret = _open_pending(console, viewer.session.pending)
    user_id = viewer.staff.id if viewer.staff else viewer.session.user_id
    if secret is None or user_id is None:
        return console.to_sign_in()
    if not await enrol_totp(console.core, user_id, secret, str(form.get("code") or ""), signing_in=viewer.staff is None):
        return await enrol_page(console, viewer, status_code=400, action=action,
                                error=_("That code is not right. Type the 6 digits your app shows now."))
    staff = await get_staff_by_id(console.core, user_id)
    location = "/queue" if action == "/signin/enrol" else "/account?enrolled=1"
    return await _signed_in(console, request, staff, viewer.session.lang, location)  # type: ignore[arg-type]


@router.get("/signin/enrol")
async def enrol_form(request: Request, console: ConsoleDep) -> Response:
    viewer = console.anonymous_viewer(request)
    if viewer.session.stage != "enrol":
        return console.to_sign_in()
    return await enrol_page(console, viewer, action="/signin/enrol")


@router.post("/signin/enrol")
async def enrol_at_sign_in(request: Request, signed: VisitorForm, console: ConsoleDep) -> Response:
    if signed.viewer.session.stage != "enrol":
        return console.to_sign_in()
    return await enrol(request, console, signed.viewer, signed.form, "/signin/enrol")


@router.get("/account")
async def account(viewer: AccountHolder, console: ConsoleDep, enrolled: str | None = None) -> Response:
    _ = viewer._
    staff = viewer.staff
    return console.render(
        viewer, "account.html", title=_("Your account"), has_totp=bool(staff.totp_sealed),
        required=totp_required(console.core, staff), enrolled=bool(enrolled),
    )


@router.get("/account/totp")
async def account_enrol_form(viewer: AccountHolder, console: ConsoleDep) -> Response:
    if viewer.staff.totp_sealed:
        return RedirectResponse("/account", status_code=303)
    return await enrol_page(console, viewer, action="/account/totp")


@router.post("/account/totp")
async def account_enrol(request: Request, viewer: AccountHolder, console: ConsoleDep) -> Response:
    if viewer.staff.totp_sealed:
        return RedirectResponse("/account", status_code=303)
    form = await request.form()
    if not console.csrf_ok(request, form.get("csrf")):
        return console.forbidden_form(viewer)
    return await enrol(request, console, viewer, form, "/account/totp")


@router.post("/signout")
async def sign_out(request: Request, console: ConsoleDep) -> Response:
    form = await request.form()
    staff = await console.staff(request)
    if not console.csrf_ok(request, form.get("csrf")):
        return console.forbidden_form(console.anonymous_viewer(request))
    if staff is not None:
        await staff_sessions.end(console.core, console.session(request).sid)
        await audit.record_now(console.core, staff.username, "staff.sign_out")
    console.replace_session(request, None)
    return RedirectResponse("/signin", status_code=303)
