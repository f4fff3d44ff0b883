"""What every console page shares: templates, the session and the signed-in staff member,
CSRF checks, languages, and the security headers.
"""
from __future__ import annotations

import gettext as _gettext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, nodes, select_autoescape
from pydantic import BeforeValidator

from console import sessions
from console.i18n import CONSOLE_LANGUAGES, ConsoleTranslator, catalog, console_language
from console.sessions import Session
from i18n import LANGUAGE_NAMES, LANGUAGE_TAGS, Translator
from i18n.folding import ConstantGettextFolder
from intake.domain import joins
from intake.staff import staff_sessions
from intake.platform.core import Core
from intake.domain.ids import parse_id
from intake.platform.models.staff import StaffUser
from intake.platform.voice_files import KEPT_AS_SENT
from intake.staff.staff import ROLE_LABELS, Role

HERE = Path(__file__).parent
#: The largest request body the console reads: it takes no files, every form is small.
MAX_BODY = 1024 * 1024


def _id(value: object) -> int:
    found = parse_id(value)
    if found is None:
        raise ValueError("not an id")
    return found


#: A number in a console path (a tip, a file of a tip), read by the core's one rule (parse_id)
#: before the route runs: "abc", "+1" or 99999999999999999999999 is "not found" (console/app.py).
Id = Annotated[int, BeforeValidator(_id)]

SECURITY_HEADERS = {
    # No inline script, no script at all: the console works with plain HTML forms.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; media-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


@dataclass
class Viewer:
    """Who is looking at a page, and in which language."""

    session: Session
    staff: StaffUser | None
    language: str
    _: ConsoleTranslator  # the console's own strings
    core_: Translator  # the core's strings (statuses, errors, routing reasons)


class _LanguageEnvironment(Environment):
    """The console's templates in one language: each constant `_("text")` is translated when the
    template is compiled, as the console's translator would return it on every page (a str,
    escaped when printed; formatted only with parameters), so a page is the same, only cheaper
    (a tip page has about a hundred of them). Texts chosen at run time go through `_` as before."""

    catalog: _gettext.NullTranslations

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        return ConstantGettextFolder(self.catalog, marked_safe=False, formats_bare=False).visit(super()._parse(source, name, filename))


class Console:
    def __init__(self, core: Core) -> None:
        self.core = core
        # One environment per console language (the page's `_` is the viewer's translator in that language).
        self.envs = {language: self._environment(language) for language in CONSOLE_LANGUAGES}

    def _environment(self, language: str) -> Environment:
        env = _LanguageEnvironment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True, lstrip_blocks=True,
            auto_reload=False,  # templates change only with a deployment: no stat() of a page's every template per request
        )
        env.catalog = catalog(language)
        env.filters["local"] = self.local_time
        env.filters["local_date"] = self.local_date
        env.globals["labelled"] = joins.labelled  # "label：value" in Chinese, "label: value" in English
        env.globals["kept_as_sent"] = KEPT_AS_SENT  # voice the browser cannot play: offered as a download
        return env

    # -- time ------------------------------------------------------------------------------------
    # Formatted by hand: what strftime("%Y-%m-%d %H:%M") prints, at a fraction of its cost (a queue page has 100).
    def local_time(self, moment: datetime | None) -> str:
        if moment is None:
            return ""
        local = moment.astimezone(ZoneInfo(self.core.settings.timezone))
        return f"{local.year:04d}-{local.month:02d}-{local.day:02d} {local.hour:02d}:{local.minute:02d}"

    def local_date(self, moment: datetime | None) -> str:
        if moment is None:
            return ""
        local = moment.astimezone(ZoneInfo(self.core.settings.timezone))
        return f"{local.year:04d}-{local.month:02d}-{local.day:02d}"

    # -- sessions ---------------------------------------------------------------------------------
    def session(self, request: Request) -> Session:
        """The request's session; an anonymous one (with its CSRF token) when there is none."""
        session = getattr(request.state, "session", None)
        if session is None:
            session = sessions.new_session(self.core)
            request.state.session = session
        return session

    def replace_session(self, request: Request, session: Session | None) -> None:
        """A new session on signing in or out, so no token outlives a change of who is signed in."""
        request.state.session = session
        request.state.session_changed = True

    async def staff(self, request: Request) -> StaffUser | None:
        session = getattr(request.state, "session", None)
        if session is None or not session.signed_in:
            return None
        # One indexed read: the session's row on the server with its staff member.
        staff = await staff_sessions.signed_in_staff(self.core, session.sid, session.user_id)  # type: ignore[arg-type]
        if staff is None:  # signed out, ended by a change of role or password, or disabled
            self.replace_session(request, None)
        return staff

    async def viewer(self, request: Request) -> Viewer | None:
        staff = await self.staff(request)
        if staff is None:
            return None
        return self._viewer(request, staff)

    def anonymous_viewer(self, request: Request) -> Viewer:
        return self._viewer(request, None)

    def _viewer(self, request: Request, staff: StaffUser | None) -> Viewer:
        session = self.session(request)
        if staff is not None:
            language = console_language(staff.language)
        else:
            language = console_language(session.lang, request.headers.get("accept-language"))
        return Viewer(session, staff, language, ConsoleTranslator(language), Translator(language))

    def csrf_ok(self, request: Request, token: object) -> bool:
        return sessions.csrf_ok(getattr(request.state, "session", None), token if isinstance(token, str) else None)

    # -- responses --------------------------------------------------------------------------------
    def render(self, viewer: Viewer, template: str, *, status_code: int = 200, **context: object) -> HTMLResponse:
        staff = viewer.staff
        html = self.envs[viewer._.language].get_template(template).render(
            _=viewer._, core_=viewer.core_, language=viewer.language, lang_tag=LANGUAGE_TAGS[viewer.language],
            language_names=LANGUAGE_NAMES, language_tags=LANGUAGE_TAGS, console_languages=CONSOLE_LANGUAGES,
            staff=staff, csrf=viewer.session.csrf,
            role_label=viewer.core_(ROLE_LABELS[Role(staff.role)]) if staff else "",
            **context,
        )
        return HTMLResponse(html, status_code=status_code)

    def to_sign_in(self, *, expired: bool = False) -> RedirectResponse:
        return RedirectResponse("/signin?expired=1" if expired else "/signin", status_code=303)

    def sign_in_again(self, request: Request) -> RedirectResponse:
        """To the sign-in page, saying the session ended when there was one."""
        return self.to_sign_in(expired=bool(getattr(request.state, "had_cookie", False)))

    def forbidden_form(self, viewer: Viewer) -> HTMLResponse:
        _ = viewer._
        return self.render(
            viewer, "message.html", status_code=403, title=_("This form has expired"),
            message=_("The form has expired or did not come from this console. Go back, reload the page and try again."),
        )

    def not_found(self, viewer: Viewer) -> HTMLResponse:
        _ = viewer._
        return self.render(
            viewer, "message.html", status_code=404, title=_("Not found"),
            message=_("There is no such tip, or it is not one you may see."),
        )


def add_security_headers(response: Response, *, private: bool = True) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if private:
        response.headers["Cache-Control"] = "no-store"
