"""Pages in the visitor's language: one Jinja environment, gettext bound per request.

`install_gettext_callables` is called once with functions that read the request's catalog
from a ContextVar, so two requests rendering at once never see each other's language
(`install_gettext_translations` would set one language for the whole environment).
"""
from __future__ import annotations

import gettext as _gettext
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_date, format_time
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from i18n import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGE_TAGS, LANGUAGES, Translator, negotiate, translations
from intake.answers import Invalid

LANG_COOKIE = "tl_lang"
TEXT_COOKIE = "tl_text"  # "large" for bigger text
CONTRAST_COOKIE = "tl_contrast"  # "high" for high contrast
BABEL_LOCALES = {"zh_Hans": "zh_Hans_CN", "bo": "bo_CN", "en": "en"}

_catalog: ContextVar[_gettext.NullTranslations] = ContextVar("web_form_catalog")


def _gettext_now(message: str) -> str:
    return _catalog.get(translations(DEFAULT_LANGUAGE)).gettext(message)


def _ngettext_now(singular: str, plural: str, n: int) -> str:
    return _catalog.get(translations(DEFAULT_LANGUAGE)).ngettext(singular, plural, n)


def make_environment() -> Environment:
    env = Environment(
        loader=PackageLoader("web_form", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates change only with a deployment: no stat() of every template per page
    )
    env.install_gettext_callables(_gettext_now, _ngettext_now, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(LANGUAGES=LANGUAGES, LANGUAGE_NAMES=LANGUAGE_NAMES, LANGUAGE_TAGS=LANGUAGE_TAGS)
    env.filters["local_time"] = local_time
    return env


@dataclass(frozen=True)
class Visitor:
    """Who is asking, as far as the page cares: language, display switches, cookie owner id."""

    language: str
    large_text: bool
    high_contrast: bool
    owner: str
    address: str


def visitor_language(request: Request) -> str:
    return (
        negotiate(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))
        or DEFAULT_LANGUAGE
    )


def message_text(error: Invalid | str, language: str) -> str:
    """A core message id (with its parameters) in the visitor's language."""
    _ = Translator(language)
    if isinstance(error, str):
        return _(error)
    return _(error.message, **error.params) if error.params else _(error.message)


def local_time(moment: datetime, language: str) -> str:
    locale = BABEL_LOCALES.get(language, "zh_Hans_CN")
    return f"{format_date(moment, format='long', locale=locale)} {format_time(moment, format='HH:mm', locale=locale)}"


class Renderer:
    def __init__(self) -> None:
        self.env = make_environment()

    def page(self, request: Request, template: str, *, status_code: int = 200, **context: object) -> HTMLResponse:
        visitor: Visitor = request.state.visitor
        token = _catalog.set(translations(visitor.language))
        try:
            html = self.env.get_template(template).render(
                request=request,
                visitor=visitor,
                lang=visitor.language,
                html_lang=LANGUAGE_TAGS[visitor.language],
                csrf_token=request.state.csrf_token,
                here=_here(request),
                **context,
            )
        finally:
            _catalog.reset(token)
        return HTMLResponse(html, status_code=status_code)


def _here(request: Request) -> str:
    """The path to come back to after a switch (language, text size, contrast).

    A page shown in answer to a POST (a status look-up) comes back to its form instead.
    """
    path = request.url.path
    if request.method == "GET":
        return path
    if path.startswith("/report/q/"):
        return path  # a question shown again after its POST has the same address
    return getattr(request.state, "back_to", None) or {"/report/submit": "/report/review"}.get(path, "/")
