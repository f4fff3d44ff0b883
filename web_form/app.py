"""The public site's ASGI app: `create_app(core)`; the composition root (tipline/) serves it.

Everything works without JavaScript: the language, bigger-text and high-contrast switches are
plain links that set a cookie and come back to the page.
"""
from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.requests import ClientDisconnect

from i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, Translator, negotiate
from intake.admin.text_review import awaiting_native_review
from intake.platform.body_limits import BodyTooLarge, CappedBodies
from intake.platform.core import Core
from intake.platform.db import TRANSIENT_ERRORS, is_transient
from intake.domain.questionnaire import QUESTIONS
from intake.domain.steps import Kind
from web_form import api, check, report, status, subscribe_pages, warning_pages
from web_form.common import MAX_FORM_BODY, MAX_UPLOAD_BODY, render
from web_form.language_links import PREFERENCE_SECONDS, LanguageLinks
from web_form.rendering import CONTRAST_COOKIE, LANG_COOKIE, TEXT_COOKIE, Renderer, Visitor, visitor_language
from web_form.security import OWNER_COOKIE, SECURITY_HEADERS, csrf_token, new_owner, valid_owner

STATIC_DIR = Path(__file__).parent / "static"
RETRY_AFTER_SECONDS = 30
UNAVAILABLE = N_("The tip-line cannot answer just now. Please try again in a minute.")
PAGE_NOT_FOUND = (N_("Page not found"), N_(
    "There is no page at this address. It may have been mistyped, or the page is gone. You can start from the first page."))
UNREADABLE = (N_("This request could not be read"), N_(
    "What your browser sent could not be read. Please go back, reload the page and try again. What you sent before is kept."))

log = logging.getLogger("web_form")


def create_app(core: Core, *, secure_cookies: bool | None = None, lookup_floor_seconds: float = 0.25) -> FastAPI:
    """The public site for `core`.

    secure_cookies: send cookies only over HTTPS (default: when settings.env is production).
    lookup_floor_seconds: every tracking-code look-up takes at least this long (no timing oracle).
    """
    app = FastAPI(title="Elder-fraud tip-line", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.core = core
    app.state.renderer = Renderer()
    app.state.renderer.say_translation_is_checked(awaiting_native_review(core.deployment), core.deployment.contact.hotline)
    app.state.secure_cookies = core.settings.production if secure_cookies is None else secure_cookies
    app.state.lookup_floor_seconds = lookup_floor_seconds
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(report.router)
    app.include_router(status.router)
    app.include_router(check.router)
    app.include_router(api.router)
    app.include_router(subscribe_pages.router)  # before /warnings/{id}
    app.include_router(warning_pages.router)
    app.add_api_route("/api/openapi.json", api.openapi_json, methods=["GET"], include_in_schema=False)
    app.add_api_route("/prefs/{name}/{value}", preference, methods=["GET"])
    # The database (or another service) out of reach: a friendly page, never a stack trace.
    for error in TRANSIENT_ERRORS:
        app.add_exception_handler(error, unavailable)
    app.add_exception_handler(ClientDisconnect, gone)
    app.add_exception_handler(StarletteHTTPException, no_such_page)  # no route; a body that cannot be read
    app.add_exception_handler(RequestValidationError, invalid)  # a parameter that does not pass its type
    app.add_exception_handler(Exception, failed)  # anything else: a page, never a stack trace

    # ?lang=bo on any page: innermost but for the host check, so the headers below go on its redirect.
    app.add_middleware(LanguageLinks, cookie=LANG_COOKIE, app_state=app.state)
    hosts = core.settings.allowed_hosts
    if hosts and hosts != ["*"]:  # production: only the deployment's names, never a forged Host echoed in a redirect
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts, www_redirect=False)

    app.add_exception_handler(BodyTooLarge, too_large)

    # A plain ASGI middleware, not @app.middleware("http"): Starlette's BaseHTTPMiddleware runs
    # every response through an extra task and memory stream (measured by bench/wizard_bench.py).
    # Added last, so it is outermost: its headers go on the host check's refusals too.
    app.add_middleware(VisitorAndHeaders, core=core, app_state=app.state)
    app.add_middleware(CappedBodies, limit_for=body_limit)

    return app


#: Where files are posted: the files question of the wizard and the reply on the status page.
UPLOAD_PATHS = frozenset({"/status/reply", *(report.question_url(step.key) for step in QUESTIONS if step.kind is Kind.FILES)})


def body_limit(path: str) -> int:
    """The most a request's body may have on `path`, counted while it streams."""
    if path in UPLOAD_PATHS:
        return MAX_UPLOAD_BODY
    if path.startswith("/api/"):
        return api.MAX_BODY
    return MAX_FORM_BODY


class VisitorAndHeaders:
    """Who is asking (language, display switches, the owner cookie, address) on request.state,
    and the security and no-store headers on every response."""

    def __init__(self, app: ASGIApp, *, core: Core, app_state) -> None:  # noqa: ANN001 - Starlette State
        self.app, self.core, self.app_state = app, core, app_state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        owner = request.cookies.get(OWNER_COOKIE)
        fresh = not valid_owner(owner)
        if fresh:
            owner = new_owner()
        request.state.visitor = Visitor(
            language=visitor_language(request),
            large_text=request.cookies.get(TEXT_COOKIE) == "large",
            high_contrast=request.cookies.get(CONTRAST_COOKIE) == "high",
            owner=owner,
            address=request.client.host if request.client else "unknown",  # X-Forwarded-For only from TIPLINE_TRUSTED_PROXIES
        )
        request.state.csrf_token = csrf_token(self.core, owner)
        path = scope["path"]
        secure = self.app_state.secure_cookies

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if fresh and not path.startswith(("/static/", "/api/")):
                    cookie = Response()
                    cookie.set_cookie(OWNER_COOKIE, owner, max_age=self.core.settings.draft_ttl_days * 86400,
                                      httponly=True, samesite="lax", secure=secure, path="/")
                    headers.append("set-cookie", cookie.headers["set-cookie"])
                for header, value in SECURITY_HEADERS.items():
                    headers.setdefault(header, value)
                if secure:
                    headers.setdefault("strict-transport-security", "max-age=31536000")
                if not path.startswith("/static/"):
                    # Pages carry tracking codes and PINs: never keep them in a shared cache or disk.
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


_PREFERENCES = {
    "lang": (LANG_COOKIE, set(LANGUAGES)),
    "text": (TEXT_COOKIE, {"large", "normal"}),
    "contrast": (CONTRAST_COOKIE, {"high", "normal"}),
}


async def preference(request: Request, name: str, value: str) -> Response:
    """/prefs/lang/bo?next=/report/q/category: remember the choice, go back to the page."""
    target = request.query_params.get("next", "/")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = "/"  # only our own pages: never an open redirect
    response = RedirectResponse(target, status_code=303)
    cookie, values = _PREFERENCES.get(name, ("", set()))
    if value in values:
        response.set_cookie(cookie, value, max_age=PREFERENCE_SECONDS, httponly=True, samesite="lax",
                            secure=request.app.state.secure_cookies, path="/")
    return response


async def unavailable(request: Request, error: Exception) -> Response:
    """503 in the visitor's language (the API: JSON), with Retry-After; the server keeps running
    and the next request, once the database is back, succeeds (the pool checks its connections)."""
    if not is_transient(error):
        raise error
    log.warning("%s %s: service unavailable (%s: %s)", request.method, request.url.path, type(error).__name__,
                str(error).splitlines()[0][:200] if str(error) else "")
    headers = {"retry-after": str(RETRY_AFTER_SECONDS), "cache-control": "no-store"}
    visitor = getattr(request.state, "visitor", None)
    if request.url.path.startswith("/api/") or visitor is None:
        language = visitor.language if visitor else negotiate(request.headers.get("accept-language")) or DEFAULT_LANGUAGE
        return JSONResponse({"errors": [{"field": "", "message": Translator(language)(UNAVAILABLE)}]},
                            status_code=503, headers=headers)
    response = render(request, "unavailable.html", status_code=503)
    response.headers.update(headers)
    return response


async def failed(request: Request, error: Exception) -> Response:
    """An unexpected error: 500 with the "cannot answer just now" page in the visitor's language
    (the API: JSON), never a stack trace. Starlette logs the error after this response."""
    visitor = getattr(request.state, "visitor", None)
    if request.url.path.startswith("/api/") or visitor is None:
        language = visitor.language if visitor else negotiate(request.headers.get("accept-language")) or DEFAULT_LANGUAGE
        response: Response = JSONResponse({"errors": [{"field": "", "message": Translator(language)(UNAVAILABLE)}]},
                                          status_code=500)
    else:
        response = render(request, "unavailable.html", status_code=500)
    for header, value in SECURITY_HEADERS.items():  # outside the middleware that adds them
        response.headers.setdefault(header, value)
    response.headers["cache-control"] = "no-store"
    return response


async def no_such_page(request: Request, error: StarletteHTTPException) -> Response:
    """No route at this address (404), a method it does not take (405), or a body that cannot be
    read (Starlette's 400 for a broken multipart form): a page in the visitor's language, or the
    API's JSON errors; never FastAPI's {"detail": ...}."""
    response = _problem(request, error.status_code, in_path=error.status_code != 400)
    response.headers.update(error.headers or {})  # a 405's Allow
    return response


async def invalid(request: Request, error: RequestValidationError) -> Response:
    """A parameter that does not pass its type (no public route has one yet: the next may):
    in the path it names nothing (404); elsewhere it cannot be read (400)."""
    places = [tuple(problem.get("loc") or ("",)) for problem in error.errors()] or [("",)]
    in_path = any(place[0] == "path" for place in places)
    field = str(places[0][-1]) if places[0][0] in ("query", "header") else ""  # the parameter to fix
    return _problem(request, 404 if in_path else 400, in_path=in_path, field=field)


def _problem(request: Request, status_code: int, *, in_path: bool, field: str = "") -> Response:
    if request.url.path.startswith("/api/"):
        return api.error(request, status_code, api.NO_SUCH_ADDRESS if in_path else api.UNREADABLE_VALUE, field=field)
    title, text = PAGE_NOT_FOUND if in_path else UNREADABLE
    return render(request, "problem.html", status_code=status_code, problem_title=title, problem_text=text)

async def too_large(request: Request, error: Exception) -> Response:
    """A body above its path's cap that the page did not explain itself: 413 in the visitor's
    language (the pages of the wizard and the status page say it in place)."""
    return render(request, "too_large.html", status_code=413)


async def gone(request: Request, error: Exception) -> Response:
    """The client left while sending its request (a phone losing signal): nothing to answer,
    and nothing half-stored (the request body was not complete, so nothing was done with it)."""
    log.info("%s %s: the client disconnected before its request was read", request.method, request.url.path)
    return Response(status_code=400)
