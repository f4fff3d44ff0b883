"""Numbers out of range or not numbers at all in every path that takes one, addresses no route
answers, bodies that cannot be read, and numbers hidden in forms, queries and cookies: the tester's
probes, over real HTTP against both apps served by uvicorn on 127.0.0.1 (tests/browser.py
`serving`, in the test's loop: SQLite and PostgreSQL alike).

Every answer is a page in the person's language (public site: zh_Hans, bo, en; console: zh_Hans,
en) with 404 (no such thing) or 400 (cannot be read), never a 5xx, a reset connection or the
framework's JSON; the partner API answers its own JSON errors."""
from __future__ import annotations

import re

import httpx
import pytest
from fastapi import Body, Header, Query
from fastapi.routing import APIRoute

from console.app import create_app as create_console
from console.i18n import ConsoleTranslator
from i18n import Translator
from tests.browser import serving
from tests.console_support import LEAD_UNIT, csrf_of, make_staff, sign_in, tip_form
from tests.factories import file_tip
from tests.test_access_control import console_routes
from tests.walk import ANSWERS_FOR_MOTHER
from tests.webclient import Reporter, token_of
from web_form.app import create_app as create_web

#: What a tester puts where an id goes: out of range for every database, not a number, a number
#: in another script, signs, decimals, and one past the INTEGER columns of PostgreSQL.
BAD_NUMBERS = ["99999999999999999999999", str(2**63), str(2**31), "0", "-1", "abc", "1.5", "1e3", "%C2%B2", "+1", "0x1f"]
#: Bodies that say they are multipart forms but cannot be read as one.
BROKEN_MULTIPART = [
    (b"--x\r\nContent-Type: text/plain\r\n\r\nno name\r\n--x--\r\n", "multipart/form-data; boundary=x"),
    (b"garbage", "multipart/form-data"),  # no boundary at all
]
#: The largest id a row can have: the id columns are INTEGER, 32 bits on PostgreSQL.
MAX_ID = 2**31 - 1
HTML_LANG = re.compile(r'<html[^>]*\slang="([^"]+)"')


def int_path_routes(app) -> list[tuple[str, str, list[str]]]:
    """(method, path, its int path parameters) of every route of `app` that takes a number in its path."""
    found = []
    for method, path in sorted(console_routes(app.routes)):
        route = next(r for r in _all_routes(app.routes) if isinstance(r, APIRoute) and r.path == path and method in r.methods)
        ints = [p.name for p in route.dependant.path_params if p.field_info.annotation is int]
        if ints:
            found.append((method, path, ints))
    return found


def _all_routes(routes):
    for route in routes:
        if hasattr(route, "original_router"):
            yield from _all_routes(route.original_router.routes)
        else:
            yield route


def assert_page(response: httpx.Response, status: int, lang_tag: str, *texts: str) -> None:
    where = f"{response.request.method} {response.request.url}"
    assert response.status_code == status, (where, response.status_code, response.text[:200])
    assert response.headers["content-type"].startswith("text/html"), (where, response.headers["content-type"], response.text[:200])
    assert HTML_LANG.search(response.text).group(1) == lang_tag, (where, HTML_LANG.search(response.text).group(1))
    for text in texts:
        assert text in response.text, (where, text)
    assert "Traceback" not in response.text and '"detail"' not in response.text


def assert_api_error(response: httpx.Response, status: int, language: str, message: str) -> None:
    """The API's own error shape, {"errors": [{"field", "message"}]}, the message in `language`."""
    where = f"{response.request.method} {response.request.url}"
    assert response.status_code == status, (where, response.status_code, response.text[:200])
    assert response.headers["content-type"].startswith("application/json"), where
    body = response.json()
    assert set(body) == {"errors"} and body["errors"] and all(set(e) == {"field", "message"} for e in body["errors"]), (where, body)
    assert body["errors"][0]["message"] == Translator(language)(message), (where, body)


# --- the console -------------------------------------------------------------------------------------

async def test_every_number_in_a_console_path_answers_a_not_found_page_in_the_staff_language(core):
    """/tips/99999999999999999999999 (SQLite's OverflowError, PostgreSQL's int4), /tips/abc
    (FastAPI's 422 JSON), and every other route with a number in its path: 404, the console's
    page, in the signed-in officer's language, and for a visitor not signed in, in theirs."""
    await make_staff(core, "li", "officer", LEAD_UNIT, language="en")
    app = create_console(core)
    routes = int_path_routes(app)
    assert {path for _, path, _ in routes} >= {"/tips/{tip_id}", "/tips/{tip_id}/files/{number}", "/rewards/tips/{tip_id}"}
    en, zh = ConsoleTranslator("en"), ConsoleTranslator("zh_Hans")
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as officer, \
            httpx.AsyncClient(base_url=url, headers={"Accept-Language": "zh-CN"}) as stranger:
        assert (await sign_in(officer, "li")).status_code == 303
        for method, path, ints in routes:
            missing = await officer.request(method, re.sub(r"\{\w+\}", "987654", path.replace("{number}", "1")))
            assert missing.status_code in (403, 404), (method, path, missing.status_code)  # as the route's rules say
            for name in ints:
                # The largest id there can be answers as a tip that does not exist (PostgreSQL's INTEGER holds it).
                largest = path.replace("{" + name + "}", str(MAX_ID)).replace("{tip_id}", "1").replace("{number}", "1")
                assert (await officer.request(method, largest)).status_code == missing.status_code, largest
                for bad in BAD_NUMBERS:
                    concrete = path.replace("{" + name + "}", bad).replace("{tip_id}", "1").replace("{number}", "1")
                    answer = await officer.request(method, concrete)
                    assert_page(answer, 404, "en", en("Not found"), en("There is no such tip, or it is not one you may see."))
                    assert_page(await stranger.request(method, concrete), 404, "zh-Hans", zh("Not found"))
        # The console still answers.
        assert (await officer.get("/queue")).status_code == 200


async def test_a_number_that_cannot_be_read_in_a_console_query_answers_a_bad_request_page(core):
    await make_staff(core, "li", "officer", LEAD_UNIT, language="en")
    tip_id = (await file_tip(core)).tip_id
    en = ConsoleTranslator("en")
    async with serving(create_console(core)) as url, httpx.AsyncClient(base_url=url) as officer:
        await sign_in(officer, "li")
        for bad in ("abc", "1.5", "%C2%B2", "99999999999999999999999x"):
            answer = await officer.get(f"/tips/{tip_id}/files/1?download={bad}")
            assert_page(answer, 400, "en", en("This request could not be read"))


async def test_numbers_hidden_in_console_queries_and_forms_never_reach_the_database_out_of_range(core):
    """Cursors, filters and the ids a form names (a tip to merge into, tips of a bulk action,
    an award): any size and any script, the page answers; never a 500."""
    await make_staff(core, "li", "officer", LEAD_UNIT, language="en")
    await make_staff(core, "audrey", "auditor", "990100-coordination", language="en")
    tip_id = (await file_tip(core)).tip_id
    huge, script = "99999999999999999999999", "%C2%B2"
    async with serving(create_console(core)) as url, httpx.AsyncClient(base_url=url) as officer, \
            httpx.AsyncClient(base_url=url) as auditor:
        await sign_in(officer, "li")
        await sign_in(auditor, "audrey")
        for query in (f"after={huge}.1", f"after=1.{huge}", f"after={script}.{script}", f"after={2**31}.{2**31}"):
            assert (await officer.get(f"/queue?{query}")).status_code == 200, query
        for query in (f"after={huge}&words_after={huge}", f"after={script}&words_after={2**31}"):
            assert (await officer.get(f"/translations?{query}")).status_code == 200, query
        for query in (f"tip={huge}&before={huge}", f"tip={script}&before={script}", f"tip={2**31}&before={2**31}"):
            assert (await auditor.get(f"/audit?{query}")).status_code == 200, query
        _html, csrf, version = await tip_form(officer, tip_id)
        for bad in (huge, str(2**31), "²", "٣"):
            merged = await officer.post(f"/tips/{tip_id}/move", data={"csrf": csrf, "version": version or "",
                                                                     "target": "merged", "merged_into": bad})
            assert merged.status_code in (303, 400), (bad, merged.status_code)
            bulk = await officer.post("/queue/bulk", data={"csrf": csrf, "action": "accept", "tip": [bad, str(tip_id)]})
            assert bulk.status_code < 500, (bad, bulk.status_code)
        assert (await officer.get(f"/tips/{tip_id}")).status_code == 200


async def test_a_body_that_cannot_be_read_answers_a_bad_request_page_on_every_console_form(core):
    """A broken multipart body to every form of the console: 400, a page in the officer's
    language (Starlette's 400 used to be answered as "not found"); nothing changes."""
    await make_staff(core, "li", "officer", LEAD_UNIT, language="en")
    tip_id = (await file_tip(core)).tip_id
    app = create_console(core)
    en = ConsoleTranslator("en")
    posts = sorted(path for method, path in console_routes(app.routes) if method == "POST" and path != "/signout")
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as officer:
        await sign_in(officer, "li")
        for path in posts:
            concrete = re.sub(r"\{\w+\}", "1", path.replace("{tip_id}", str(tip_id)).replace("{ref}", "nope"))
            for body, content_type in BROKEN_MULTIPART:
                answer = await officer.post(concrete, content=body, headers={"content-type": content_type})
                if answer.status_code in (303, 404) and path.startswith("/intake/"):
                    continue  # no such intake: answered before any form is read
                assert_page(answer, 400, "en", en("This request could not be read"))
        assert (await officer.get(f"/tips/{tip_id}")).status_code == 200
    async with serving(app) as url, httpx.AsyncClient(base_url=url, headers={"Accept-Language": "zh-CN"}) as stranger:
        for body, content_type in BROKEN_MULTIPART:  # the sign-in form, before anyone is signed in
            answer = await stranger.post("/signin", content=body, headers={"content-type": content_type})
            assert_page(answer, 400, "zh-Hans", ConsoleTranslator("zh_Hans")("This request could not be read"))


async def test_an_address_no_console_route_answers_is_a_page_not_json(core):
    async with serving(create_console(core)) as url, httpx.AsyncClient(base_url=url, headers={"Accept-Language": "en"}) as client:
        for method, path in (("GET", "/nope"), ("GET", "/tips/1/nope"), ("DELETE", "/tips/1"), ("PUT", "/signin")):
            answer = await client.request(method, path)
            assert answer.status_code in (404, 405), (method, path, answer.status_code)
            assert_page(answer, answer.status_code, "en", ConsoleTranslator("en")("Not found"))


# --- the public site and the partner API -------------------------------------------------------------

PUBLIC_LANGUAGES = {"zh_Hans": "zh-Hans", "bo": "bo", "en": "en"}


async def test_an_address_no_public_route_answers_is_a_page_in_the_visitors_language(core):
    async with serving(create_web(core)) as url:
        for language, tag in PUBLIC_LANGUAGES.items():
            _ = Translator(language)
            async with httpx.AsyncClient(base_url=url, cookies={"tl_lang": language}) as visitor:
                for method, path in (("GET", "/nope"), ("GET", "/report/q/description/x"), ("GET", "/static/nope.css"),
                                     ("GET", "/tips/99999999999999999999999"), ("POST", "/"), ("GET", "/report/submit"),
                                     ("DELETE", "/status")):
                    answer = await visitor.request(method, path)
                    assert answer.status_code in (404, 405), (method, path, answer.status_code)
                    assert_page(answer, answer.status_code, tag, _("Page not found"))


async def test_an_address_no_api_route_answers_is_the_apis_own_json_error(core):
    async with serving(create_web(core)) as url, httpx.AsyncClient(base_url=url) as partner:
        for language in PUBLIC_LANGUAGES:
            for method, path in (("GET", "/api/v1/nope"), ("GET", "/api/v1/reports/1/x"), ("POST", "/api/v1/reports/123"),
                                 ("DELETE", "/api/v1/reports"), ("GET", f"/api/v2/reports/{'9' * 30}")):
                answer = await partner.request(method, f"{path}?lang={language}")
                assert answer.status_code in (404, 405), (method, path, answer.status_code)
                assert_api_error(answer, answer.status_code, language, "There is no such address in this API.")


async def test_a_body_that_cannot_be_read_answers_a_bad_request_page_on_every_public_form(core):
    """Both forms that take files (the evidence question and a reply with files on the status
    page), and every other form of the public site: 400, a page in the visitor's language."""
    receipt = await file_tip(core)
    async with serving(create_web(core)) as url:
        for language, tag in PUBLIC_LANGUAGES.items():
            async with httpx.AsyncClient(base_url=url, cookies={"tl_lang": language}) as client:
                reporter = Reporter(client)
                await reporter.start()
                await reporter.walk(ANSWERS_FOR_MOTHER, stop_at="evidence")
                assert reporter.current_key == "evidence", reporter.url
                for path in ("/report/q/evidence", "/status/reply", "/status/rate", "/status", "/report/start",
                             "/report/discard", "/report/submit", "/report/finish", "/report/q/description"):
                    for body, content_type in BROKEN_MULTIPART:
                        answer = await client.post(path, content=body, headers={"content-type": content_type})
                        assert_page(answer, 400, tag, Translator(language)("This request could not be read"))
                await reporter.get("/report/q/evidence")  # the draft is still at the evidence
                assert reporter.current_key == "evidence"
                looked = await reporter.post("/status", {"code": receipt.code})
                assert looked.status_code == 200 and receipt.code[:4] in looked.text.replace(" ", "")


async def test_numbers_hidden_in_public_forms_and_cookies_are_read_safely(core):
    """A form token or a "seen" cookie with a digit of another script (str.isdigit() takes "²",
    int() does not): the page answers, never a 500."""
    receipt = await file_tip(core)
    async with serving(create_web(core)) as url, httpx.AsyncClient(base_url=url, cookies={"tl_lang": "en"}) as client:
        reporter = Reporter(client)
        await reporter.get("/")
        for token in ("².x", "１２.x", f"{'9' * 12}.x", "-1.x"):
            started = await client.post("/report/start", data={"csrf": token})
            assert started.status_code < 500 and started.headers["content-type"].startswith("text/html"), (token, started.status_code)
        await reporter.get("/status")
        owner = client.cookies["tl_owner"]
        async with httpx.AsyncClient(base_url=url) as bare:  # the cookie header exactly as sent, byte 0xB2 ("²") and all
            looked = await bare.post("/status", data={"csrf": token_of(reporter.page), "code": receipt.code}, headers=[
                (b"cookie", f"tl_owner={owner}; tl_lang=en; tl_seen=0123456789abcdef.".encode() + b"\xb2")])
            assert looked.status_code == 200 and "Tracking code" in looked.text, looked.status_code


async def test_a_request_the_framework_cannot_validate_answers_a_page_or_the_apis_json_on_every_route_shape(core):
    """Today no public route takes a typed parameter, but the next one may: a number in the
    path, the query or a header, and a JSON body, each on a page of the site (a 404 or 400 page
    in the visitor's language) and on the API (its JSON errors, in the asked language)."""
    app = create_web(core)

    async def probe(**_kwargs) -> dict:
        return {}

    shapes = {
        "/probe/{number}": 404, "/probe-query": 400, "/probe-header": 400, "/probe-body": 400,
    }
    for prefix in ("", "/api/v1"):
        app.add_api_route(prefix + "/probe/{number}", _typed(probe, number=(int, ...)), methods=["GET"])
        app.add_api_route(prefix + "/probe-query", _typed(probe, number=(int, Query(...))), methods=["GET"])
        app.add_api_route(prefix + "/probe-header", _typed(probe, x_number=(int, Header(...))), methods=["GET"])
        app.add_api_route(prefix + "/probe-body", _typed(probe, payload=(dict, Body(...))), methods=["POST"])
    async with serving(app) as url:
        for language, tag in PUBLIC_LANGUAGES.items():
            async with httpx.AsyncClient(base_url=url, cookies={"tl_lang": language}) as client:
                for prefix in ("", "/api/v1"):
                    # The API reads ?lang=; a page's ?lang= is a language link (it sets the cookie and comes back).
                    lang = f"lang={language}" if prefix else ""
                    for path, status in shapes.items():
                        concrete = prefix + path.replace("{number}", "abc")
                        if path == "/probe-body":
                            answer = await client.post(concrete + f"?{lang}", content=b"[not json",
                                                       headers={"content-type": "application/json"})
                        else:
                            answer = await client.get(concrete + f"?number=abc&{lang}", headers={"x-number": "abc"})
                        if prefix:
                            assert_api_error(answer, status, language, "There is no such address in this API." if status == 404
                                             else "This value cannot be read.")
                        else:
                            expected = "Page not found" if status == 404 else "This request could not be read"
                            assert_page(answer, status, tag, Translator(language)(expected))


def _typed(handler, **params):
    """`handler` with a signature FastAPI reads as typed parameters (name: (type, default))."""
    import inspect

    signature = inspect.Signature([
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=kind,
                          default=inspect.Parameter.empty if default is ... else default)
        for name, (kind, default) in params.items()
    ])

    async def typed(**kwargs):
        return await handler(**kwargs)

    typed.__signature__ = signature
    return typed


@pytest.mark.parametrize("app_name", ["web", "console"])
async def test_the_server_keeps_answering_after_every_probe(core, app_name):
    """The tester saw the connection reset after an out-of-range id: the same connection
    answers the next request."""
    app = create_web(core) if app_name == "web" else create_console(core)
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as client:
        for path in ("/tips/99999999999999999999999", "/tips/abc", "/nope", f"/tips/{2**63}/files/{2**63}"):
            assert (await client.get(path)).status_code in (303, 404), path
        assert (await client.get("/signin" if app_name == "console" else "/")).status_code == 200
