"""Story 2 end to end: aiogram's real Bot and polling against the fake Bot API on 127.0.0.1.

A son reports in English, for his father, with a photo of a receipt; the tip goes to market
regulation; staff ask a question; he answers in the chat with text, and adds a second photo when asked; staff
mark it substantiated; every notice arrives in English.
"""
from __future__ import annotations

from sqlalchemy import select

from bot.notifier import TelegramChannel
from bot.users import get_user
from intake.platform.attachments import list_for_tip
from intake.casework.casework import move_tip
from intake.notify.dispatch import Dispatcher
from intake.domain.messages import PublicMessage
from intake.platform.models.tip_records import ReporterMessage
from intake.platform.models.tips import Tip
from tests.bot_harness import (  # noqa: F401 - fixtures
    Choose, Files, Multi, answer_until, fake_telegram, new_user, running_bot,
)
from tests.factories import a_photo, staff

SON = {
    "urgent": Choose("no"),
    "reporting_for": Choose("family"),
    "relationship": Choose("child"),
    "category": Choose("care_product"),
    "description": "My father goes to free 'health lectures' every week, and afterwards they sell him pills for 2000 yuan a box.",
    "suspect_known": Choose("yes"),
    "suspect_organisation": "Kangshou Health Lecture Hall",
    "suspect_phone": "0571-8888 6666",
    "region": Choose("990122"),
    "when": "2026-10",
    "ongoing": Choose("no"),
    "money_lost": "6000",
    "payment_method": Multi(("cash", "mobile_payment")),
    "victim_age": Choose("80_plus"),
    "victim_region": Choose("990122"),
    "evidence": Files((a_photo(gps=False, color="white"),)),
    "contact_mode": Choose("anonymous"),
    "notify": Choose("yes"),
    "consent": Choose("yes"),
}


async def test_a_son_reports_in_english_with_a_receipt_and_follows_the_check_in_the_chat(core, clock, fake_telegram, running_bot):
    bot = await running_bot()
    son = new_user(fake_telegram, "en-GB")

    shown = await son.send("/start")
    assert "Please choose your language." in shown[-1].text
    shown = await son.press("English")
    assert any("Report a scam against older people" in m.text for m in shown)
    assert shown[-1].text.splitlines()[0].endswith("questions left")
    assert "Is money being paid" in shown[-1].text
    assert [t for t, _ in shown[-1].buttons()][-3:] == ["⬅ Back", "Start over", "Help"]

    assert await answer_until(son, core, "en", SON) == "__review__"
    review = son.last_with_buttons()
    assert "Check your answers" in review.text
    assert "Health products" in review.text and "Cash, WeChat Pay or Alipay" in review.text
    assert "1 file" in review.text
    receipt = await son.press("Send the report")
    text = "\n".join(m.text for m in receipt)
    assert "Thank you. Your report has been sent." in text
    assert "Your tracking code is:" in text and "Your reply PIN is:" in text
    assert "What you can do now" in text
    code = next(line for line in text.splitlines() if len(line) == 14 and line.replace(" ", "").isdigit())

    async with core.db.session() as session:
        tip = (await session.scalars(select(Tip))).one()
    assert tip.lead_unit == "990122-market_regulation"
    assert tip.language == "en" and tip.channel == "telegram"
    assert [a.kind for a in await list_for_tip(core, tip.id)] == ["image"]

    # Staff check it and ask a question; the dispatcher delivers through the bot.
    officer = await staff(core, "li", "officer", "990122-market_regulation")
    await move_tip(core, tip.id, "accepted", staff=officer)
    await move_tip(core, tip.id, "verifying", staff=officer)
    await move_tip(core, tip.id, "needs_info", staff=officer, public=PublicMessage(
        text="请问收据上写的是哪家公司？", language="zh_Hans", translations={"en": "Which company is named on the receipt?"}))
    outbox = Dispatcher(core, {"telegram": TelegramChannel(bot.bot, core)}, worker_id="test")
    before = len(fake_telegram.sent_to(son.chat_id))
    assert await outbox.run_once() == 4
    notices = [m.text for m in fake_telegram.sent_to(son.chat_id)[before:]]
    assert [n.splitlines()[0].split(": ", 1)[1] for n in notices] == [
        "Received", "Accepted for checking", "Being checked", "Waiting for your answer"]
    assert "The officer writes: Which company is named on the receipt?" in notices[-1]
    assert "收据" not in notices[-1]

    # He answers in the chat: text, then a second photo.
    answered = await son.send("The receipt says Kangshou Health Technology Co., Ltd.")
    assert answered[-1].text == "Thank you: your information was added to the report."
    asked = await son.send_photo(a_photo(gps=False, color="gray"), caption="the second receipt")
    assert asked[-1].text == "Add this to your report?"  # after his answer: asked first (issue 16)
    answered = await son.press("Yes, add it")
    assert answered[-1].text == "Thank you: your information was added to the report."
    async with core.db.session() as session:
        tip = await session.get(Tip, tip.id)
        replies = (await session.scalars(select(ReporterMessage).where(ReporterMessage.tip_id == tip.id))).all()
    assert tip.status == "verifying"
    assert [r.text for r in replies] == ["The receipt says Kangshou Health Technology Co., Ltd.", "the second receipt"]
    assert len(await list_for_tip(core, tip.id)) == 2

    await move_tip(core, tip.id, "substantiated", staff=officer)
    before = len(fake_telegram.sent_to(son.chat_id))
    assert await outbox.run_once() == 2  # back to checking (his answer), then confirmed
    last = fake_telegram.sent_to(son.chat_id)[-1].text
    assert last.startswith("Your report of") and "Confirmed" in last
    assert (await get_user(core, son.chat_id)).language == "en"

    # Later he looks up his reports and the public timeline.
    mine = await son.send("/mytips")
    assert "Confirmed" in mine[0].text and "Health products" in mine[0].text
    status = await son.send(f"/status {code}")
    assert "Confirmed" in status[0].text and "Which company is named on the receipt?" in status[0].text


async def test_once_closed_the_reporter_is_asked_whether_they_are_satisfied(core, fake_telegram, running_bot):
    from intake.platform.models.tip_records import Rating
    from tests.factories import file_tip

    bot = await running_bot()
    son = new_user(fake_telegram)
    await son.send("/start")
    await son.press("English")
    receipt = await file_tip(core, channel="telegram", channel_address=str(son.chat_id), owner=str(son.chat_id), language="en")
    officer = await staff(core, "li", "officer", "990121-civil_affairs")
    lead = await staff(core, "zhou", "unit_lead", "990121-civil_affairs")
    for step, who in (("accepted", officer), ("verifying", officer), ("substantiated", officer), ("closed", lead)):
        await move_tip(core, receipt.tip_id, step, staff=who)
    await Dispatcher(core, {"telegram": TelegramChannel(bot.bot, core)}, worker_id="t").run_once()
    finished = fake_telegram.sent_to(son.chat_id)[-1]
    assert "Finished" in finished.text and "Are you satisfied with how your report was handled?" in finished.text
    assert [label for label, _ in finished.buttons()] == ["Satisfied", "Mostly satisfied", "Not satisfied"]

    shown = await son.press("Mostly satisfied", message=finished)
    assert shown[-1].text == "Thank you for telling us."
    async with core.db.session() as session:
        assert (await session.get(Rating, receipt.tip_id)).satisfied == "partly"
