"""What a console page asks for before it runs, as FastAPI dependencies: the Console, the
signed-in staff member, a role, and a signed form (fields whose CSRF token is this session's).

A page that cannot be given what it asks for raises one of the exceptions below; console/app.py
turns each into the answer every page gives (to the sign-in page, "this form has expired", the
page's own "not for your role"). The checks keep one order: the address's own numbers first (a
number that names nothing is "not found" whoever asks), then who is signed in, then the form's
token, then the role.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, NamedTuple

from fastapi import Depends, Request
from fastapi.dependencies.utils import request_params_to_args
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import FormData

from console.web import Console, Viewer


class NotSignedIn(Exception):
    """Nobody is signed in (or the session ended): to the sign-in page. `expired`: say the
    session ended; None says it when the browser sent a session cookie."""

    def __init__(self, *, expired: bool | None = None) -> None:
        super().__init__("not signed in")
        self.expired = expired


class FormExpired(Exception):
    """A posted form without this session's token: expired, or not sent by the console."""

    def __init__(self, viewer: Viewer) -> None:
        super().__init__("form expired")
        self.viewer = viewer


class NotForRole(Exception):
    """A page this person's role does not open: 403 with the page's own title and message
    (console msgids)."""

    def __init__(self, viewer: Viewer, title: str, message: str) -> None:
        super().__init__(message)
        self.viewer, self.title, self.message = viewer, title, message


class Signed(NamedTuple):
    """A posted form from a signed-in person, its token checked."""

    viewer: Viewer
    form: FormData


def get_console(request: Request) -> Console:
    return request.app.state.console


ConsoleDep = Annotated[Console, Depends(get_console)]


def readable(request: Request) -> None:
    """The route's own path and query parameters, checked before anything else (FastAPI checks
    them only after the dependencies): /tips/abc is "not found" for a visitor too, and a form
    posted to it is not judged by its token first."""
    dependant = request.scope["route"].dependant
    _, path_errors = request_params_to_args(dependant.path_params, request.path_params)
    _, query_errors = request_params_to_args(dependant.query_params, request.query_params)
    if path_errors or query_errors:
        raise RequestValidationError([*path_errors, *query_errors])


async def _viewer(request: Request, console: Console, *, expired: bool | None) -> Viewer:
    readable(request)
    viewer = await console.viewer(request)
    if viewer is None:
        raise NotSignedIn(expired=expired)
    request.state.viewer = viewer  # for the pages that answer an exception (console/app.py)
    return viewer


async def signed_in(request: Request, console: ConsoleDep) -> Viewer:
    return await _viewer(request, console, expired=None)


async def account_holder(request: Request, console: ConsoleDep) -> Viewer:
    """As signed_in, for the account pages, which have always said the session ended."""
    return await _viewer(request, console, expired=True)


SignedIn = Annotated[Viewer, Depends(signed_in)]
AccountHolder = Annotated[Viewer, Depends(account_holder)]


async def signed_form(request: Request, viewer: SignedIn, console: ConsoleDep) -> Signed:
    form = await request.form()
    if not console.csrf_ok(request, form.get("csrf")):
        raise FormExpired(viewer)
    return Signed(viewer, form)


SignedForm = Annotated[Signed, Depends(signed_form)]


async def visitor_form(request: Request, console: ConsoleDep) -> Signed:
    """A form posted before anyone is signed in (the sign-in steps), with this session's token."""
    viewer = console.anonymous_viewer(request)
    form = await request.form()
    if not console.csrf_ok(request, form.get("csrf")):
        raise FormExpired(viewer)
    return Signed(viewer, form)


VisitorForm = Annotated[Signed, Depends(visitor_form)]

#: What a role check may do before refusing (the rewards area audits who tried a tip's page).
OnRefusal = Callable[[Request, Console, Viewer], Awaitable[None]]


def role(*roles: str, title: str, message: str, on_refusal: OnRefusal | None = None) -> Callable[..., Awaitable[Viewer]]:
    """A dependency: the signed-in person, when their role is one of `roles`; else NotForRole
    with the page's `title` and `message` (console msgids, translated when shown)."""

    async def with_role(request: Request, viewer: SignedIn, console: ConsoleDep) -> Viewer:
        if viewer.staff.role not in roles:
            if on_refusal is not None:
                await on_refusal(request, console, viewer)
            raise NotForRole(viewer, title, message)
        return viewer

    return with_role
