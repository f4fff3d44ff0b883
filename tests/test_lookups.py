"""Tracking-code look-ups are limited on every path that resolves a code (issue 14, item 1): the
status page and its reply and rating forms (driven over real HTTP, as the outside tester did),
the partner API, the bot's /status and a code sent on its own, and `tipline status`. Failed
look-ups of well-formed codes are counted per client and for the whole deployment; once the
deployment's budget is spent every stranger is slowed and the coordinating office is alerted;
a reporter who knows their code is never locked out by someone failing on purpose."""
from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime, timezone

import httpx
import pytest
from sqlalchemy import select

from bot.users import set_language
from i18n import Translator
from intake.platform.models.notifications import Notification
from intake.platform.models.staff import AuditEvent
from intake.platform.ratelimit import Limit
from intake.domain.tracking import damm_check_digit, format_code
from tests.bot_harness import fake_telegram, new_user, running_bot  # noqa: F401 - fixtures
from tests.browser import LiveSite
from tests.conftest import database_url
from tests.factories import file_tip
from tests.webclient import text_of, token_of
from web_form.app import create_app as public_app

TOO_MANY = "There have been too many tries with tracking codes from here."
NOT_FOUND = "We could not find a report with that tracking code"
COORDINATION = "990100-coordination"


def unknown_codes(count: int, start: int = 10_000_000_000) -> list[str]:
    """Well-formed codes (right check digit) that no tip has: what a guesser sends."""
    return [str(body) + damm_check_digit(str(body)) for body in range(start, start + count)]


def client_at(app, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000), raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", cookies={"tl_lang": "en"})


async def web_look_up(client: httpx.AsyncClient, code: str) -> httpx.Response:
    page = await client.get("/status")
    return await client.post("/status", data={"csrf": token_of(page.text), "code": code})


# --- the tester's probe, over real HTTP ----------------------------------------------------------

async def test_after_the_status_page_answers_429_no_post_without_a_token_shows_the_timeline(core, clock, tmp_path):
    with LiveSite(tmp_path, clock, database_url=database_url(tmp_path), lookup_floor_seconds=0) as site:
        receipt = site.run(file_tip(site.core, language="en"))
        grouped = format_code(receipt.code)
        with httpx.Client(base_url=site.url, cookies={"tl_lang": "en"}, timeout=30) as client:
            token = token_of(client.get("/status").text)
            shown = 0
            for _ in range(500):
                answer = client.post("/status", data={"csrf": token, "code": receipt.code})
                if answer.status_code == 429:
                    break
                assert grouped in text_of(answer.text)
                shown += 1
            assert answer.status_code == 429 and grouped not in answer.text
            assert shown == 120  # the flood limit: 120 look-ups per 10 minutes from one address

            probes = []
            for n in range(60):  # no form token, as the tester sent them (300 then; each is refused alike)
                path = "/status/reply" if n % 2 else "/status/rate"
                probes.append(client.post(path, data={"code": receipt.code, "pin": "0000", "answer": "x", "satisfied": "yes"}))
            for n in range(6):  # the honeypot filled, with a token
                probes.append(client.post("/status/reply", data={"csrf": token, "code": receipt.code, "pin": "0000",
                                                                 "answer": "x", "website_url": "http://spam.example"}))
            assert not [probe for probe in probes if grouped in text_of(probe.text) or "Received" in text_of(probe.text)]
            assert {probe.status_code for probe in probes} == {429}
            assert all(TOO_MANY in text_of(page.text) for page in (answer, *probes))  # what to do, in their language

            clock.advance(minutes=10)  # the window turns: the reporter reads again
            assert grouped in text_of(client.post("/status", data={"csrf": token, "code": receipt.code}).text)


# --- every other channel counts against the same limits -----------------------------------------

async def test_the_partner_api_look_up_counts_against_the_same_limits_as_the_status_page(core):
    receipt = await file_tip(core, language="en")
    app = public_app(core, lookup_floor_seconds=0)
    async with client_at(app, "203.0.113.7") as guesser, client_at(app, "203.0.113.8") as reporter:
        failed = [(await guesser.get(f"/api/v1/reports/{code}?lang=en")).status_code for code in unknown_codes(10)]
        refused = await guesser.get(f"/api/v1/reports/{receipt.code}?lang=en")
        in_chinese = await guesser.get(f"/api/v1/reports/{receipt.code}?lang=zh_Hans")
        on_the_page = await web_look_up(guesser, receipt.code)
        read = await reporter.get(f"/api/v1/reports/{receipt.code}?lang=en")
    assert failed == [404] * 10
    assert refused.status_code == 429 and refused.json()["errors"][0]["message"].startswith(TOO_MANY)
    assert receipt.code not in refused.text and "Received" not in refused.text
    assert in_chinese.status_code == 429
    assert in_chinese.json()["errors"][0]["message"] == Translator("zh_Hans")(
        "There have been too many tries with tracking codes from here. Please wait an hour and try again. "
        "If you cannot find your code, call 12345.")
    assert on_the_page.status_code == 429 and TOO_MANY in text_of(on_the_page.text)
    assert read.status_code == 200 and read.json()["label"] == "Received"


async def test_the_bots_status_and_a_code_sent_on_its_own_are_limited_per_chat(core, fake_telegram, running_bot):  # noqa: F811
    receipt = await file_tip(core, language="en")
    grouped = format_code(receipt.code)
    await running_bot()
    guesser, reporter = new_user(fake_telegram), new_user(fake_telegram)
    for person in (guesser, reporter):  # English chosen earlier, no report under way
        await set_language(core, person.chat_id, "en")
    for code in unknown_codes(10):
        assert NOT_FOUND in (await guesser.send(f"/status {code}"))[-1].text
    refused = (await guesser.send(f"/status {grouped}"))[-1].text
    bare = (await guesser.send(grouped))[-1].text
    assert TOO_MANY in refused and TOO_MANY in bare and "Received" not in refused + bare
    assert "Received" in (await reporter.send(grouped))[-1].text  # a code on its own is looked up
    assert "Received" in (await reporter.send(f"/status {receipt.code}"))[-1].text


async def test_tipline_status_is_one_client_limited_like_any_other(core, clock, settings):
    from intake.reporting import lookups

    clock.current = datetime.now(timezone.utc)  # the command runs on the real clock: the same window
    receipt = await file_tip(core, language="en")
    for code in unknown_codes(lookups.FAILED.count):
        assert await lookups.status(core, lookups.Client.local(), code) is None
    status = await asyncio.to_thread(run_tipline, "status", receipt.code, "--lang", "en",
                                     env={"TIPLINE_VAR_DIR": str(settings.var_dir), "TIPLINE_DATABASE_URL": settings.database_url})
    assert status.returncode == 1, status.stderr
    assert TOO_MANY in " ".join(status.stdout.split()) and "Received" not in status.stdout


# --- the deployment-wide budget -----------------------------------------------------------------

async def test_a_spent_budget_slows_every_stranger_and_alerts_the_coordinating_office_once(core, clock, monkeypatch, caplog):
    from intake.reporting import lookups
    from intake.domain.deployment import CONFIG_DIR, Deployment, read_config
    from intake.notify.outbox import render_notice

    raw = read_config(CONFIG_DIR)
    raw["units"] = [{**u, **({"email": "zhuanban@example.gov.cn"} if u["code"] == COORDINATION else {})} for u in raw["units"]]
    core.deployment = Deployment.model_validate(raw)
    monkeypatch.setattr(lookups, "BUDGET", Limit("lookups-failed-all-test", 30, 3600))
    receipt = await file_tip(core, language="en")
    codes = iter(unknown_codes(200))

    async def fails(client: str, times: int) -> list[str]:
        answers = []
        for _ in range(times):
            try:
                answers.append("not found" if await lookups.status(core, lookups.Client(client), next(codes)) is None else "found")
            except lookups.LookupRefused:
                answers.append("refused")
        return answers

    for guesser in ("a", "b", "c"):  # 30 failures: the budget, spent to the last
        assert await fails(guesser, 10) == ["not found"] * 10
    assert await fails("a", 1) == ["refused"]  # its own allowance was spent anyway
    assert not await _alerts(core)

    caplog.set_level(logging.WARNING, logger="intake.reporting.lookups")
    assert await fails("d", 4) == ["not found", "not found", "refused", "refused"]  # 2 an hour now, not 10
    with pytest.raises(lookups.LookupRefused):  # the right code too: a refusal never tells
        await lookups.status(core, lookups.Client("d"), receipt.code)
    assert await fails("e", 3) == ["not found", "not found", "refused"]
    # The reporter, from a connection of their own, reads their report.
    assert (await lookups.status(core, lookups.Client("reporter"), receipt.code, "en")).status_label == "Received"

    alerts = await _alerts(core)
    assert len(alerts) == 1 and alerts[0].stream == f"unit:{COORDINATION}:email"
    async with core.db.session() as session:
        notice = await render_notice(core, session, alerts[0])
        audited = (await session.scalars(select(AuditEvent).where(AuditEvent.action == "lookups.budget_spent"))).all()
    assert notice.address == "zhuanban@example.gov.cn" and notice.subject == Translator("zh_Hans")("Many tracking codes are being guessed on the tip-line")
    assert "30" in notice.body and "2" in notice.body and receipt.code not in notice.body
    assert len(audited) == 1 and audited[0].detail["alerted"] == [COORDINATION]
    assert any("unknown tracking codes" in record.getMessage() for record in caplog.records)

    clock.advance(hours=1)  # the window turns: the budget and every allowance are whole again
    assert await fails("d", 10) == ["not found"] * 10
    assert len(await _alerts(core)) == 1


async def _alerts(core) -> list[Notification]:
    async with core.db.session() as session:
        rows = (await session.scalars(select(Notification).where(Notification.kind == "unit_alert"))).all()
    return [row for row in rows if (row.payload or {}).get("about") == "lookup_budget"]


async def test_a_mistyped_code_spends_no_failure_and_a_care_home_reads_every_residents_report(core, monkeypatch):
    from intake.reporting import lookups

    monkeypatch.setattr(lookups, "BUDGET", Limit("lookups-failed-all-home", 5, 3600))
    for guesser in range(3):  # strangers elsewhere have spent the deployment's budget
        for code in unknown_codes(2, start=20_000_000_000 + 10 * guesser):
            await lookups.status(core, lookups.Client.address(f"198.51.100.{guesser}"), code)
    residents = [await file_tip(core, language="en") for _ in range(12)]
    app = public_app(core, lookup_floor_seconds=0)
    async with client_at(app, "192.0.2.50") as care_home:
        typos = [await web_look_up(care_home, code[:11] + str((int(code[11]) + 1) % 10)) for code in unknown_codes(15)]
        pages = [await web_look_up(care_home, format_code(resident.code)) for resident in residents]
    assert {page.status_code for page in typos} == {200} and all(NOT_FOUND in text_of(page.text) for page in typos)
    assert [page.status_code for page in pages] == [200] * 12
    assert all(format_code(r.code) in text_of(page.text) for r, page in zip(residents, pages))


# --- strangers cannot lock the reporter out -----------------------------------------------------

async def test_the_reporter_reads_their_status_after_a_stranger_failed_a_hundred_pins_on_it(core):
    receipt = await file_tip(core, language="en")
    wrong = "0000" if receipt.pin != "0000" else "1111"
    app = public_app(core, lookup_floor_seconds=0)
    answers = []
    for n in range(100):  # from many addresses, so no address limit stops the stranger first
        async with client_at(app, f"198.51.{n // 50}.{n % 50 + 1}") as stranger:
            page = await stranger.get("/status")
            answers.append(await stranger.post("/status/reply", data={
                "csrf": token_of(page.text), "code": receipt.code, "pin": wrong, "answer": "let me in"}))
    said = [text_of(answer.text) for answer in answers]
    assert sum("That reply PIN is not right" in text for text in said) == 4
    assert all("Adding information online is locked" in text for text in said[4:])
    async with client_at(app, "192.0.2.77") as reporter:
        page = await web_look_up(reporter, receipt.code)
    assert page.status_code == 200 and format_code(receipt.code) in text_of(page.text) and "Received" in text_of(page.text)


# --- the counters' refunds ----------------------------------------------------------------------

async def test_a_refund_gives_back_one_event_in_its_window_only(core, clock):
    from intake.platform import ratelimit

    limit = Limit("refund-test", 2, 60)
    first = await ratelimit.count(core, limit, "k")
    await ratelimit.refund(core, first)
    assert [(await ratelimit.count(core, limit, "k")).count for _ in range(3)] == [1, 2, 3]
    last = await ratelimit.count(core, limit, "k")
    clock.advance(seconds=60)
    await ratelimit.refund(core, last)  # its window has passed: nothing to give back in the new one
    assert (await ratelimit.count(core, limit, "k")).count == 1

    local = ratelimit.LocalCounts()
    counted = await ratelimit.count(core, limit, "k", local=local)
    await ratelimit.refund(core, counted)
    assert (await ratelimit.count(core, limit, "k", local=local)).count == 1


async def test_a_refund_in_redis_gives_back_one_event_and_never_goes_below_zero(core, redis_server):  # noqa: F811
    from intake.platform import ratelimit

    core.settings = core.settings.model_copy(update={"redis_url": redis_server.url})
    limit = Limit("refund-redis-test", 2, 60)
    try:
        first = await ratelimit.count(core, limit, "k")
        assert first.redis_url and first.count == 1
        await ratelimit.refund(core, first)
        await ratelimit.refund(core, first)
        assert (await ratelimit.count(core, limit, "k")).count == 1
    finally:
        await ratelimit.close_redis()


from tests.test_faults_support import redis_server  # noqa: E402, F401 - fixture
from tests.cli import run_tipline
