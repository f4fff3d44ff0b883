"""The staff console as an ASGI app: `create_app(core)`, served by the composition root
(tipline/) on its own port, apart from the public site."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from console import report_views
from console import rewards_views
from console import audit_views, auth_views, duplicate_views, intake_views, sessions, tip_views, translation_views
from console.web import HERE, Console, add_security_headers
from intake.core import Core


def create_app(core: Core) -> FastAPI:
    """The console for `core`: sign-in, the unit's queue, the tip page and its actions."""
    app = FastAPI(title="tipline console", docs_url=None, redoc_url=None, openapi_url=None)
    console = Console(core)
    app.state.console = console

    @app.middleware("http")
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
        return response

    app.include_router(auth_views.routes(console))
    app.include_router(tip_views.routes(console))
    app.include_router(report_views.routes(console))
    app.include_router(intake_views.routes(console))
    app.include_router(translation_views.routes(console))
    app.include_router(duplicate_views.routes(console))
    app.include_router(audit_views.routes(console))
    app.include_router(rewards_views.routes(console))
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    return app
