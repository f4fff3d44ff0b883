"""Web hardening of both apps (the public site and the staff console), checked from outside:
the form token on every state-changing request, cookie flags, a Content-Security-Policy with no
inline script anywhere in the templates, clickjacking protection, no stack trace ever shown, rate
limits per address (a flood from one address is slowed, another address is not) and tracking-code
look-ups that do the same work whatever the code."""
from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from sqlalchemy import event, func, select

from console.app import create_app as console_app
from i18n import Translator
from intake.platform.models.reporting import Draft
from intake.platform.models.staff import AuditEvent
from intake.platform.models.tips import Tip
from intake.platform.ratelimit import Limit
from intake.casework.risk_list import publish
from tests.test_check import NAME, coloured, determination
from tests.console_support import LEAD_UNIT, client_for, csrf_of, make_staff, sign_in
from tests.factories import file_tip, staff
from tests.walk import ANSWERS_ANONYMOUS_SELF
from tests.webclient import Reporter, text_of, token_of, web_client
from web_form.app import create_app as public_app

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = [*sorted((ROOT / "web_form" / "templates").rglob("*.html")), *sorted((ROOT / "console" / "templates").rglob("*.html"))]
EXPIRED = "This page was open for a long time, so for your safety it was not sent."


def post_routes(routes) -> set[str]:
    found: set[str] = set()
    for route in routes:
        if hasattr(route, "original_router"):
            found |= post_routes(route.original_router.routes)
        elif "POST" in (getattr(route, "methods", None) or ()):
            found.add(route.path)
    return found


async def rows(core) -> tuple[int, ...]:
    async with core.db.session() as session:
        return tuple([await session.scalar(select(func.count()).select_from(model)) for model in (Tip, Draft)])


def client_at(app, address: str, base_url: str = "http://testserver") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000), raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url=base_url)


# --- CSRF ---------------------------------------------------------------------------------------

async def test_every_state_changing_request_of_the_public_site_needs_this_browsers_form_token(core):
    """The exceptions: the JSON API takes no cookies, only a partner key in a header; the links of a
    warnings subscription's mails carry their own secret token (a mail client's one-click
    unsubscribe posts with no cookie at all), and without it change nothing."""
    receipt = await file_tip(core, language="en")
    core.settings.public_risk_list = True  # an entry of the public risk list, for its objection form
    coordinator = await staff(core, "coord", "coordinator", "990100-coordination")
    entry = await publish(core, coordinator, await coloured(core, coordinator, NAME, "red"), determination(core.today()))
    app = public_app(core, lookup_floor_seconds=0)
    links = {"/warnings/confirm", "/warnings/unsubscribe"}
    posts = sorted(post_routes(app.routes) - {"/api/v1/reports"} - links)
    assert len(posts) >= 8, posts
    async with client_at(app, "10.0.0.9") as other:
        await other.get("/")
        foreign = token_of((await other.get("/status")).text)
    async with client_at(app, "10.0.0.8") as client:
        client.cookies.set("tl_lang", "en")
        reporter = Reporter(client)
        await reporter.start()  # a draft of this browser, with its own cookie
        await reporter.walk(ANSWERS_ANONYMOUS_SELF)  # ready to send
        async with core.db.session() as session:
            draft_id = await session.scalar(select(Draft.id).where(Draft.channel == "web"))
        before = await rows(core)
        for path in posts:
            url = path.replace("{key}", "urgent").replace("{entry_id}", str(entry.id))
            for token in (None, "", "123.forged", foreign):
                data = {"answer": "no", "code": receipt.code, "pin": receipt.pin, "rating": "satisfied",
                        "draft_id": draft_id, **({"csrf": token} if token is not None else {})}
                response = await client.post(url, data=data, follow_redirects=True)
                assert response.status_code < 500, (url, token)
                refused = (EXPIRED in text_of(response.text) or response.status_code == 403
                           or (path == "/report/finish" and response.url.path == "/report/done"))  # receipt kept
                assert refused, (url, token, text_of(response.text)[:300])
        for path in sorted(links):
            for token in (None, "", "forged", foreign):
                response = await client.post(path, data={**({"t": token} if token is not None else {})})
                assert response.status_code in (200, 404) and "Done: you will receive new warnings" not in response.text
        assert await rows(core) == before
    async with core.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "tip.reporter_reply")) == 0
        assert await session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action.like("subscription.%"))) == 0


async def test_every_state_changing_request_of_the_console_needs_the_sessions_token(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    tip_id = (await file_tip(core)).tip_id
    posts = sorted(post_routes(console_app(core).routes))
    async with client_for(core) as client:
        await sign_in(client, "li")
        for path in posts:
            url = path.replace("{tip_id}", str(tip_id)).replace("{ref}", "x")
            response = await client.post(url, data={"csrf": "forged", "text": "x", "target": "accepted"})
            assert response.status_code in (403, 404), (url, response.status_code)
        assert (await client.get("/queue")).status_code == 200  # still signed in: sign-out was refused too
    async with core.db.session() as session:
        assert (await session.get(Tip, tip_id)).status == "submitted"


# --- cookies -------------------------------------------------------------------------------------

def cookie_flags(response: httpx.Response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.get_list("set-cookie")}


async def test_public_cookies_are_httponly_samesite_and_secure_over_https(core):
    app = public_app(core, secure_cookies=True, lookup_floor_seconds=0)
    async with client_at(app, "10.0.0.7", "https://tipline.example") as client:
        reporter = Reporter(client)
        seen = cookie_flags(await client.get("/"))
        seen |= cookie_flags(await client.get("/prefs/lang/en?next=/"))
        await reporter.start()
        await reporter.walk(ANSWERS_ANONYMOUS_SELF)
        response = await reporter.send()
        for past in response.history:
            seen |= cookie_flags(past)
        seen |= cookie_flags(response)
        status_page = await client.get("/status")
        looked = await client.post("/status", data={"csrf": token_of(status_page.text), "code": text_of(reporter.page)})
        seen |= cookie_flags(looked)
    assert {"tl_owner", "tl_lang"} <= set(seen), seen
    for name, header in seen.items():
        flags = header.lower()
        assert "httponly" in flags and "secure" in flags and re.search(r"samesite=(lax|strict)", flags), (name, header)


async def test_the_console_session_cookie_is_httponly_samesite_strict_and_secure_in_production(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    core.settings = core.settings.model_copy(update={"env": "production"})
    assert core.settings.production
    async with client_for(core) as client:
        response = await sign_in(client, "li")
    header = cookie_flags(response)["console_session"].lower()
    assert "httponly" in header and "secure" in header and "samesite=strict" in header


# --- CSP, inline script, clickjacking ------------------------------------------------------------

@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: f"{path.parent.parent.name}/{path.name}")
def test_no_template_has_inline_script_event_handlers_or_javascript_urls(template):
    html = template.read_text(encoding="utf-8")
    for tag in re.findall(r"<script\b[^>]*>", html, re.I):
        assert re.search(r"\ssrc=", tag), f"inline <script> in {template.name}: {tag}"
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", html, re.I), f"an on* event handler in {template.name}"
    assert "javascript:" not in html.lower(), template.name
    assert not re.search(r"<[a-z][^>]*\sstyle\s*=", html, re.I), f"an inline style in {template.name}"


def assert_locked_down(response: httpx.Response) -> None:
    csp = response.headers.get("content-security-policy", "")
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, (response.request.url, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers.get("x-frame-options") == "DENY"
    assert response.headers.get("x-content-type-options") == "nosniff"


async def test_every_kind_of_page_of_both_apps_forbids_framing_and_inline_script(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    async with web_client(core) as client:
        for url in ("/", "/status", "/report/q/nope", "/no/such/page", "/api/v1/reports/123", "/api/openapi.json"):
            assert_locked_down(await client.get(url))
        assert_locked_down(await client.post("/status", data={"code": "x"}))
    async with client_for(core) as client:
        for url in ("/signin", "/no/such/page"):
            assert_locked_down(await client.get(url))
        await sign_in(client, "li")
        for url in ("/queue", "/tips/424242", "/audit"):
            assert_locked_down(await client.get(url))


# --- no stack traces -----------------------------------------------------------------------------

class Boom(RuntimeError):
    pass


def _explode(*_args, **_kwargs):
    raise Boom("SELECT secret FROM reporters -- /work/main/intake/platform/crypto.py line 42")


def assert_no_trace(response: httpx.Response) -> None:
    body = response.text
    for leak in ("Traceback", "Boom", "secret FROM reporters", "crypto.py", 'File "'):
        assert leak not in body, leak


async def test_a_failure_inside_the_public_site_shows_a_friendly_page_not_a_stack_trace(core, monkeypatch):
    from web_form import report, status

    monkeypatch.setattr(report, "find_draft", _explode)
    monkeypatch.setattr(status, "look_up_status", _explode)
    app = public_app(core, lookup_floor_seconds=0)
    async with client_at(app, "10.0.0.6") as client:
        client.cookies.set("tl_lang", "bo")
        page = await client.get("/")
        looked = await client.post("/status", data={"csrf": token_of((await client.get("/status")).text), "code": "1"})
        api = await client.get("/api/v1/reports/123456789012")
    for response in (page, looked):
        assert response.status_code == 500
        assert_no_trace(response)
        assert any("\u0f00" <= ch <= "\u0fff" for ch in text_of(response.text)), text_of(response.text)  # in Tibetan
        assert_locked_down(response)
    assert api.status_code < 500 or "errors" in api.json()
    assert_no_trace(api)


async def test_a_failure_inside_the_console_shows_a_friendly_page_not_a_stack_trace(core, monkeypatch):
    from console import tip_views

    await make_staff(core, "li", "officer", LEAD_UNIT, language="en")
    monkeypatch.setattr(tip_views, "unit_queue", _explode)
    async with client_at(console_app(core), "10.0.0.5", "http://console.test") as client:
        await sign_in(client, "li")
        response = await client.get("/queue")
    assert response.status_code == 500
    assert_no_trace(response)
    assert "<html" in response.text and "went wrong" in text_of(response.text).lower()
    assert_locked_down(response)


# --- rate limits ---------------------------------------------------------------------------------

async def test_a_flood_of_look_ups_from_one_address_is_slowed_and_another_address_is_not(core, monkeypatch):
    from intake.reporting import lookups

    monkeypatch.setattr(lookups, "LOOKUPS", Limit("web-status-flood", 5, 600))
    app = public_app(core, lookup_floor_seconds=0)

    async def look_up(client) -> int:
        page = await client.get("/status")
        return (await client.post("/status", data={"csrf": token_of(page.text), "code": "1234 5678 9012"})).status_code

    async with client_at(app, "203.0.113.1") as flooder, client_at(app, "203.0.113.2") as neighbour:
        flood = [await look_up(flooder) for _ in range(8)]
        calm = await look_up(neighbour)
    assert flood[:5] == [200] * 5 and set(flood[5:]) == {429}
    assert calm == 200


async def test_a_flood_of_new_reports_from_one_address_is_slowed_and_another_address_is_not(core, monkeypatch):
    from web_form import report

    monkeypatch.setattr(report, "REPORT_STARTS", Limit("web-start-flood", 3, 3600))
    monkeypatch.setattr(report, "SUBMISSIONS", Limit("web-submit-flood", 1, 3600))
    app = public_app(core, lookup_floor_seconds=0)
    started = []
    for _ in range(5):  # a bot clearing its cookies each time: a new browser, the same address
        async with client_at(app, "198.51.100.1") as bot:
            page = await bot.get("/")
            started.append((await bot.post("/report/start", data={"csrf": token_of(page.text)})).status_code)
    assert started[:3] == [303] * 3 and set(started[3:]) == {429}
    async with client_at(app, "198.51.100.2") as person:
        person.cookies.set("tl_lang", "en")
        reporter = Reporter(person)
        await reporter.start()
        assert reporter.current_key == "urgent"
        await reporter.walk(ANSWERS_ANONYMOUS_SELF)
        assert (await reporter.send()).status_code == 200 and reporter.url == "/report/done"
        second = Reporter(person)
        person.cookies.clear()
        person.cookies.set("tl_lang", "en")
        await second.start()
        await second.walk(ANSWERS_ANONYMOUS_SELF)
        refused = await second.send()
    assert refused.status_code == 429 and "Please wait" in text_of(refused.text)
    async with core.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Tip)) == 1


async def test_a_flood_of_sign_ins_from_one_address_is_slowed_and_another_address_is_not(core, monkeypatch):
    from console import auth_views

    await make_staff(core, "li", "officer", LEAD_UNIT, language="en")
    monkeypatch.setattr(auth_views, "SIGN_IN_ATTEMPTS", Limit("console-signin-flood", 4, 900))
    app = console_app(core)

    async def attempt(client, username: str, password: str) -> httpx.Response:
        page = await client.get("/signin")
        return await client.post("/signin", data={"csrf": csrf_of(page.text), "username": username, "password": password})

    async with client_at(app, "192.0.2.66", "http://console.test") as sprayer:
        sprayer.headers["accept-language"] = "en"  # the console speaks Chinese unless asked
        codes = [(await attempt(sprayer, f"user{n}", "123456")).status_code for n in range(6)]
        refused = await attempt(sprayer, "li", "correct horse battery staple")
    assert codes[:4] == [400] * 4 and set(codes[4:]) == {429}
    assert refused.status_code == 429 and "Too many sign-in attempts" in text_of(refused.text)
    async with client_at(app, "192.0.2.10", "http://console.test") as colleague:
        assert (await attempt(colleague, "li", "correct horse battery staple")).status_code == 303


# --- tracking-code look-ups ----------------------------------------------------------------------

async def test_a_look_up_does_the_same_work_for_a_real_an_unknown_and_a_malformed_code(core, monkeypatch):
    """Same keyed hashes, the same database query and the same padding for every code; only
    what is shown afterwards differs. (No timing assertion: the work is compared, not the clock.)"""
    import asyncio

    from web_form import status

    receipt = await file_tip(core, language="en")
    hashes: list[str] = []
    queries: list[str] = []
    sleeps: list[float] = []
    lookup_candidates = type(core.keys).lookup_candidates

    def counting_hash(self, value, *args, **kwargs):  # noqa: ANN001
        hashes.append(kwargs.get("purpose", ""))
        return lookup_candidates(self, value, *args, **kwargs)

    def on_query(_conn, _cursor, statement, *_args):  # noqa: ANN001
        if "tracking_hash" in statement:
            queries.append(re.sub(r"\s+", " ", statement))

    async def recorded_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    monkeypatch.setattr(type(core.keys), "lookup_candidates", counting_hash)
    monkeypatch.setattr(status.asyncio, "sleep", recorded_sleep)
    engine = core.db.reader.sync_engine
    event.listen(engine, "before_cursor_execute", on_query)
    work = {}
    try:
        async with web_client(core, language="en", lookup_floor_seconds=0.25) as client:
            for name, code in (("real", receipt.code), ("unknown", "100000000009"), ("malformed", "12ab")):
                hashes.clear(), queries.clear(), sleeps.clear()
                page = await client.get("/status")
                await client.post("/status", data={"csrf": token_of(page.text), "code": code})
                tracking = [p for p in hashes if "track" in p]
                work[name] = (tracking, [q.split(" WHERE ")[0] for q in queries[:1]], len(sleeps))
    finally:
        event.remove(engine, "before_cursor_execute", on_query)
    assert asyncio  # the padding replaced above is the module's asyncio.sleep
    assert work["real"] == work["unknown"] == work["malformed"], work
    assert work["real"][0] and work["real"][1] and work["real"][2] == 1
