"""Pages in the visitor's language: one Jinja environment per language, gettext bound per request.

`install_gettext_callables` is called once with functions that read the request's catalog
from a ContextVar, so two requests rendering at once never see each other's language
(`install_gettext_translations` would set one language for the whole environment).

Each language's environment also translates the templates' constant texts (`_("Continue")`)
once, when it compiles a template, instead of on every page (`_fold_constant_gettext`): the
HTML is the same, the page only does less work. Texts chosen at run time (`_(message)`) are
still translated per request through the ContextVar.
"""
from __future__ import annotations

import gettext as _gettext
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, nodes, select_autoescape
from markupsafe import Markup, escape

from i18n import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGE_TAGS, LANGUAGES, Translator, negotiate, translations
from i18n.folding import ConstantGettextFolder
from i18n.tibetan import agree
from intake.domain.answers.invalid import Invalid
from intake.domain.dates_in_words import day_in_words, moment_in_words

LANG_COOKIE = "tl_lang"
TEXT_COOKIE = "tl_text"  # "large" for bigger text
CONTRAST_COOKIE = "tl_contrast"  # "high" for high contrast

_catalog: ContextVar[_gettext.NullTranslations] = ContextVar("web_form_catalog")


def _gettext_now(message: str) -> str:
    return _catalog.get(translations(DEFAULT_LANGUAGE)).gettext(message)


def _ngettext_now(singular: str, plural: str, n: int) -> str:
    return _catalog.get(translations(DEFAULT_LANGUAGE)).ngettext(singular, plural, n)


def make_environment(language: str | None = None) -> Environment:
    """The public site's Jinja environment; with `language`, one whose templates have their
    constant `_()` texts translated into that language when they are compiled."""
    env = (Environment if language is None else _LanguageEnvironment)(
        loader=PackageLoader("web_form", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates change only with a deployment: no stat() of every template per page
    )
    if language is not None:
        env.catalog = translations(language)
        env.language = language
    env.install_gettext_callables(_gettext_now, _ngettext_now, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(LANGUAGES=LANGUAGES, LANGUAGE_NAMES=LANGUAGE_NAMES, LANGUAGE_TAGS=LANGUAGE_TAGS)
    env.globals[_AGREE] = _agreeing_particles
    env.filters["local_time"] = local_time
    env.filters["day_in_words"] = day_in_words
    return env


class _LanguageEnvironment(Environment):
    """An environment for one language: see `_fold_constant_gettext`."""

    catalog: _gettext.NullTranslations
    language: str

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        return _fold_constant_gettext(super()._parse(source, name, filename), self.catalog, self.language == "bo")


_AGREE = "_tibetan_particles"


def _agreeing_particles(template: str, params: dict[str, object]) -> Markup:
    """A Tibetan translation formatted as Markup's `%` would (values escaped), with each case
    particle after a name made to agree with it (i18n/tibetan.py)."""
    return Markup(agree(template, {k: escape(v) if isinstance(v, str) else v for k, v in params.items()}))


def _fold_constant_gettext(tree: nodes.Template, catalog: _gettext.NullTranslations, tibetan: bool = False) -> nodes.Template:
    """Replace every `_("constant text", name=value, ...)` by its translation in `catalog`, as
    the i18n extension's new-style gettext would produce it at run time: the translation marked
    safe when autoescaping, then `%` with the keyword values (escaped by Markup's `%`). Calls
    with a text known only at run time, or with * / ** arguments, are left as they are.
    `tibetan`: a case particle written after a placeholder agrees with the value at run time."""
    return ConstantGettextFolder(catalog, marked_safe=True, formats_bare=True, agree=_AGREE if tibetan else None).visit(tree)


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
    return moment_in_words(moment, language)


class Renderer:
    def __init__(self) -> None:
        self.envs = {language: make_environment(language) for language in LANGUAGES}
        #: language -> the number to call about a mistake, while its translation is being checked
        self.translation_check_phone: dict[str, str] = {}

    def say_translation_is_checked(self, languages: set[str], phone: str) -> None:
        """Pages in these languages say in their footer that the translation is still being
        checked, and which number to call about a mistake."""
        self.translation_check_phone = {language: phone for language in languages}

    def page(self, request: Request, template: str, *, status_code: int = 200, **context: object) -> HTMLResponse:
        visitor: Visitor = request.state.visitor
        env = self.envs.get(visitor.language) or self.envs[DEFAULT_LANGUAGE]
        token = _catalog.set(translations(visitor.language))
        try:
            html = env.get_template(template).render(
                request=request,
                visitor=visitor,
                lang=visitor.language,
                html_lang=LANGUAGE_TAGS[visitor.language],
                csrf_token=request.state.csrf_token,
                here=_here(request),
                translation_check_phone=self.translation_check_phone.get(visitor.language),
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
