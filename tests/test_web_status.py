"""The status page over HTTP: a tracking code (typed any way) shows the timeline in the page's
language; an unknown code never reveals anything; the reply PIN lets the reporter answer a
question with text and photos, and rate a finished report."""
from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from intake.casework.casework import move_tip
from intake.domain.messages import PublicMessage
from intake.platform.models.reporting import Attachment
from intake.platform.models.tip_records import Rating, ReporterMessage
from intake.platform.ratelimit import Limit
from intake.reporting.tips import public_view
from intake.domain.tracking import damm_check_digit, format_code
from tests.factories import a_photo, file_tip, move_to, staff
from tests.webclient import Reporter, text_of, web_client

LEAD_UNIT = "990121-civil_affairs"
TIBETAN_DIGITS = str.maketrans("0123456789", "༠༡༢༣༤༥༦༧༨༩")


@pytest.fixture
async def officer(core):
    return await staff(core, "officer", "officer", LEAD_UNIT)


async def look_up(reporter: Reporter, code: str):
    await reporter.get("/status")
    return await reporter.post("/status", {"code": code})


def without_token(page: str) -> str:
    return re.sub(r'name="csrf" value="[^"]*"', "", page)


async def test_the_timeline_is_shown_in_the_page_language_for_a_code_typed_any_way(core, officer):
    receipt = await file_tip(core, language="zh_Hans")
    await move_tip(core, receipt.tip_id, "accepted", staff=officer)
    grouped = format_code(receipt.code)
    typed_ways = [grouped, receipt.code.translate(TIBETAN_DIGITS), "－".join(grouped.split()),
                  receipt.code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))]
    async with web_client(core, language="en") as client:
        reporter = Reporter(client)
        for typed in typed_ways:
            await look_up(reporter, typed)
            page = text_of(reporter.page)
            assert grouped in page, typed
            assert "Accepted for checking" in page and "Received" in page


async def test_an_unknown_code_answers_like_a_mistyped_one_and_as_slowly(core):
    receipt = await file_tip(core)
    real = receipt.code
    unknown = "10000000000" + damm_check_digit("10000000000")  # well-formed, but no such report
    assert unknown != real
    async with web_client(core, language="en", lookup_floor_seconds=0.2) as client:
        reporter = Reporter(client)
        timings, pages = [], []
        for code in (unknown, "1234 5678 9012", "abc"):
            started = time.monotonic()
            await look_up(reporter, code)
            timings.append(time.monotonic() - started)
            pages.append(text_of(without_token(reporter.page)).replace(code, "CODE"))
        started = time.monotonic()
        await look_up(reporter, real)
        real_time = time.monotonic() - started
    assert pages[0] == pages[1] == pages[2]
    assert "We could not find a report with that tracking code" in pages[0]
    assert all(t >= 0.2 for t in timings) and real_time >= 0.2


async def test_look_ups_are_rate_limited_per_address(core, monkeypatch):
    from intake.reporting import lookups

    monkeypatch.setattr(lookups, "LOOKUPS", Limit("web-status-test", 3, 600))
    async with web_client(core, language="en") as client:
        reporter = Reporter(client)
        for _ in range(3):
            response = await look_up(reporter, "1234 5678 9012")
            assert response.status_code == 200
        await reporter.get("/status")
        response = await reporter.post("/status", {"code": "1234 5678 9012"})
    assert response.status_code == 429
    assert "Please wait" in text_of(response.text)


async def test_the_reporter_answers_a_question_with_text_and_a_photo_after_the_pin(core, officer):
    receipt = await file_tip(core, language="en")
    await move_tip(core, receipt.tip_id, "accepted", staff=officer)
    await move_tip(core, receipt.tip_id, "verifying", staff=officer)
    await move_tip(core, receipt.tip_id, "needs_info", staff=officer,
                   public=PublicMessage(text="您办卡时拿到收据了吗？", language="zh_Hans",
                                        translations={"en": "Did you get a receipt for the card?"}))
    async with web_client(core, language="en") as client:
        reporter = Reporter(client)
        await look_up(reporter, receipt.code)
        assert "Did you get a receipt for the card?" in text_of(reporter.page)
        assert "Answer the office's question" in text_of(reporter.page)

        wrong = "0000" if receipt.pin != "0000" else "1111"
        await reporter.post("/status/reply", {"code": receipt.code, "pin": wrong, "answer": "Yes, here it is."})
        assert "That reply PIN is not right" in text_of(reporter.page)
        assert "Yes, here it is." in reporter.page  # kept for another try

        exe = b"MZ\x90\x00" + b"\x00" * 100
        await reporter.post("/status/reply", {"code": receipt.code, "pin": receipt.pin, "answer": "Yes, here it is."},
                            files=[("files", ("receipt.jpg", exe, "image/jpeg"))])
        assert "This file is not one of them" in text_of(reporter.page)

        await reporter.post("/status/reply", {"code": receipt.code, "pin": receipt.pin, "answer": "Yes, here it is."},
                            files=[("files", ("receipt.jpg", a_photo((40, 30), gps=False), "image/jpeg"))])
        assert "Your answer has been sent" in text_of(reporter.page)
    async with core.db.session() as session:
        messages = (await session.scalars(select(ReporterMessage))).all()
        files = (await session.scalars(select(Attachment))).all()
    assert [m.text for m in messages] == ["Yes, here it is."]
    assert len(files) == 1 and files[0].reporter_message_id == messages[0].id and files[0].tip_id == receipt.tip_id
    view = await public_view(core, receipt.code)
    assert view.status == "verifying"


async def test_a_finished_report_can_be_rated_with_the_pin(core, officer):
    lead = await staff(core, "lead", "unit_lead", LEAD_UNIT)
    receipt = await file_tip(core, language="en")
    await move_to(core, receipt.tip_id, "verifying", staff=officer)
    await move_tip(core, receipt.tip_id, "substantiated", staff=officer, public=PublicMessage(template="substantiated"))
    await move_tip(core, receipt.tip_id, "closed", staff=lead)
    async with web_client(core, language="en") as client:
        reporter = Reporter(client)
        await look_up(reporter, receipt.code)
        assert "Are you satisfied" in text_of(reporter.page)
        await reporter.post("/status/rate", {"code": receipt.code, "pin": receipt.pin, "comment": "Quick and kind."})
        assert "Please choose one of the answers." in text_of(reporter.page)
        await reporter.post("/status/rate", {"code": receipt.code, "pin": receipt.pin, "satisfied": "yes",
                                             "comment": "Quick and kind."})
        assert "Thank you for telling us" in text_of(reporter.page)
    async with core.db.session() as session:
        rating = await session.get(Rating, receipt.tip_id)
    assert rating.satisfied == "yes" and rating.comment == "Quick and kind."
