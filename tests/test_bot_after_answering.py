"""Issue 16, bug 3: after the report, what a message in the chat becomes.

A tracking code sent on its own shows that report's progress (never stored as a reply, even
right after the reporter answered a staff question); the answer to a staff question is stored
at once; anything else sent after that answer asks "Add this to your report?" first.
"""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from intake.casework.casework import move_tip
from intake.domain.messages import PublicMessage
from intake.platform.models.tip_records import ReporterMessage
from intake.platform.models.tips import Tip
from tests.bot_harness import fake_telegram, new_user, running_bot  # noqa: F401 - fixtures
from tests.factories import a_photo, file_tip, staff

ADDED = "Thank you: your information was added to the report."
ASK = "Add this to your report?"


async def a_question_from_staff(core, fake_telegram):
    """A reporter in English whose report waits for their answer to a staff question."""
    user = new_user(fake_telegram)
    await user.send("/start")
    await user.press("English")
    await user.send("/cancel")  # no unfinished report in the way
    receipt = await file_tip(core, channel="telegram", channel_address=str(user.chat_id), owner=str(user.chat_id), language="en")
    officer = await staff(core, "li", "officer", "990121-civil_affairs")
    for step in ("accepted", "verifying"):
        await move_tip(core, receipt.tip_id, step, staff=officer)
    await move_tip(core, receipt.tip_id, "needs_info", staff=officer,
                   public=PublicMessage(text="Which company?", language="en"))
    return user, receipt


async def replies_of(core, tip_id: int) -> list[str]:
    async with core.db.session() as session:
        rows = await session.scalars(select(ReporterMessage.text).where(ReporterMessage.tip_id == tip_id).order_by(ReporterMessage.id))
        return list(rows.all())


def grouped(code: str) -> str:
    return f"{code[:4]} {code[4:8]} {code[8:]}"


async def test_a_tracking_code_sent_on_its_own_shows_the_status_and_is_never_filed_as_a_reply(core, fake_telegram, running_bot):
    await running_bot()
    user, receipt = await a_question_from_staff(core, fake_telegram)

    shown = await user.send(grouped(receipt.code))  # while the staff question waits: still a look-up
    assert shown[-1].text.startswith(f"Report {grouped(receipt.code)}: Waiting for your answer")
    assert await replies_of(core, receipt.tip_id) == []

    shown = await user.send("Kangshou Health Technology")
    assert shown[-1].text == ADDED
    usage = await user.send("/status")
    assert "Please send the tracking code after the command" in usage[-1].text
    shown = await user.send(grouped(receipt.code))  # within the hour after answering
    assert shown[-1].text.startswith(f"Report {grouped(receipt.code)}: Being checked")
    assert not shown[-1].buttons()
    assert await replies_of(core, receipt.tip_id) == ["Kangshou Health Technology"]


async def test_more_text_after_the_answer_is_added_only_when_the_reporter_says_yes(core, fake_telegram, running_bot):
    await running_bot()
    user, receipt = await a_question_from_staff(core, fake_telegram)
    await user.send("Kangshou Health Technology")

    asked = await user.send("They also called my neighbour.")
    assert ASK in asked[-1].text
    assert [label for label, _ in asked[-1].buttons()] == ["Yes, add it", "No"]
    assert await replies_of(core, receipt.tip_id) == ["Kangshou Health Technology"]
    shown = await user.press("Yes, add it")
    assert shown[-1].text == ADDED
    assert await replies_of(core, receipt.tip_id) == ["Kangshou Health Technology", "They also called my neighbour."]

    asked = await user.send("hello, is anyone there?")
    assert ASK in asked[-1].text
    stale = replace(asked[-1])  # as the reporter's screen showed it (the bot takes the buttons away)
    shown = await user.press("No")
    assert "was not added" in shown[0].text and "/start" in shown[-1].text
    assert await replies_of(core, receipt.tip_id) == ["Kangshou Health Technology", "They also called my neighbour."]
    again = await user.press("Yes, add it", message=stale)  # the question was answered: its button is old
    assert fake_telegram.alerts[-1]["text"] == "This button has expired. Please use the buttons of the latest question."
    assert not again
    assert await replies_of(core, receipt.tip_id) == ["Kangshou Health Technology", "They also called my neighbour."]


async def test_a_photo_after_the_answer_is_asked_about_too_and_kept_with_its_caption(core, fake_telegram, running_bot):
    from intake.platform.attachments import list_for_tip

    await running_bot()
    user, receipt = await a_question_from_staff(core, fake_telegram)
    await user.send("Kangshou Health Technology")
    asked = await user.send_photo(a_photo(gps=False, color="gray"), caption="the second receipt")
    assert ASK in asked[-1].text
    assert len(await list_for_tip(core, receipt.tip_id)) == 0
    shown = await user.press("Yes, add it")
    assert shown[-1].text == ADDED
    assert await replies_of(core, receipt.tip_id) == ["Kangshou Health Technology", "the second receipt"]
    assert len(await list_for_tip(core, receipt.tip_id)) == 1
    async with core.db.session() as session:
        assert (await session.get(Tip, receipt.tip_id)).status == "verifying"
