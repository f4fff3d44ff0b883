"""Coming back to the status page: steps new since the last visit marked (a cookie with no
code and nothing personal), a refresh after a reply sends nothing again (post/redirect/get),
information added with the PIN while the report is being checked, and the confirmation page's
Telegram link (a single-use token, never the tracking code)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from intake.casework.casework import move_tip
from intake.reporting.linking import use_link_token
from intake.domain.messages import PublicMessage
from intake.platform.models.tip_records import ReporterMessage
from intake.reporting.tips import public_view
from tests.factories import file_tip, move_to, staff
from tests.walk import ANSWERS_ANONYMOUS_SELF
from tests.webclient import Reporter, text_of, web_client

LEAD_UNIT = "990121-civil_affairs"
NEW = "New since your last visit"


@pytest.fixture
async def officer(core):
    return await staff(core, "officer", "officer", LEAD_UNIT)


async def look_up(reporter: Reporter, code: str):
    await reporter.get("/status")
    return await reporter.post("/status", {"code": code})


async def messages(core) -> list[str]:
    async with core.db.session() as session:
        return list((await session.scalars(select(ReporterMessage.text).order_by(ReporterMessage.id))).all())


async def test_steps_new_since_the_last_visit_are_marked_once(core, officer):
    receipt = await file_tip(core, language="en")
    async with web_client(core, language="en") as client:
        reporter = Reporter(client)
        await look_up(reporter, receipt.code)
        assert NEW not in text_of(reporter.page)  # a first visit: nothing to compare with
        seen = client.cookies.get("tl_seen")
        assert seen and receipt.code not in seen and receipt.code[:4] not in seen.split(".")[0]

        await move_tip(core, receipt.tip_id, "accepted", staff=officer)
        await move_tip(core, receipt.tip_id, "verifying", staff=officer)
        await look_up(reporter, receipt.code.replace("", " ").strip())  # typed differently: the same report
        new_items = re.findall(r'<li class="timeline-item[^"]*\bnew\b[^"]*">(.*?)</li>', reporter.page, re.S)
        assert [text_of(item).count(NEW) for item in new_items] == [1, 1]
        assert "Being checked" in text_of(new_items[0]) and "Accepted for checking" in text_of(new_items[1])
        assert "Received" not in text_of("".join(new_items))

        await look_up(reporter, receipt.code)
        assert NEW not in text_of(reporter.page)


async def test_a_refresh_after_answering_sends_nothing_again(core, officer):
    receipt = await file_tip(core, language="en")
    await move_to(core, receipt.tip_id, "verifying", staff=officer)
    await move_tip(core, receipt.tip_id, "needs_info", staff=officer,
                   public=PublicMessage(text="What was the card called?", language="en"))
    async with web_client(core, language="en") as client:
        reporter = Reporter(client)
        await look_up(reporter, receipt.code)
        response = await client.post("/status/reply", data={
            "csrf": re.search(r'name="csrf" value="([^"]*)"', reporter.page).group(1), "code": receipt.code,
            "pin": receipt.pin, "answer": "The gold VIP card.", "purpose": "answer"})
        assert response.status_code == 303 and response.headers["location"] == "/status/view"
        assert receipt.code not in response.headers["location"]
        first = await reporter.get("/status/view")
        assert "Your answer has been sent" in text_of(first.text) and "What was the card called?" in text_of(first.text)
        again = await reporter.get("/status/view")  # the refresh
        assert "Your answer has been sent" not in text_of(again.text)
        assert "Progress of your report" in text_of(again.text) and "Being checked" in text_of(again.text)
    assert await messages(core) == ["The gold VIP card."]
    async with web_client(core, language="en") as stranger:
        response = await stranger.get("/status/view")
    assert response.status_code == 303 and response.headers["location"] == "/status"


async def test_the_reporter_adds_information_while_the_report_is_checked_and_it_keeps_its_status(core, officer):
    receipt = await file_tip(core, language="en")
    await move_tip(core, receipt.tip_id, "accepted", staff=officer)
    async with web_client(core, language="en") as client:
        reporter = Reporter(client)
        await look_up(reporter, receipt.code)
        page = text_of(reporter.page)
        assert "Add information to your report" in page and "Answer the office's question" not in page
        assert "print this page" in page
        await reporter.post("/status/reply", {"code": receipt.code, "pin": receipt.pin, "purpose": "add",
                                              "answer": "They also took my neighbour's savings book."})
        assert reporter.url == "/status/view"
        page = text_of(reporter.page)
        assert "What you added has been sent" in page and "You added information" in page
    assert (await public_view(core, receipt.code)).status == "accepted"
    assert await messages(core) == ["They also took my neighbour's savings book."]


async def test_a_finished_report_offers_rating_but_not_adding(core, officer):
    lead = await staff(core, "lead", "unit_lead", LEAD_UNIT)
    receipt = await file_tip(core, language="en")
    await move_to(core, receipt.tip_id, "verifying", staff=officer)
    await move_tip(core, receipt.tip_id, "unsubstantiated", staff=officer, public=PublicMessage(template="unsubstantiated"))
    await move_tip(core, receipt.tip_id, "closed", staff=lead)
    async with web_client(core, language="en") as client:
        reporter = Reporter(client)
        await look_up(reporter, receipt.code)
        page = text_of(reporter.page)
    assert "Are you satisfied" in page and "Add information to your report" not in page


async def _send_a_report(core) -> Reporter:
    client = web_client(core, language="en")
    reporter = Reporter(await client.__aenter__())
    await reporter.start()
    await reporter.walk(ANSWERS_ANONYMOUS_SELF)
    await reporter.send()
    assert reporter.url == "/report/done"
    return reporter


async def test_the_confirmation_links_the_tip_to_telegram_with_a_single_use_token(core):
    core.settings.telegram_bot_username = "TiplineBot"
    reporter = await _send_a_report(core)
    try:
        code = re.search(r'id="tracking-code">([\d ]+)<', reporter.page).group(1).replace(" ", "")
        link = re.search(r'href="(https://t\.me/TiplineBot\?start=[^"]+)"', reporter.page).group(1)
        token = link.split("start=")[1]
        assert code not in link and reporter.page.count("t.me/") == 1
        assert "Connect this report to Telegram" in text_of(reporter.page)
        assert "does not contain your tracking code" in text_of(reporter.page)
        tip_id = await use_link_token(core, token, channel="telegram", address="5001", user_hash="chat-hash")
        assert tip_id is not None
        assert await use_link_token(core, token, channel="telegram", address="5002", user_hash="other") is None
        await reporter.get("/report/done")  # shown again: a fresh token
        assert re.search(r"start=([^\"]+)\"", reporter.page).group(1) != token
    finally:
        await reporter.client.__aexit__(None, None, None)


async def test_without_a_bot_the_confirmation_says_nothing_of_telegram(core):
    core.settings.telegram_bot_username = ""
    reporter = await _send_a_report(core)
    try:
        assert "t.me" not in reporter.page and "Telegram" not in text_of(reporter.page)
    finally:
        await reporter.client.__aexit__(None, None, None)
