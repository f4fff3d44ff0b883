"""Helpers for the console tests: an app on the test's core, a client, signing in."""
from __future__ import annotations

import re

import httpx
import pyotp

from console.app import create_app
from intake.staff.auth import set_password
from tests.factories import staff

PASSWORD = "correct horse battery staple"
# The mother's care-home tip (tests/walk.py) goes to Donghu county civil affairs.
LEAD_UNIT = "990121-civil_affairs"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_VERSION = re.compile(r'name="version" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def as_seen(html: str) -> str:
    """A page without what belongs to this request alone (its form token, a name typed back)."""
    return re.sub(r'value="[^"]*"', 'value=""', html)


def version_of(html: str) -> str | None:
    found = _VERSION.search(html)
    return found.group(1) if found else None


def client_for(core, *, address: str = "127.0.0.1") -> httpx.AsyncClient:
    """A browser on the console (in this process), seen as coming from `address`."""
    transport = httpx.ASGITransport(app=create_app(core), client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://console.test")


async def make_staff(core, username: str, role: str, unit: str | None, *, language: str = "zh_Hans", password: str = PASSWORD):
    user = await staff(core, username, role, unit, language=language)
    await set_password(core, username, password)
    return user


def next_code(core, secret: str) -> str:
    """The code the authenticator app shows next: the clock moves on 30 seconds first, since a
    code signs in once only (and the code that set up the app not at all)."""
    core.clock.advance(seconds=30)
    return pyotp.TOTP(secret).at(core.clock.now())


async def sign_in(client: httpx.AsyncClient, username: str, password: str = PASSWORD, *, totp_secret: str | None = None,
                  core=None) -> httpx.Response:
    page = await client.get("/signin")
    response = await client.post("/signin", data={"csrf": csrf_of(page.text), "username": username, "password": password})
    if totp_secret and response.status_code == 303 and response.headers["location"] == "/signin/totp":
        page = await client.get("/signin/totp")
        code = next_code(core, totp_secret)
        response = await client.post("/signin/totp", data={"csrf": csrf_of(page.text), "code": code})
    return response


async def tip_form(client: httpx.AsyncClient, tip_id: int) -> tuple[str, str, str | None]:
    """The tip page's HTML, its CSRF token and the version its forms carry."""
    page = await client.get(f"/tips/{tip_id}")
    assert page.status_code == 200, page.text
    return page.text, csrf_of(page.text), version_of(page.text)
