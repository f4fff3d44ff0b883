"""Languages of the tip-line: Babel catalogs, locale negotiation, translators.

A leaf package: it imports nothing of the project. The catalogs hold the code's own strings
(msgids are English source strings); deployment texts live in configuration instead.
"""
from __future__ import annotations

import gettext as _gettext
from functools import lru_cache
from pathlib import Path

from babel.support import NullTranslations, Translations

from i18n.tibetan import agree

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"

#: The languages of the tip-line, default first.
LANGUAGES: tuple[str, ...] = ("zh_Hans", "bo", "en")
DEFAULT_LANGUAGE = "zh_Hans"

#: Names shown in a language switcher, each in its own language.
LANGUAGE_NAMES: dict[str, str] = {"zh_Hans": "中文", "bo": "བོད་ཡིག", "en": "English"}

#: BCP 47 tags for HTML lang attributes and e-mail headers.
LANGUAGE_TAGS: dict[str, str] = {"zh_Hans": "zh-Hans", "bo": "bo", "en": "en"}

# Tibetan readers are far more likely to read Chinese than English.
_FALLBACKS: dict[str, tuple[str, ...]] = {"bo": ("bo", "zh_Hans"), "en": ("en", "zh_Hans")}

_PRIMARY_SUBTAGS = {"zh": "zh_Hans", "bo": "bo", "en": "en"}


def N_(message: str) -> str:
    """Mark a string for extraction into the catalogs without translating it now.

    Data (questions, validator messages) is declared once in English and translated
    when a channel renders it in the reporter's language.
    """
    return message


def fallback_chain(language: str) -> tuple[str, ...]:
    return _FALLBACKS.get(language, (language, DEFAULT_LANGUAGE) if language != DEFAULT_LANGUAGE else (language,))


def negotiate(*preferences: str | None) -> str | None:
    """The first supported language among preferences such as `zh-CN`, `bo_CN`, `en-GB;q=0.8`.

    Matches on the primary language subtag: Babel's negotiate alone maps `zh-CN` to nothing.
    An Accept-Language header may be passed whole; its q-values order it.
    """
    for preference in preferences:
        if not preference:
            continue
        for tag in _ordered_tags(preference):
            if tag.replace("-", "_") in LANGUAGES:
                return tag.replace("-", "_")
            primary = tag.replace("_", "-").split("-")[0].lower()
            if primary in _PRIMARY_SUBTAGS:
                return _PRIMARY_SUBTAGS[primary]
    return None


def _ordered_tags(header: str) -> list[str]:
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


@lru_cache(maxsize=None)
def translations(language: str, locales_dir: Path = LOCALES_DIR) -> _gettext.NullTranslations:
    """Compiled catalog for language, falling back along fallback_chain (bo -> zh_Hans)."""
    chain = [lang for lang in fallback_chain(language) if lang in LANGUAGES] or [DEFAULT_LANGUAGE]
    result: _gettext.NullTranslations | None = None
    for lang in chain:
        loaded = Translations.load(str(locales_dir), locales=[lang], domain=DOMAIN)
        if isinstance(loaded, NullTranslations) and not isinstance(loaded, Translations):
            continue  # not compiled: `make` compiles the catalogs
        if result is None:
            result = loaded
        else:
            result.add_fallback(loaded)
    return result or NullTranslations()


class Translator:
    """gettext bound to one language, with %-style parameters."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self._t = translations(self.language)

    def __call__(self, message: str, **params: object) -> str:
        text = self._t.gettext(message)
        return self._format(text, params) if params else text

    def plural(self, singular: str, plural: str, n: int, **params: object) -> str:
        text = self._t.ngettext(singular, plural, n)
        return self._format(text, {"n": n, **params})

    def _format(self, text: str, params: dict[str, object]) -> str:
        if self.language == "bo":  # a case particle after a name agrees with the name
            return agree(text, params)
        return text % params
