"""PostgreSQL restarted under load, on a throwaway cluster of the test's own: while it is down
every request gets a friendly 503 page in the reporter's language (never a stack trace, never a
500), and once it is back the same `tipline serve`, not restarted, answers again and takes a
whole report, with the answers given before the outage kept."""
from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from i18n import Translator
from tests.test_faults_support import ServeProcess, temp_postgres, until  # noqa: F401 - fixture
from tests.console_support import csrf_of
from tests.walk import ANSWERS_FOR_MOTHER
from tests.webclient import Reporter
from web_form.app import UNAVAILABLE

TITLE = "Please try again in a minute"


async def _load(url: str, seen: list[httpx.Response | Exception], stop: asyncio.Event) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=20, cookies={"tl_lang": "bo"}) as client:
        while not stop.is_set():
            try:
                seen.append(await client.get("/"))  # the start page looks for the visitor's draft
                seen.append(await client.get("/api/v1/reports/1234-5678-9012", headers={"Accept-Language": "bo"}))
            except httpx.HTTPError as error:
                seen.append(error)
            await asyncio.sleep(0.02)


@pytest.mark.alone  # measures the recovery time, and its load must meet the outage
async def test_postgresql_restarted_under_load_gives_a_friendly_page_then_recovers_without_our_restart(temp_postgres, tmp_path):
    url = temp_postgres.create_database("tipline")
    server = ServeProcess(tmp_path, url).start()
    stop = asyncio.Event()
    seen: list[httpx.Response | Exception] = []
    try:
        await server.ready()
        async with httpx.AsyncClient(base_url=server.url, timeout=20, headers={"Accept-Language": "en"}) as client:
            reporter = Reporter(client)
            await reporter.start()
            await reporter.walk(ANSWERS_FOR_MOTHER, stop_at="region")  # half-way before the outage
            load = [asyncio.create_task(_load(server.url, seen, stop)) for _ in range(3)]
            assert await until(lambda: len(seen) >= 6, 30)  # answered before the outage (a busy machine is slow)
            before = len(seen)

            staff = httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.console_port}", timeout=20,
                                      headers={"Accept-Language": "en"})
            signin = await staff.get("/signin")  # an officer signs in while the database is down
            temp_postgres.stop("fast")
            down_at = len(seen)
            for _ in range(200):  # let the load meet the outage
                if sum(1 for r in seen[down_at:] if isinstance(r, httpx.Response) and r.status_code == 503) >= 6:
                    break
                await asyncio.sleep(0.05)
            outage = seen[down_at:]
            console_page = await staff.post("/signin", data={"csrf": csrf_of(signin.text), "username": "li", "password": "x" * 12})
            temp_postgres.start()
            started = time.monotonic()

            async def answers_again() -> bool:
                return (await client.get("/")).status_code == 200

            for _ in range(100):
                if await answers_again():
                    break
                await asyncio.sleep(0.1)
            recovered_in = time.monotonic() - started
            await asyncio.sleep(0.5)
            stop.set()
            await asyncio.gather(*load)

            # The same reporter carries on where they were and sends the report.
            await reporter.get("/report")
            assert reporter.current_key == "region", reporter.url
            await reporter.walk(ANSWERS_FOR_MOTHER)
            sent = await reporter.send()
            assert sent.status_code == 200 and str(sent.url).endswith("/report/done"), reporter.page[-400:]
    finally:
        stop.set()
        server.stop()
        if "staff" in locals():
            await staff.aclose()

    assert before > 0 and all(isinstance(r, httpx.Response) and r.status_code in (200, 404) for r in seen[:before])
    statuses = [r.status_code if isinstance(r, httpx.Response) else type(r).__name__ for r in seen]
    assert 500 not in statuses and not any(isinstance(s, str) for s in statuses), (statuses, server.log()[-6000:])
    pages = [r for r in outage if isinstance(r, httpx.Response) and r.status_code == 503 and r.request.url.path == "/"]
    api = [r for r in outage if isinstance(r, httpx.Response) and r.status_code == 503 and r.request.url.path.startswith("/api/")]
    assert pages and api, statuses
    _ = Translator("bo")
    for page in pages:
        assert 'lang="bo"' in page.text and _(TITLE) in page.text and "Traceback" not in page.text
        assert page.headers["retry-after"].isdigit()
    assert api[0].json() == {"errors": [{"field": "", "message": _(UNAVAILABLE)}]}
    assert console_page.status_code == 503 and "The console is unavailable" in console_page.text
    assert "Traceback" not in console_page.text and console_page.headers["retry-after"].isdigit()
    assert seen[-1].status_code in (200, 404) and recovered_in < 10
    assert "Exception in ASGI application" not in server.log(), server.log()[-3000:]  # no request crashed
