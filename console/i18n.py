"""The console's own strings: catalog domain "console", in Chinese (default) and English.

The core's texts a page shows (statuses, casework errors, routing reasons) come from the
"messages" domain through i18n.Translator; this module only adds the console's own domain.
"""
from __future__ import annotations

import gettext as _gettext
import io
from functools import lru_cache

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from i18n import LANGUAGE_NAMES, LANGUAGE_TAGS, LOCALES_DIR, negotiate

DOMAIN = "console"
#: Console languages, default first.
CONSOLE_LANGUAGES: tuple[str, ...] = ("zh_Hans", "en")
DEFAULT = "zh_Hans"


def console_language(*preferences: str | None) -> str:
    """The first preference the console speaks; Chinese otherwise (a Tibetan-speaking officer
    reads the console in Chinese)."""
    for preference in preferences:
        found = negotiate(preference) if preference else None
        if found in CONSOLE_LANGUAGES:
            return found
    return DEFAULT


@lru_cache(maxsize=None)
def catalog(language: str) -> _gettext.NullTranslations:
    loaded = Translations.load(str(LOCALES_DIR), locales=[language], domain=DOMAIN)
    if isinstance(loaded, Translations):
        return loaded
    # Not compiled yet (`make` compiles the catalogs; .mo files are not in the repository):
    # compile the .po in memory rather than show a Chinese officer an English console.
    source = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not source.exists():
        return NullTranslations()
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


class ConsoleTranslator:
    """gettext of the console domain bound to one language, with %-style parameters."""

    def __init__(self, language: str) -> None:
        self.language = language if language in CONSOLE_LANGUAGES else DEFAULT
        self.tag = LANGUAGE_TAGS[self.language]
        self.name = LANGUAGE_NAMES[self.language]
        self._t = catalog(self.language)

    def __call__(self, message: str, **params: object) -> str:
        text = self._t.gettext(message)
        return text % params if params else text
