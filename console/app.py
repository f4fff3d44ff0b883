"""The staff console as an ASGI app: `create_app(core)`, served by the composition root
(tipline/) on its own port, apart from the public site."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from console import (
    assign_views, audit_views, auth_views, duplicate_views, evidence_views, intake_views, poster_views, report_views,
    review_views, risk_list_views, rewards_views, sessions, tip_extras, tip_views, translation_views, warning_views,
)
from console.dependencies import FormExpired, NotForRole, NotSignedIn
from console.refusals import problem_page
from console.web import HERE, MAX_BODY, Console, Viewer, add_security_headers
from intake.domain.refusals import Refused
from intake.platform.body_limits import BodyTooLarge, CappedBodies
from intake.platform.core import Core
from intake.platform.db import TRANSIENT_ERRORS, is_transient


class SharedReads:
    """A page asked for with GET (or HEAD) reads through one database session, from the
    signed-in check to its last read (Database.shared_reads): a queue page or a tip page makes
    three or four reads, each of which took a connection from the pool and gave it back. A form
    posted keeps a session per read: its reads come before and after its writes."""

    def __init__(self, app, core: Core) -> None:  # noqa: ANN001 - an ASGI app
        self.app, self.core = app, core

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001 - ASGI
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        async with self.core.db.shared_reads():
            await self.app(scope, receive, send)


def create_app(core: Core) -> FastAPI:
    """The console for `core`: sign-in, the unit's queue, the tip page and its actions."""
    app = FastAPI(title="tipline console", docs_url=None, redoc_url=None, openapi_url=None)
    console = Console(core)
    app.state.console = console
    hosts = core.settings.allowed_hosts
    if hosts and hosts != ["*"]:  # production: only the deployment's names, never a forged Host echoed in a redirect
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts, www_redirect=False)

    # Added first, so it sits inside the session middleware below: Starlette's BaseHTTPMiddleware
    # reads the body in a task group, which would wrap BodyTooLarge in an ExceptionGroup.
    app.add_middleware(CappedBodies, limit_for=lambda _path: MAX_BODY)

    @app.middleware("http")  # outside the host check: its headers go on the refusals too
    async def session_and_headers(request: Request, call_next) -> Response:  # noqa: ANN001 - Starlette's type
        static = request.url.path.startswith("/static/")
        if not static:
            cookie = request.cookies.get(sessions.COOKIE)
            request.state.had_cookie = cookie is not None
            request.state.session = sessions.decode(core, cookie)
        response = await call_next(request)
        if not static:
            session = request.state.session
            if session is None:
                if request.state.had_cookie:
                    response.delete_cookie(sessions.COOKIE, path="/", httponly=True, samesite="strict")
            else:
                sessions.touch(core, session)
                response.set_cookie(
                    sessions.COOKIE, sessions.encode(core, session), path="/", httponly=True, samesite="strict",
                    secure=core.settings.production,
                )
        add_security_headers(response, private=not static)
        if core.settings.production:  # served over HTTPS: browsers never try plain HTTP again
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    # Added last, so it wraps everything above: a page's reads, the signed-in check's included, share one session.
    app.add_middleware(SharedReads, core=core)

    for area in (auth_views, tip_views, tip_extras, assign_views, evidence_views, report_views, intake_views,
                 translation_views, duplicate_views, risk_list_views, audit_views, rewards_views, review_views,
                 warning_views, poster_views):
        app.include_router(area.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    async def page_viewer(request: Request) -> Viewer:
        """Who sees an error page: the signed-in staff member (their language), else a visitor."""
        try:
            return await console.viewer(request) or console.anonymous_viewer(request)
        except Exception:  # noqa: BLE001 - the database may be what failed: no name, no language of theirs
            return console.anonymous_viewer(request)

    async def failed(request: Request, error: Exception) -> Response:
        """An unexpected error: a page in the staff member's language, never a stack trace
        (Starlette logs the error after this response)."""
        viewer = await page_viewer(request)
        _ = viewer._
        response = console.render(viewer, "message.html", status_code=500, title=_("Something went wrong"), message=_(
            "This page could not be shown. Please try again; if it happens again, tell your system administrator "
            "when it happened."))
        add_security_headers(response)  # outside the middleware that adds them
        return response

    def unreadable(viewer: Viewer) -> Response:
        _ = viewer._
        return console.render(viewer, "message.html", status_code=400, title=_("This request could not be read"), message=_(
            "Something in the address or in the form was not as the console sent it. Go back, reload the page and "
            "try again."))

    def nowhere(viewer: Viewer, status_code: int = 404) -> Response:
        _ = viewer._
        return console.render(viewer, "message.html", status_code=status_code, title=_("Not found"),
                              message=_("There is no such page in the console."))

    async def no_such_page(request: Request, error: StarletteHTTPException) -> Response:
        """A URL no route answers (or a method it does not take), or a body that cannot be read
        (a broken multipart form: Starlette's 400): a page, not FastAPI's JSON."""
        viewer = await page_viewer(request)
        response = unreadable(viewer) if error.status_code == 400 else nowhere(viewer, error.status_code)
        add_security_headers(response)
        return response

    async def invalid(request: Request, error: RequestValidationError) -> Response:
        """A parameter that does not pass its type: a number in the path out of range, or no
        number at all, names no tip ("not found", as for a tip that does not exist); anything else
        cannot be read (400)."""
        viewer = await page_viewer(request)
        if not any(problem.get("loc", ("",))[0] == "path" for problem in error.errors()):
            response = unreadable(viewer)
        else:
            response = console.not_found(viewer) if viewer.staff is not None else nowhere(viewer)
        add_security_headers(response)
        return response

    async def unavailable(request: Request, error: Exception) -> Response:
        """The database out of reach just now: 503 with Retry-After; the next request, once it is
        back, succeeds without a restart (the pool checks its connections)."""
        if not is_transient(error):
            return await failed(request, error)
        viewer = console.anonymous_viewer(request)  # no session look-up: the database is what failed
        _ = viewer._
        response = console.render(viewer, "message.html", status_code=503, title=_("The console is unavailable"), message=_(
            "The console cannot reach its database just now. Please try again in a minute; nothing you "
            "saved before is lost."))
        response.headers["retry-after"] = "30"
        add_security_headers(response)
        return response

    async def too_large(request: Request, error: Exception) -> Response:
        """A body above MAX_BODY (counted while it streams, whatever its Content-Length says):
        nothing more of it is read."""
        viewer = console.anonymous_viewer(request)
        _ = viewer._
        response = console.render(viewer, "message.html", status_code=413, title=_("Too much to send at once"), message=_(
            "What you sent is larger than the console takes (at most %(max)s MB). Go back, shorten it and try again.",
            max=MAX_BODY // (1024 * 1024)))
        add_security_headers(response)
        return response

    # What the pages' dependencies (console/dependencies.py) and the core's refusals raise. These
    # handlers run inside the session middleware above, so the session cookie is still set.
    async def not_signed_in(request: Request, error: NotSignedIn) -> Response:
        if error.expired is None:
            return console.sign_in_again(request)
        return console.to_sign_in(expired=error.expired)

    async def form_expired(request: Request, error: FormExpired) -> Response:
        return console.forbidden_form(error.viewer)

    async def not_for_role(request: Request, error: NotForRole) -> Response:
        _ = error.viewer._
        return console.render(error.viewer, "message.html", status_code=403, title=_(error.title), message=_(error.message))

    async def refused(request: Request, error: Refused) -> Response:
        """A refusal no page shows on itself: "There is a problem" and why."""
        return problem_page(console, getattr(request.state, "viewer", None) or await page_viewer(request), error)

    app.add_exception_handler(NotSignedIn, not_signed_in)
    app.add_exception_handler(FormExpired, form_expired)
    app.add_exception_handler(NotForRole, not_for_role)
    app.add_exception_handler(Refused, refused)
    for error in TRANSIENT_ERRORS:
        app.add_exception_handler(error, unavailable)
    app.add_exception_handler(Exception, failed)
    app.add_exception_handler(StarletteHTTPException, no_such_page)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(BodyTooLarge, too_large)
    return app
