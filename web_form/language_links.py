"""Links that open in a language: `?lang=bo` on any public page remembers the language and comes
back to the same page without the parameter, so a poster's QR code, a text message or a link
shared in a chat app opens the site in the reader's language.

The redirect only ever goes to this site's own path (never to another host: no open redirect),
and a value that names no language of the tip-line is dropped without setting anything.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlencode

from fastapi.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from i18n import negotiate

PARAMETER = "lang"
PREFERENCE_SECONDS = 365 * 24 * 3600
#: Paths that are no page to come back to: files, the JSON API, the switches themselves, and
#: the warnings' feed, whose ?lang= chooses its language (a feed reader keeps no cookie).
_NOT_PAGES = ("/static/", "/api/", "/prefs/", "/warnings.atom")
#: A language tag as people write it: zh, zh-CN, zh_Hans, bo, en-GB.
_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,2}")
#: What a path may hold as it is sent on in Location (RFC 3986 pchar and "/"); the rest is quoted.
_PATH_SAFE = "/-._~!$&'()*+,;=:@"


def language_of(value: str) -> str | None:
    """The tip-line language a `lang` value names (`bo`, `zh-CN`, `zh_Hans`, `EN`), else None."""
    if not _TAG.fullmatch(value):
        return None
    return negotiate(value)


def same_page_without_language(path: str, query_string: bytes) -> str:
    """The page's own address without `lang`: a path on this site, never `//host` or `/\\host`
    (which a browser would read as another site)."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path or any(ord(c) < 0x20 or c == "\x7f" for c in path):
        path = "/"
    kept = [(name, value) for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
            if name != PARAMETER]
    target = quote(path, safe=_PATH_SAFE)
    return f"{target}?{urlencode(kept)}" if kept else target


class LanguageLinks:
    """ASGI middleware: a GET of a page with `?lang=…` becomes a 303 to the same page without it,
    with the language cookie set when the value names one of the tip-line's languages."""

    def __init__(self, app: ASGIApp, *, cookie: str, app_state) -> None:  # noqa: ANN001 - Starlette State
        self.app, self.cookie, self.app_state = app, cookie, app_state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] not in ("GET", "HEAD")
                or scope["path"].startswith(_NOT_PAGES) or not _mentions_language(scope["query_string"])):
            await self.app(scope, receive, send)
            return
        query = scope["query_string"]
        values = [value for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True) if name == PARAMETER]
        response = RedirectResponse(same_page_without_language(scope["path"], query), status_code=303)
        language = language_of(values[0]) if values else None
        if language:
            response.set_cookie(self.cookie, language, max_age=PREFERENCE_SECONDS, httponly=True, samesite="lax",
                                secure=self.app_state.secure_cookies, path="/")
        await response(scope, receive, send)


def _mentions_language(query_string: bytes) -> bool:
    return any(name == PARAMETER for name, _ in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))
