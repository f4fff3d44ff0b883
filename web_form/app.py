"""The public site's ASGI app: `create_app(core)`; the composition root (tipline/) serves it.

Everything works without JavaScript: the language, bigger-text and high-contrast switches are
plain links that set a cookie and come back to the page.
"""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from i18n import LANGUAGES
from intake.core import Core
from web_form import api, report, status
from web_form.rendering import CONTRAST_COOKIE, LANG_COOKIE, TEXT_COOKIE, Renderer, Visitor, visitor_language
from web_form.security import OWNER_COOKIE, SECURITY_HEADERS, csrf_token, new_owner, valid_owner

STATIC_DIR = Path(__file__).parent / "static"
PREFERENCE_SECONDS = 365 * 24 * 3600


def create_app(core: Core, *, secure_cookies: bool | None = None, lookup_floor_seconds: float = 0.25) -> FastAPI:
    """The public site for `core`.

    secure_cookies: send cookies only over HTTPS (default: when settings.env is production).
    lookup_floor_seconds: every tracking-code look-up takes at least this long (no timing oracle).
    """
    app = FastAPI(title="Elder-fraud tip-line", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.core = core
    app.state.renderer = Renderer()
    app.state.secure_cookies = core.settings.production if secure_cookies is None else secure_cookies
    app.state.lookup_floor_seconds = lookup_floor_seconds
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(report.router)
    app.include_router(status.router)
    app.include_router(api.router)
    app.add_api_route("/api/openapi.json", api.openapi_json, methods=["GET"], include_in_schema=False)
    app.add_api_route("/prefs/{name}/{value}", preference, methods=["GET"])

    @app.middleware("http")
    async def visitor_and_headers(request: Request, call_next) -> Response:  # noqa: ANN001
        owner = request.cookies.get(OWNER_COOKIE)
        fresh = not valid_owner(owner)
        if fresh:
            owner = new_owner()
        request.state.visitor = Visitor(
            language=visitor_language(request),
            large_text=request.cookies.get(TEXT_COOKIE) == "large",
            high_contrast=request.cookies.get(CONTRAST_COOKIE) == "high",
            owner=owner,
            address=request.client.host if request.client else "unknown",  # uvicorn --proxy-headers behind a proxy
        )
        request.state.csrf_token = csrf_token(core, owner)
        response = await call_next(request)
        if fresh and not request.url.path.startswith(("/static/", "/api/")):
            response.set_cookie(OWNER_COOKIE, owner, max_age=core.settings.draft_ttl_days * 86400, httponly=True,
                                samesite="lax", secure=app.state.secure_cookies, path="/")
        for header, value in SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        if app.state.secure_cookies:
            response.headers.setdefault("strict-transport-security", "max-age=31536000")
        if not request.url.path.startswith("/static/"):
            # Pages carry tracking codes and PINs: never keep them in a shared cache or disk.
            response.headers["cache-control"] = "no-store"
        return response

    return app


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
